import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../ports.ts';
import { fetchPeer, run } from './run.ts';
import type { ServerDefinition } from './server.ts';

/** The SASL/PLAIN account on the broker's second listener (see `kafkaSaslPort`). */
export const KAFKA_SASL_USER = { user: 'eventer', password: 'eventer-pw' } as const;

/**
 * Apache Kafka 4.x in KRaft combined mode (broker + controller, one node), from Maven Central
 * jars. Listeners: PLAINTEXT on the given port and SASL_PLAINTEXT (PLAIN) on another free port
 * (`info.extra.saslPort`).
 */
export function kafkaServer(): ServerDefinition {
  let home = '';
  let saslPort = 0;
  const java = () => [
    '-Xms128m',
    '-Xmx256m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
    '-cp',
    `${join(home, 'libs')}/*`,
  ];
  return {
    kind: 'kafka',
    version: '4.1.1',
    startTimeoutMs: 180_000,
    async prepare(workDir, port) {
      home = await fetchPeer('kafka');
      saslPort = await freePort();
      const controller = await freePort();
      await mkdir(join(workDir, 'logs'), { recursive: true });
      const { user, password } = KAFKA_SASL_USER;
      const properties = [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${controller}`,
        `listeners=PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPort},CONTROLLER://127.0.0.1:${controller}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
        'sasl.enabled.mechanisms=PLAIN',
        `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${user}="${password}";`,
        `log.dirs=${join(workDir, 'logs')}`,
        'num.partitions=3',
        'auto.create.topics.enable=true',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=3',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'log.flush.interval.messages=1',
        '',
      ];
      await writeFile(join(workDir, 'server.properties'), properties.join('\n'));
      const clusterId = randomBytes(16).toString('base64url');
      await run('java', [
        ...java(),
        'kafka.tools.StorageTool',
        'format',
        `--cluster-id=${clusterId}`,
        '-c',
        join(workDir, 'server.properties'),
      ]);
    },
    command: (workDir) => ({ command: 'java', args: [...java(), 'kafka.Kafka', join(workDir, 'server.properties')] }),
    // Kafka sends nothing first: an ApiVersions request answered means the broker is up.
    ready: (port) => apiVersionsAnswered(port),
    url: (port) => `127.0.0.1:${port}`,
    extra: () => ({ saslPort: String(saslPort) }),
  };
}

async function apiVersionsAnswered(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(3000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', () => done(true));
    socket.once('connect', () => {
      // ApiVersions v0: size, api_key=18, api_version=0, correlation_id=1, client_id="t"
      const body = Buffer.from([0, 18, 0, 0, 0, 0, 0, 1, 0, 1, 0x74]);
      const size = Buffer.alloc(4);
      size.writeInt32BE(body.length);
      socket.write(Buffer.concat([size, body]));
    });
  });
}

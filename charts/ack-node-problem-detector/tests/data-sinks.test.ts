// Values blocks of the Kafka, Elasticsearch, MySQL, InfluxDB and MongoDB sinks: rendered, accepted
// by a real apiserver, passwords only in Secrets reached through env, every URI built by the eventer.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { type ClusterClient, sharedCluster } from '@ack-npd/testkit';
import { parseAllDocuments } from 'yaml';
import { parseSinkSpec } from '../../../packages/eventer/src/config/sink-uri.ts';
import { manualClock, sinkContext } from '../../../packages/eventer/src/sinks/fixtures/aliyun-sink-events.ts';
import { sinkFactory } from '../../../packages/eventer/src/sinks/index.ts';

const chart = join(import.meta.dirname, '..');

const SECRETS = {
  'eventer.sinks.kafka.password': 'KAFKA-PW-1',
  'eventer.sinks.elasticsearch.password': 'ES-PW-2',
  'eventer.sinks.mysql.password': 'MYSQL-PW-3',
  'eventer.sinks.influxdb.password': 'INFLUX-PW-4',
  'eventer.sinks.mongo.uri': 'mongodb://eventer:MONGO-PW-5@mongo.db:27017/?authSource=admin',
};
const VALUES = [
  'clusterId=c1',
  'eventer.sinks.kafka.enabled=true',
  'eventer.sinks.kafka.brokers={kafka-0.kafka:9092,kafka-1.kafka:9092}',
  'eventer.sinks.kafka.compression=lz4',
  'eventer.sinks.kafka.user=eventer',
  'eventer.sinks.elasticsearch.enabled=true',
  'eventer.sinks.elasticsearch.nodes={http://es-0.es:9200,http://es-1.es:9200}',
  'eventer.sinks.elasticsearch.ver=8',
  'eventer.sinks.elasticsearch.username=elastic',
  'eventer.sinks.elasticsearch.useNamespace=true',
  'eventer.sinks.mysql.enabled=true',
  'eventer.sinks.mysql.host=mysql.db',
  'eventer.sinks.influxdb.enabled=true',
  'eventer.sinks.influxdb.url=http://influxdb.monitoring:8086',
  'eventer.sinks.influxdb.withFields=true',
  'eventer.sinks.mongo.enabled=true',
  ...Object.entries(SECRETS).map(([k, v]) => `${k}=${v}`),
].flatMap((value) => ['--set', value]);

interface Manifest {
  kind: string;
  metadata: { name: string };
  stringData?: Record<string, string>;
  spec?: {
    template: {
      spec: { containers: { args: string[]; env: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] }[] };
    };
  };
}

describe('chart: Kafka, Elasticsearch, MySQL, InfluxDB and MongoDB sink values', () => {
  let cluster: ClusterClient;
  before(async () => {
    cluster = await sharedCluster();
  });
  const template = (args: readonly string[]) => cluster.helm(['template', 'anpd', chart, '--namespace', 'kube-system', ...args]);

  it('renders manifests a real apiserver accepts, passwords only in Secrets', async () => {
    const rendered = await template(VALUES);
    assert.match(await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: rendered }), /created \(server dry run\)/);
    const docs = parseAllDocuments(rendered)
      .map((doc) => doc.toJS() as Manifest | null)
      .filter((doc): doc is Manifest => doc !== null);
    const deployment = docs.find((doc) => doc.kind === 'Deployment' && doc.metadata.name.endsWith('-eventer'));
    const container = deployment?.spec?.template.spec.containers[0];
    assert.ok(container);
    for (const secret of Object.values(SECRETS)) assert.ok(!JSON.stringify(deployment).includes(secret), `${secret} in the Deployment`);
    const sinks = container.args.filter((arg) => arg.startsWith('--sink='));
    assert.deepEqual(sinks, [
      '--sink=kafka:?brokers=kafka-0.kafka:9092&brokers=kafka-1.kafka:9092&eventstopic=heapster-events&compression=lz4&user=eventer&password=$KAFKA_PASSWORD&mechanism=PLAIN',
      '--sink=elasticsearch:?nodes=http://es-0.es:9200&nodes=http://es-1.es:9200&ver=8&index=heapster&sniff=false&bulkWorkers=5&cluster_name=c1&use_namespace=true&esUserName=elastic&esUserSecret=$ES_PASSWORD',
      '--sink=mysql:?kube_eventer:$MYSQL_PASSWORD@tcp(mysql.db:3306)/kube_eventer?charset=utf8mb4&table=kube_event',
      '--sink=influxdb:http://influxdb.monitoring:8086?db=k8s&user=root&withfields=true&insecuressl=false&pw=$INFLUXDB_PASSWORD&cluster_name=c1',
      '--sink=mongo:?$MONGO_URI',
    ]);
    const eventerEnv = {
      KAFKA_PASSWORD: 'KAFKA-PW-1',
      ES_PASSWORD: 'ES-PW-2',
      MYSQL_PASSWORD: 'MYSQL-PW-3',
      INFLUXDB_PASSWORD: 'INFLUX-PW-4',
      MONGO_URI: SECRETS['eventer.sinks.mongo.uri'],
    };
    for (const arg of sinks) {
      const spec = parseSinkSpec(arg.slice('--sink='.length), { env: eventerEnv });
      const sink = await sinkFactory(spec)(spec, sinkContext(manualClock(0), eventerEnv));
      assert.equal(sink.name, spec.key);
      await sink.close();
    }
    const env = new Map(container.env.map((e) => [e.name, e.valueFrom?.secretKeyRef]));
    assert.deepEqual(env.get('MYSQL_PASSWORD'), { name: 'anpd-ack-node-problem-detector-eventer-mysql', key: 'password' });
    assert.deepEqual(env.get('MONGO_URI'), { name: 'anpd-ack-node-problem-detector-eventer-mongo', key: 'uri' });
    const secrets = new Map(
      docs
        .filter((doc) => doc.kind === 'Secret')
        .map((doc) => [doc.metadata.name.replace('anpd-ack-node-problem-detector-eventer-', ''), doc.stringData]),
    );
    assert.deepEqual(secrets.get('kafka'), { password: 'KAFKA-PW-1' });
    assert.deepEqual(secrets.get('mongo'), { uri: SECRETS['eventer.sinks.mongo.uri'] });
  });

  it('names the missing value when a sink is enabled without its peer or credential', async () => {
    await assert.rejects(template(['--set', 'eventer.sinks.kafka.enabled=true']), /kafka.*brokers/);
    await assert.rejects(template(['--set', 'eventer.sinks.elasticsearch.enabled=true']), /elasticsearch.*nodes/);
    await assert.rejects(template(['--set', 'eventer.sinks.mysql.enabled=true', '--set', 'eventer.sinks.mysql.password=p']), /mysql.*host/);
    await assert.rejects(
      template(['--set', 'eventer.sinks.mongo.enabled=true']),
      /eventer\.sinks\.mongo\.uri \(or eventer\.sinks\.mongo\.existingSecret\)/,
    );
    await assert.rejects(template(['--set', 'eventer.sinks.elasticsearch.ver=9']), /elasticsearch\/ver/);
  });
});

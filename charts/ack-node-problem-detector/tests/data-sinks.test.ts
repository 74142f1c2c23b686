// Values blocks of the Kafka, Elasticsearch, MySQL, InfluxDB and MongoDB sinks: rendered, accepted
// by a real apiserver, passwords only in Secrets reached through env, every URI built by the eventer.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { type ClusterClient, sharedCluster } from '@ack-npd/testkit';
import { buildEverySink, template as render, renderSinks, setArgs } from './sink-values.ts';

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
];

describe('chart: Kafka, Elasticsearch, MySQL, InfluxDB and MongoDB sink values', () => {
  let cluster: ClusterClient;
  before(async () => {
    cluster = await sharedCluster();
  });
  const template = (args: readonly string[]) => render(cluster, args);

  it('renders manifests a real apiserver accepts, passwords only in Secrets', async () => {
    const { sinks, env, secrets } = await renderSinks(cluster, setArgs(VALUES, SECRETS), SECRETS);
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
    await buildEverySink(sinks, eventerEnv);
    assert.deepEqual(env.get('MYSQL_PASSWORD'), { name: 'anpd-ack-node-problem-detector-eventer-mysql', key: 'password' });
    assert.deepEqual(env.get('MONGO_URI'), { name: 'anpd-ack-node-problem-detector-eventer-mongo', key: 'uri' });
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

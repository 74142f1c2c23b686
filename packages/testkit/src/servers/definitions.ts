import { searchServer } from './elasticsearch.ts';
import { ferretdbServer } from './ferretdb.ts';
import { influxdbServer } from './influxdb.ts';
import { kafkaServer } from './kafka.ts';
import { mariadbServer } from './mariadb.ts';
import type { ServerDefinition } from './server.ts';

/** Every real server the test kit can run, by the name tests ask for. */
export const serverDefinitions = {
  mariadb: mariadbServer,
  influxdb: influxdbServer,
  kafka: kafkaServer,
  ferretdb: ferretdbServer,
  'elasticsearch-8.15.0': () => searchServer('elasticsearch', '8.15.0'),
  'elasticsearch-7.17.25': () => searchServer('elasticsearch', '7.17.25'),
  'opensearch-2.19.4': () => searchServer('opensearch', '2.19.4'),
} satisfies Record<string, () => ServerDefinition>;

export type ServerKind = keyof typeof serverDefinitions;

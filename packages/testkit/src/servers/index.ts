export type { ServerKind } from './definitions.ts';
export { KAFKA_SASL_USER } from './kafka.ts';
export { MARIADB_USER } from './mariadb.ts';
export type { ServerInfo } from './server.ts';
export { type SharedServer, sharedServer } from './shared-server.ts';

/** The eventer's configuration: env expansion, sink URIs, the YAML schema, and flag merging. */
export * from './config/env.ts';
export * from './config/flags.ts';
export * from './config/schema.ts';
export * from './config/sink-uri.ts';

// Light modules only: what loads a big dependency is its own entry point, imported where used —
// @ack-npd/core/logger (pino), @ack-npd/core/log-lite, @ack-npd/core/metrics (prom-client), @ack-npd/core/prom-lite,
// @ack-npd/core/kube (@kubernetes/client-node), @ack-npd/core/kube-lite.
export * from './apiserver-uri.ts';
export * from './clock.ts';
export * from './config.ts';
export * from './duration.ts';
export * from './errors.ts';
export * from './flags.ts';
export * from './http.ts';
export * from './log.ts';

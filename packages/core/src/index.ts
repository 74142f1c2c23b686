export * from './apiserver-uri.ts';
export * from './clock.ts';
export * from './config.ts';
export * from './duration.ts';
export * from './errors.ts';
export * from './http.ts';
export * from './logger.ts';
export * from './metrics.ts';

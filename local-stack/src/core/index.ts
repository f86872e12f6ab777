export * from './types';
export * from './errors';
export * from './json-protocol';
export * from './query-protocol';
export * from './xml';
export * from './persistence';
export * from './logger';
export { createLocalServer, HEALTH_PATH, type LocalServer, type LocalServerOptions } from './server';
export { resolveServiceTarget, parseCredentialScope, type ServiceTarget } from './service-resolution';

export * from './eventually.js';
export * from './test-env.js';
export * from './kafka-test-client.js';
export * from './service-process.js';
export * from './tokens.js';
export * from './factories.js';

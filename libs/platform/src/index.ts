export * from './config.js';
export * from './json.logger.js';
export * from './health.js';
export * from './problem.js';
export * from './database.js';
export * from './kafka.module.js';
export * from './bootstrap.js';
export * from './platform.module.js';

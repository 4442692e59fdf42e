export * from './kafka.client.js';
export * from './kafka.errors.js';
export * from './kafka.metrics.js';
export * from './event-publisher.js';
export * from './kafka-event.js';
export * from './consumer-status.js';
export * from './kafka-consumer.server.js';
export * from './topic-admin.js';

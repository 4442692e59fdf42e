export * from './business-calendar.js';
export * from './rule-set.js';
export * from './rule-set.loader.js';
export * from './service-levels.js';
export * from './ticket-progress.js';
export * from './assignment-policy.js';

export * from './codes.js';
export * from './schemas.js';
export * from './events.js';
export * from './auth.js';
export * from './webchat.js';

export * from './hub-client.js';

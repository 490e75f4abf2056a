// The contract's zod schemas and object types, by role: the safe building blocks and limits
// (strings.ts), the objects (objects.ts), the call payloads and CallSchemas (calls.ts), the HTTP
// bodies and queries (admin.ts).
export * from './strings.js';
export * from './objects.js';
export * from './routing.js';
export * from './bots.js';
export * from './messaging.js';
export * from './calls.js';
export * from './admin.js';

// Moved to server/ports.ts; this re-export goes once every importer has moved.
export type { Archive, ChannelDirectory, CustomerDirectory, Fanout } from '../ports.js';

import type { Migration } from 'kysely/migration';
import { init } from './0001_init.js';

/**
 * Every migration, by name, in order. A static record rather than FileMigrationProvider because
 * the files are .ts loaded by tsx or jest, not compiled .js on disk. Add new ones at the end.
 */
export const migrations: Record<string, Migration> = {
  '0001_init': init,
};

import { sql } from 'kysely';
import type { Logger } from '../log.js';
import type { HubDatabase } from '../persistence/create-database.js';
import { ensureSeedChannel } from '../persistence/channels.js';
import { HubDirectory } from '../persistence/hub-directory.js';
import { migrateToLatest } from '../persistence/migrate.js';
import type { Parts } from '../ports.js';

/** The parts that live in the database, the same for PGlite (embedded) and Postgres (cluster). */
export type DatabaseParts = Pick<Parts, 'channels' | 'customers' | 'archive' | 'admin'> & {
  directory: HubDirectory;
  database: HubDatabase;
  /** `select 1`: throws when the database is unreachable. */
  ready(): Promise<void>;
};

/**
 * Migrates the database to the latest schema (under kysely's migration lock, so nodes starting
 * together are safe), makes sure the default `webchat` channel exists, and puts the directory on
 * it. The caller owns `database` and closes it after everything that uses it.
 */
export async function databaseParts(database: HubDatabase, log: Logger, opts: { channelTtlMs?: number; webchatBot?: 'builtin' | 'none' } = {}): Promise<DatabaseParts> {
  const started = performance.now();
  const ran = await migrateToLatest(database);
  await ensureSeedChannel(database.db, { bot: opts.webchatBot ?? 'none' });
  log.info({ kind: database.kind, migrations: ran, ms: Math.round(performance.now() - started) }, 'database ready');
  const directory = new HubDirectory(database.db, { log, ...(opts.channelTtlMs ? { channelTtlMs: opts.channelTtlMs } : {}) });
  return {
    directory,
    database,
    channels: directory,
    customers: directory,
    archive: directory,
    admin: directory,
    ready: async () => {
      await sql`select 1`.execute(database.db);
    },
  };
}

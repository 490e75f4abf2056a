import { join } from 'node:path';
import { sql } from 'kysely';
import type { Parts } from '../app.js';
import type { HubConfig } from '../config.js';
import type { Logger } from '../log.js';
import { createDatabase, type HubDatabase } from '../persistence/create-database.js';
import { ensureSeedChannel } from '../persistence/channels.js';
import { HubDirectory } from '../persistence/hub-directory.js';
import { migrateToLatest } from '../persistence/migrate.js';
import { MemoryRoutingStore } from '../routing/memory-routing-store.js';
import { LocalScheduler } from '../scheduler/local-scheduler.js';
import { MemoryConversationStore } from '../store/memory-store.js';

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
export async function databaseParts(database: HubDatabase, log: Logger, opts: { channelTtlMs?: number } = {}): Promise<DatabaseParts> {
  const started = performance.now();
  const ran = await migrateToLatest(database);
  await ensureSeedChannel(database.db);
  log.info({ kind: database.kind, migrations: ran, ms: Math.round(performance.now() - started) }, 'database ready');
  const directory = new HubDirectory(database.db, { log, ...opts });
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

/** One process, no services: in-memory live state and timers, embedded Postgres (PGlite) for the record. */
export async function embeddedParts(config: HubConfig, log: Logger): Promise<Parts> {
  const database = await createDatabase({ kind: 'pglite', dataDir: join(config.dataDir, 'pglite') });
  let record: DatabaseParts;
  try {
    record = await databaseParts(database, log);
  } catch (err) {
    await database.close();
    throw err;
  }
  const store = new MemoryConversationStore();
  const scheduler = new LocalScheduler(log);
  return {
    store,
    routing: new MemoryRoutingStore(),
    scheduler,
    channels: record.channels,
    customers: record.customers,
    archive: record.archive,
    admin: record.admin,
    ready: record.ready,
    close: async () => {
      await scheduler.close();
      await store.close();
      await database.close();
    },
  };
}

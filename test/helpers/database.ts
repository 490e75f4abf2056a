import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { sql } from 'kysely';
import { createDatabase, type HubDatabase } from '../../server/persistence/create-database.js';
import { migrateToLatest } from '../../server/persistence/migrate.js';
import { seededPgliteDir } from './pglite-template.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Makes a fresh, empty, isolated database (not migrated). */
export type DatabaseFactory = () => Promise<HubDatabase>;

/** PGlite on a copy of a made database in a temp folder, removed on close: isolated by being its own instance. */
export const pgliteDatabase: DatabaseFactory = async () => {
  const dataDir = seededPgliteDir();
  const handle = await createDatabase({ kind: 'pglite', dataDir });
  return { ...handle, close: () => handle.close().finally(() => rmSync(dataDir, { recursive: true, force: true })) };
};

/**
 * Postgres in a new random schema, dropped on close, so test files and tests run in parallel
 * without seeing each other's rows. Fails (no skip) when Postgres is not there.
 */
export const postgresDatabase: DatabaseFactory = async () => {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const handle = await createDatabase({ kind: 'postgres', url: TEST_DATABASE_URL, schema, max: 5, connectTimeoutMs: 5_000 });
  return {
    ...handle,
    close: async () => {
      try {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(handle.db);
      } finally {
        await handle.close();
      }
    },
  };
};

/** A fresh database with every migration applied. */
export async function migratedDatabase(factory: DatabaseFactory): Promise<HubDatabase> {
  const handle = await factory();
  try {
    await migrateToLatest(handle);
  } catch (err) {
    await handle.close();
    throw err;
  }
  return handle;
}

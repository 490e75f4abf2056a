import v8 from 'node:v8';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, sql, type LogEvent } from 'kysely';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import type { Database } from './database.js';

export type DatabaseOptions =
  | { kind: 'pglite'; /** undefined: in memory */ dataDir?: string; onError?: () => void }
  | {
      kind: 'postgres';
      url: string;
      /** Own schema (created if missing) set as search_path on every pooled connection. */
      schema?: string;
      /** Pool size; pg's default is 10. */
      max?: number;
      /** Give up on a connection attempt after this long (pg's default is to wait forever). */
      connectTimeoutMs?: number;
      logger?: Logger;
      /** Told of every failed query and idle-connection error (metrics: `hub_postgres_errors_total`). */
      onError?: () => void;
    };

export interface HubDatabase {
  db: Kysely<Database>;
  kind: 'pglite' | 'postgres';
  /** The schema the tables live in, when one was asked for (migrations keep their table there). */
  schema?: string;
  close(): Promise<void>;
}

/**
 * The embedded database's settings (written to its postgresql.conf at each start): small buffers for
 * one process and a handful of users. Postgres's default 128 MB of shared buffers kept the reopened
 * database at about 300 MB of the hub's memory; with these it is about 180 MB.
 */
const PGLITE_CONF = ['shared_buffers=16MB', 'wal_buffers=1MB', 'temp_buffers=2MB', 'work_mem=2MB', 'maintenance_work_mem=16MB'];

/**
 * PGlite is Postgres compiled to WebAssembly. V8 compiles it twice by default: at once with its
 * baseline compiler (Liftoff), then hot functions again with TurboFan, keeping both. Liftoff alone
 * kept the opened database at about 110 MB instead of 165 MB, opened it in half the time, and ran
 * 3,000 inserts with 1,000 lookups as fast (993 ms against 1,623 ms with the tier-up). Set before
 * PGlite compiles; the hub has no other WebAssembly worth the second tier (issue 15).
 */
function leanWasm(): void {
  v8.setFlagsFromString('--liftoff-only');
}

/** Where embedded mode keeps its database inside the data folder. */
export const pgliteDataDir = (dataDir: string): string => join(dataDir, 'pglite');

// Lower-case identifiers only: the name goes into a connection option where quoting is awkward.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * One Kysely over PGlite (embedded mode) or a pg Pool (cluster mode). Nothing connects before the
 * first query, except creating the schema, so a handle to a down server can still be made.
 */
export async function createDatabase(opts: DatabaseOptions): Promise<HubDatabase> {
  if (opts.kind === 'pglite') {
    leanWasm();
    const pglite = new PGlite(opts.dataDir, { postgresqlconf: PGLITE_CONF });
    const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }), ...failedQueries(opts.onError) });
    // destroy() also closes the PGlite instance
    return { db, kind: 'pglite', close: () => db.destroy() };
  }

  const { schema } = opts;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  const logger = opts.logger ?? pino({ name: 'persistence', level: process.env.LOG_LEVEL ?? 'info' });
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client dying (server restart) must not crash the process; the next query reconnects.
  pool.on('error', (err) => {
    opts.onError?.();
    logger.warn({ err }, 'postgres idle client error');
  });
  // Nor one dying while checked out between two queries (a kysely transaction): pg emits 'error' on
  // the client then, with no pool listener attached, which crashed a node when the chaos run cut
  // Postgres off. The query in progress, or the next, fails and is retried by its caller.
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      opts.onError?.();
      logger.warn({ err }, 'postgres client error');
    });
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...failedQueries(opts.onError) });
  if (schema) {
    try {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    } catch (err) {
      await db.destroy();
      throw err;
    }
  }
  return { db, kind: 'postgres', ...(schema ? { schema } : {}), close: () => db.destroy() };
}

/** Kysely's log hook, counting failed queries (it is called for every query; only errors are counted). */
function failedQueries(onError: (() => void) | undefined): { log?: (event: LogEvent) => void } {
  if (!onError) return {};
  return {
    log: (event) => {
      if (event.level === 'error') onError();
    },
  };
}

/**
 * Postgres cut off while a client is checked out between two queries (inside a transaction): the
 * client's 'error' event is handled (logged, counted), the transaction fails with an error, the
 * process does not crash, and the next query works once Postgres is back. The chaos run saw a
 * node die of exactly this (an unhandled 'error' event on a pg Client).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { sql } from 'kysely';
import { pino } from 'pino';
import { createDatabase, type HubDatabase } from '../../server/persistence/create-database.js';
import { startProxy, type TcpProxy } from '../helpers/proxy.js';

let proxy: TcpProxy;
let database: HubDatabase;
let errors = 0;
let onError: () => void = () => {};
beforeAll(async () => {
  proxy = await startProxy({ port: 5432 });
  database = await createDatabase({
    kind: 'postgres',
    url: `postgres://postgres@127.0.0.1:${proxy.port}/test`,
    max: 2,
    connectTimeoutMs: 2_000,
    logger: pino({ level: 'silent' }),
    onError: () => {
      errors++;
      onError();
    },
  });
});
afterAll(async () => {
  await database?.close();
  await proxy?.close();
});

test('a checked-out client losing its connection is an error of the transaction, not of the process', async () => {
  const clientError = new Promise<void>((resolve, reject) => {
    onError = resolve;
    setTimeout(() => reject(new Error('the client error was never handled')), 5_000).unref();
  });
  const run = database.db.transaction().execute(async (trx) => {
    await sql`select 1`.execute(trx);
    proxy.refuse(); // cuts the open connection: the client is checked out, no query in progress
    await clientError;
    await sql`select 2`.execute(trx);
  });
  await expect(run).rejects.toThrow();
  expect(errors).toBeGreaterThanOrEqual(1);
  proxy.accept();
  const { rows } = await sql<{ n: number }>`select 3 as n`.execute(database.db);
  expect(rows).toEqual([{ n: 3 }]);
}, 15_000);

import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { sql } from 'kysely';
import { createDatabase } from '../../server/persistence/create-database.js';
import { initPgliteApart } from '../../server/persistence/pglite-init.js';

// `npm start`'s first start makes the embedded database in a child process (server/main.ts), so
// initdb's memory never lands in the hub's; the hub then opens it with small buffers.
const root = mkdtempSync(join(tmpdir(), 'pglite-init-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('a new folder is made apart, renamed in whole, and opened with the small settings', async () => {
  const dir = join(root, 'pglite');
  expect(await initPgliteApart(dir)).toBe(true);
  expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
  expect(readdirSync(root)).toEqual(['pglite']); // nothing left aside
  expect(await initPgliteApart(dir)).toBe(false); // made already
  const database = await createDatabase({ kind: 'pglite', dataDir: dir });
  try {
    const { rows } = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(database.db);
    expect(rows[0]?.shared_buffers).toBe('16MB');
  } finally {
    await database.close();
  }
}, 120_000);

test('a folder holding something else is left to PGlite as it is', async () => {
  const dir = join(root, 'other');
  await import('node:fs/promises').then((fs) => fs.mkdir(dir));
  writeFileSync(join(dir, 'note.txt'), 'not a database');
  expect(await initPgliteApart(dir)).toBe(false);
  expect(readdirSync(dir)).toEqual(['note.txt']);
});

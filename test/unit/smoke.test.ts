import { expect, test } from '@jest/globals';
import { Kysely, PGliteDialect, sql } from 'kysely';
import { PGlite } from '@electric-sql/pglite';

test('pglite through kysely', async () => {
  const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite: new PGlite() }) });
  const r = await sql<{ x: number }>`select 1 + 1 as x`.execute(db);
  expect(r.rows[0]?.x).toBe(2);
  await db.destroy();
});

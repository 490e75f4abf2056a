import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { ensureSeedChannel, listChannels } from '../../server/persistence/channels.js';
import { createDatabase } from '../../server/persistence/create-database.js';
import { migrateToLatest } from '../../server/persistence/migrate.js';
import { migrations } from '../../migrations/index.js';
import { databaseSuite } from '../conformance/database.suite.js';
import { pgliteDatabase } from '../helpers/database.js';

// Embedded mode: a PGlite per factory call (on a copy of a made folder, test/helpers/pglite-template.ts).
databaseSuite('pglite', pgliteDatabase);

describe('pglite on disk (HUB_DATA_DIR)', () => {
  test('data survives closing and reopening the same folder; migrations are not run twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-pglite-'));
    try {
      const first = await createDatabase({ kind: 'pglite', dataDir: dir });
      expect(await migrateToLatest(first)).toEqual(Object.keys(migrations).map((m) => `Up ${m}`));
      const seed = await ensureSeedChannel(first.db);
      await first.close();

      const again = await createDatabase({ kind: 'pglite', dataDir: dir });
      try {
        expect(await migrateToLatest(again)).toEqual([]);
        expect(await listChannels(again.db)).toEqual([seed]);
      } finally {
        await again.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // A real first start (initdb, ~5 s of CPU alone): a loaded CI machine took over 30 s.
  }, 120_000);
});

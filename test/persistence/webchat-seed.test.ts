import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { loadConfig } from '../../server/config.js';
import { createDatabase } from '../../server/persistence/create-database.js';
import { ensureSeedChannel } from '../../server/persistence/channels.js';

const dir = mkdtempSync(join(tmpdir(), 'webchat-bot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secrets = { HUB_JWT_SECRET: 'x'.repeat(32), HUB_ADMIN_KEY: 'y'.repeat(32), HUB_DATA_DIR: dir };
const cluster = { REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: 'postgres://postgres@127.0.0.1/test' };

test('HUB_WEBCHAT_BOT: the built-in bot by default in embedded mode, none in cluster mode, either when set', () => {
  expect(loadConfig(secrets).webchatBot).toBe('builtin');
  expect(loadConfig({ ...secrets, ...cluster }).webchatBot).toBe('none');
  expect(loadConfig({ ...secrets, HUB_WEBCHAT_BOT: 'none' }).webchatBot).toBe('none');
  expect(loadConfig({ ...secrets, ...cluster, HUB_WEBCHAT_BOT: 'builtin' }).webchatBot).toBe('builtin');
  expect(() => loadConfig({ ...secrets, HUB_WEBCHAT_BOT: 'rasa' })).toThrow(/HUB_WEBCHAT_BOT must be 'builtin' or 'none'/);
});

test('the seed gives a new webchat channel the bot, and leaves an existing one as it is', async () => {
  const database = await createDatabase({ kind: 'pglite' });
  try {
    const { migrateToLatest } = await import('../../server/persistence/migrate.js');
    await migrateToLatest(database);
    expect((await ensureSeedChannel(database.db, { bot: 'builtin' })).bot).toEqual({ type: 'builtin' });
    // Made already: a later start with the bot off changes nothing (the admin's channel stays).
    expect((await ensureSeedChannel(database.db, { bot: 'none' })).bot).toEqual({ type: 'builtin' });
  } finally {
    await database.close();
  }
}, 60_000);

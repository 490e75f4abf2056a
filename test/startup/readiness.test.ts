import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { startHub } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { runChecks } from '../../server/readiness.js';
import { describeError, startupDelay, where } from '../../server/startup.js';

describe('the pieces of start-up and readiness', () => {
  test('backoff is 250 ms doubling to 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(startupDelay)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  test('a URL is named by host, port (and database), never its user or password', () => {
    expect(where('postgres://hub:s3cret@db.internal:6543/hub', true)).toBe('db.internal:6543/hub');
    expect(where('postgres://hub:s3cret@db.internal/hub', true)).toBe('db.internal:5432/hub');
    expect(where('redis://:s3cret@127.0.0.1')).toBe('127.0.0.1:6379');
    expect(where('rediss://default:s3cret@cache:6380/2')).toBe('cache:6380');
  });

  test('an error is described by its message or code, with secrets blanked out', () => {
    expect(describeError(new Error('password s3cret refused'), ['s3cret'])).toBe('password *** refused');
    // A refused `localhost` (IPv6 and IPv4) is an AggregateError with an empty message.
    const aggregate = Object.assign(new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })], ''), { code: 'ECONNREFUSED' });
    expect(describeError(aggregate)).toBe('connect ECONNREFUSED ::1:5432');
    expect(describeError(Object.assign(new Error(''), { code: 'ETIMEDOUT' }))).toBe('ETIMEDOUT');
    expect(describeError('plain')).toBe('plain');
  });

  test('checks run at once, each bounded in time: ok, the error, or a timeout', async () => {
    const started = Date.now();
    const checks = await runChecks(
      {
        fine: async () => 'PONG',
        broken: async () => {
          throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        },
        hanging: () => new Promise(() => {}),
      },
      300,
    );
    expect(checks).toEqual({ fine: 'ok', broken: 'connect ECONNREFUSED 127.0.0.1:5432', hanging: 'hanging check timed out after 300 ms' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('/readyz in embedded mode', () => {
  test('answers ok, the mode and its one dependency, the embedded Postgres', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hub-readyz-'));
    const hub = await startHub(loadConfig({ PORT: '0', HOST: '127.0.0.1', HUB_DATA_DIR: dataDir }), { log: pino({ level: 'silent' }) });
    try {
      const res = await fetch(`${hub.url}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, mode: 'embedded', checks: { postgres: 'ok' } });
    } finally {
      await hub.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

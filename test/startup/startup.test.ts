import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { TEST_DATABASE_URL } from '../helpers/database.js';
import { startProxy, type TcpProxy } from '../helpers/proxy.js';
import { connectTestRedis, deleteKeys, testRedisUrl } from '../helpers/redis.js';
import { closedPort, schemaName, startHubProcess, type HubProcess, type LogLine } from './hub-process.js';

// Real hub processes started before their dependencies answer: Postgres behind a TCP proxy that
// refuses at first, Redis on a port nothing listens on.

const hubs: HubProcess[] = [];
const proxies: TcpProxy[] = [];
const schemas: string[] = [];
const prefixes: string[] = [];

afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.stop()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
}, 30_000);

afterAll(async () => {
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  try {
    for (const s of schemas) await pool.query(`drop schema if exists "${s}" cascade`);
  } finally {
    await pool.end();
  }
  const redis = await connectTestRedis();
  try {
    for (const p of prefixes) await deleteKeys(redis, p);
  } finally {
    redis.destroy();
  }
}, 30_000);

function hub(env: Record<string, string>): HubProcess {
  const schema = schemaName();
  const prefix = `test-startup-${schema.slice(8)}`;
  schemas.push(schema);
  prefixes.push(prefix);
  const h = startHubProcess({ DATABASE_SCHEMA: schema, HUB_REDIS_PREFIX: prefix, ...env });
  hubs.push(h);
  return h;
}

async function readyz(port: number): Promise<{ status: number; body: { ok: boolean; mode: string; checks: Record<string, string> } }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: (await res.json()) as never };
}

/** The postgres URL of the tests, through `proxy`. */
function throughProxy(proxy: TcpProxy): string {
  const url = new URL(TEST_DATABASE_URL);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}

const waiting = (dependency: string, atLeast = 1) => (l: LogLine) => l.msg === `waiting for ${dependency}` && (l.attempt as number) >= atLeast;

describe('start-up with Postgres down, then up', () => {
  test('the hub waits, logging each attempt, becomes ready once Postgres answers, and /readyz names postgres while it refuses again', async () => {
    const target = new URL(TEST_DATABASE_URL);
    const proxy = await startProxy({ host: target.hostname, port: Number(target.port || 5432) });
    proxies.push(proxy);
    proxy.refuse();
    const h = hub({ REDIS_URL: testRedisUrl, DATABASE_URL: throughProxy(proxy), HUB_STARTUP_TIMEOUT_SECONDS: '60' });

    // Three attempts refused, each logged with the dependency, where, the attempt and the error.
    const third = await h.line(waiting('postgres', 3), 30_000, 'a third "waiting for postgres"');
    const attempts = h.lines.filter(waiting('postgres')).slice(0, 3);
    expect(attempts.map((l) => l.attempt)).toEqual([1, 2, 3]);
    for (const l of attempts) {
      expect(l).toMatchObject({ level: 40, dependency: 'postgres', target: `127.0.0.1:${proxy.port}${target.pathname}` });
      expect(typeof l.error).toBe('string');
      expect((l.error as string).length).toBeGreaterThan(0);
    }
    // Backoff: 250 ms, doubling (to 5 s at most).
    expect(attempts.map((l) => l.retryInMs)).toEqual([250, 500, 1000]);
    expect(third).toBeDefined();
    expect(h.child.exitCode).toBeNull();

    proxy.accept();
    const port = await h.listening();
    const answered = await h.line((l) => l.msg === 'postgres answered', 1_000, '"postgres answered"');
    expect(answered.attempt as number).toBeGreaterThanOrEqual(4);
    expect(await readyz(port)).toEqual({ status: 200, body: { ok: true, mode: 'cluster', checks: { redis: 'ok', postgres: 'ok' } } });

    // Postgres refuses after start: /readyz says so (the check, not a crash) and the node lives on.
    proxy.refuse();
    const down = await readyz(port);
    expect(down.status).toBe(503);
    expect(down.body.ok).toBe(false);
    expect(down.body.mode).toBe('cluster');
    expect(down.body.checks.redis).toBe('ok');
    expect(down.body.checks.postgres).not.toBe('ok');
    expect(down.body.checks.postgres!.length).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(h.child.exitCode).toBeNull();

    // And back (bounded poll: the pool reconnects on the next check; no event crosses the process).
    proxy.accept();
    const deadline = Date.now() + 10_000;
    let back = await readyz(port);
    while (back.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      back = await readyz(port);
    }
    expect(back).toEqual({ status: 200, body: { ok: true, mode: 'cluster', checks: { redis: 'ok', postgres: 'ok' } } });
  }, 90_000);
});

describe('start-up with Redis down past the timeout', () => {
  test('the hub exits non-zero soon after HUB_STARTUP_TIMEOUT_SECONDS, naming Redis, where, and the error, never the password', async () => {
    const port = await closedPort();
    const password = 'pw-never-logged-7f3a';
    const h = hub({ REDIS_URL: `redis://:${password}@127.0.0.1:${port}`, DATABASE_URL: TEST_DATABASE_URL, HUB_STARTUP_TIMEOUT_SECONDS: '3' });

    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      h.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`hub still running 40 s after its start:\n${h.output()}`)), 40_000);
      }),
    ]).finally(() => clearTimeout(timer));
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();

    const fatal = h.lines.find((l) => l.level === 60);
    expect(fatal?.msg).toMatch(new RegExp(`^Redis at 127\\.0\\.0\\.1:${port} unreachable for 3 s: .*ECONNREFUSED`));
    const attempts = h.lines.filter(waiting('redis'));
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(attempts.map((l) => l.attempt)).toEqual(attempts.map((_, i) => i + 1));
    for (const l of attempts) expect(l).toMatchObject({ dependency: 'redis', target: `127.0.0.1:${port}`, error: expect.stringContaining('ECONNREFUSED') });
    // It gave up at the deadline: about 3 s after its first attempt, not at once and not much later.
    const waited = (fatal!.time as number) - (attempts[0]!.time as number);
    expect(waited).toBeGreaterThanOrEqual(2_500);
    expect(waited).toBeLessThan(6_000);
    // Never listened, never logged the password.
    expect(h.lines.some((l) => l.msg === 'hub listening')).toBe(false);
    expect(h.output()).not.toContain(password);
  }, 60_000);
});

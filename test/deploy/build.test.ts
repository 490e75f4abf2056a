import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { HubClient } from '@conversation-hub/client-sdk';
import { TEST_DATABASE_URL } from '../helpers/database.js';
import { connectTestRedis, deleteKeys, testRedisUrl } from '../helpers/redis.js';

/**
 * The production build runs: `npm run build` (here its two steps with `--if-stale`, a no-op after
 * `npm test`'s build) leaves JavaScript in dist/server that plain `node` runs, as
 * `npm run start:prod` and docker/Dockerfile do, with no tsx and no TypeScript anywhere in the
 * process. It serves the pages from dist/public, the API, and sockets, embedded and in a cluster
 * (where the Redis Lua scripts copied next to the compiled modules are loaded).
 */

const root = new URL('../../', import.meta.url).pathname;
const entry = join(root, 'dist', 'server', 'server', 'main.js');

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

interface Hub {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/** `node dist/server/server/main.js` with `env`, once it logs "hub listening" (bounded). */
async function startCompiled(env: Record<string, string>): Promise<Hub> {
  const child = spawn(process.execPath, ['--enable-source-maps', entry], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines: string[] = [];
  child.stderr!.on('data', (d: Buffer) => lines.push(d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`compiled hub did not listen in 60 s:\n${lines.join('\n')}`)), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (!line.includes('"hub listening"')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`compiled hub exited with ${code} before listening:\n${lines.join('\n')}`));
    });
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** A webchat customer's session, its socket, one message acknowledged and handed back. */
async function chatOnce(url: string): Promise<void> {
  const res = await fetch(`${url}/api/webchat/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ serviceIdentifier: 'webchat', prechat: { name: 'Ada' } }),
  });
  expect(res.status).toBe(201);
  const { token } = (await res.json()) as { token: string };
  const customer = await new HubClient(url, { token, channelData: {} }).connect();
  try {
    await customer.conversation();
    const seen = new Promise<string>((resolve) =>
      customer.onActivity((a) => void (a.type === 'message' && a.from.role === 'customer' && resolve(String(a.payload.text)))),
    );
    await customer.send('built, not transpiled');
    await expect(seen).resolves.toBe('built, not transpiled');
  } finally {
    customer.close();
  }
}

beforeAll(async () => {
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  await run(tsx, ['--conditions=conversation-hub-source', 'scripts/build.ts', '--if-stale']);
  await run(tsx, ['scripts/build-server.ts', '--if-stale']);
}, 240_000);

describe('the compiled server (npm run build, npm run start:prod)', () => {
  it('is JavaScript with its Lua scripts, and no TypeScript', () => {
    expect(existsSync(entry)).toBe(true);
    expect(existsSync(join(root, 'dist', 'server', 'migrations', 'index.js'))).toBe(true);
    expect(existsSync(join(root, 'dist', 'server', 'server', 'store', 'lua', 'append_activity.lua'))).toBe(true);
    expect(existsSync(join(root, 'dist', 'server', 'server', 'main.ts'))).toBe(false);
  });

  it('runs embedded under plain node: /healthz, /readyz, the pages from dist/public, the API and a socket', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hub-build-'));
    const hub = await startCompiled({ HUB_DATA_DIR: dataDir });
    try {
      expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${hub.url}/readyz`)).status).toBe(200);
      for (const page of ['/', '/agent']) {
        const res = await fetch(`${hub.url}${page}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      }
      expect((await fetch(`${hub.url}/webchat.js`)).status).toBe(200);
      expect((await fetch(`${hub.url}/api/openapi.json`)).status).toBe(200);
      await chatOnce(hub.url);
      expect(existsSync(join(dataDir, 'secrets.json'))).toBe(true);
    } finally {
      expect(await hub.stop()).toBe(0);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('runs in cluster mode under plain node (Postgres migrations, the Redis store and its Lua scripts)', async () => {
    const schema = `build_${randomBytes(5).toString('hex')}`;
    const prefix = `test-build-${randomBytes(5).toString('hex')}`;
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    await pool.query(`create schema "${schema}"`);
    const hub = await startCompiled({
      REDIS_URL: testRedisUrl,
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema,
      HUB_REDIS_PREFIX: prefix,
      HUB_JWT_SECRET: randomBytes(24).toString('base64url'),
      HUB_ADMIN_KEY: randomBytes(18).toString('base64url'),
    });
    try {
      expect((await fetch(`${hub.url}/readyz`)).status).toBe(200);
      await chatOnce(hub.url);
    } finally {
      expect(await hub.stop()).toBe(0);
      const redis = await connectTestRedis();
      try {
        await deleteKeys(redis, prefix);
      } finally {
        redis.destroy();
      }
      await pool.query(`drop schema if exists "${schema}" cascade`);
      await pool.end();
    }
  }, 120_000);
});


import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

/** `node dist/server/server/main.js` (in `cwd`, the repository by default) with `env`, once it logs "hub listening" (bounded). */
async function startCompiled(env: Record<string, string>, cwd = root): Promise<Hub> {
  const child = spawn(process.execPath, ['--enable-source-maps', join(cwd, 'dist', 'server', 'server', 'main.js')], {
    cwd,
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

  it('needs only production dependencies (the image runs npm ci --omit=dev)', () => {
    const deps = (dir: string) => Object.keys((JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { dependencies: object }).dependencies);
    const missing: string[] = [];
    for (const [out, allowed] of [['dist/server', [...deps('.'), '@conversation-hub/client-sdk']], ['client-sdk/dist', deps('client-sdk')]] as const) {
      for (const file of (readdirSync(join(root, out), { recursive: true }) as string[]).filter((f) => f.endsWith('.js'))) {
        const text = readFileSync(join(root, out, file), 'utf8');
        // `from` of an import or export, not the word in a string (`path: ['from']`).
        for (const m of text.matchAll(/(?:(?<!['"\w])from\s*|\bimport\s*\(\s*|\)\(\s*)'([^'.][^']*)'/g)) {
          const spec = m[1]!;
          if (spec.startsWith('node:')) continue;
          const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          if (!allowed.includes(pkg)) missing.push(`${out}/${file}: ${spec}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("runs as the image lays it out (the Dockerfile's runtime COPY lines), and the image's HEALTHCHECK command passes", async () => {
    const dockerfile = readFileSync(join(root, 'docker', 'Dockerfile'), 'utf8');
    const runtime = dockerfile.split(/^FROM /m).at(-1)!;
    const app = mkdtempSync(join(tmpdir(), 'hub-image-'));
    const dataDir = mkdtempSync(join(tmpdir(), 'hub-image-data-'));
    try {
      // The build stage's /app is this repository after npm run build; the context is this repository.
      for (const m of runtime.matchAll(/^COPY (--from=build )?(.+)$/gm)) {
        const words = m[2]!.trim().split(/\s+/);
        const to = join(app, words.pop()!);
        for (const from of words) {
          const src = join(root, m[1] ? from.replace(/^\/app\//, '') : from);
          const dest = to.endsWith('/') ? join(to, from.split('/').at(-1)!) : to;
          mkdirSync(dirname(dest), { recursive: true });
          cpSync(src, dest, { recursive: true });
        }
      }
      // npm ci's node_modules: this repository's packages, and the SDK workspace linked to the copy's.
      mkdirSync(join(app, 'node_modules', '@conversation-hub'), { recursive: true });
      for (const name of readdirSync(join(root, 'node_modules'))) {
        if (name !== '@conversation-hub' && name !== '.bin') symlinkSync(join(root, 'node_modules', name), join(app, 'node_modules', name));
      }
      symlinkSync('../../client-sdk', join(app, 'node_modules', '@conversation-hub', 'client-sdk'));
      expect(existsSync(join(app, 'server'))).toBe(false);
      expect(runtime).toMatch(/^CMD \["node", "--enable-source-maps", "dist\/server\/server\/main\.js"\]$/m);

      const hub = await startCompiled({ HUB_DATA_DIR: dataDir }, app);
      try {
        expect((await fetch(`${hub.url}/`)).status).toBe(200);
        await chatOnce(hub.url);
        const check = JSON.parse(/^HEALTHCHECK [^]*?CMD (\[.*\])$/m.exec(runtime)![1]!) as string[];
        expect(check[0]).toBe('node');
        const result = await new Promise<number | null>((resolve) =>
          spawn(process.execPath, check.slice(1), { env: { PATH: process.env.PATH, PORT: new URL(hub.url).port }, stdio: 'ignore' }).on('close', resolve),
        );
        expect(result).toBe(0);
      } finally {
        expect(await hub.stop()).toBe(0);
      }
    } finally {
      rmSync(app, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

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


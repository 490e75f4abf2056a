import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';

/**
 * docker/compose.yaml as `docker-compose config` (Debian's docker-compose, no Docker engine needed)
 * resolves it: valid, with a healthcheck on every service, `depends_on` waiting for health, restart
 * policies and named volumes for Redis (AOF) and Postgres. The resolved YAML is read with PyYAML,
 * which docker-compose itself runs on. And the Dockerfile and .dockerignore say what the issue asks.
 */

const root = new URL('../../', import.meta.url).pathname;
const compose = process.env.DOCKER_COMPOSE_BIN ?? '/usr/bin/docker-compose';
/** An empty env file, so a developer's docker/.env does not stand in for the variables the tests set. */
const noEnvFile = join(mkdtempSync(join(tmpdir(), 'hub-compose-')), 'empty.env');
writeFileSync(noEnvFile, '');
const config = (env: Record<string, string>) => run(compose, ['--env-file', noEnvFile, '-f', 'docker/compose.yaml', 'config'], env);
const secrets = { HUB_JWT_SECRET: 'dummy-jwt-secret-0123456789', HUB_ADMIN_KEY: 'dummy-admin-key-0123456789', POSTGRES_PASSWORD: 'dummy-password' };

function run(cmd: string, args: string[], env: Record<string, string>, input?: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new Error(`${cmd} could not run (apt-get install docker-compose): ${e.message}`)));
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(input ?? '');
  });
}

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  volumes?: string[];
}

async function resolved(env: Record<string, string>): Promise<{ services: Record<string, Service>; volumes: Record<string, unknown> }> {
  const resolvedConfig = await config(env);
  expect({ code: resolvedConfig.code, err: resolvedConfig.err }).toEqual({ code: 0, err: expect.any(String) });
  const json = await run('python3', ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], {}, resolvedConfig.out);
  expect(json.code).toBe(0);
  return JSON.parse(json.out);
}

describe('docker/compose.yaml (docker-compose config)', () => {
  test('resolves, with healthchecks, health-gated depends_on, restart policies and named volumes', async () => {
    const { services, volumes } = await resolved(secrets);
    expect(Object.keys(services).sort()).toEqual(['hub-a', 'hub-b', 'postgres', 'proxy', 'redis']);
    for (const [name, s] of Object.entries(services)) {
      expect([name, s.restart]).toEqual([name, expect.stringMatching(/^(always|unless-stopped|on-failure)/)]);
      expect([name, s.healthcheck?.test]).toEqual([name, expect.anything()]);
      for (const [dep, d] of Object.entries(s.depends_on ?? {})) expect([name, dep, d.condition]).toEqual([name, dep, 'service_healthy']);
    }
    const check = (name: string) => JSON.stringify(services[name]!.healthcheck!.test);
    expect(check('redis')).toContain('redis-cli');
    expect(check('postgres')).toContain('pg_isready');
    expect(check('hub-a')).toMatch(/"node".*\/readyz/);
    expect(check('hub-b')).toMatch(/"node".*\/readyz/);
    expect(check('proxy')).toContain('/nginx-health');
    expect(Object.keys(services['hub-a']!.depends_on!).sort()).toEqual(['postgres', 'redis']);
    expect(Object.keys(services.proxy!.depends_on!).sort()).toEqual(['hub-a', 'hub-b']);
    // Redis keeps an append-only file, and it and Postgres keep their data in named volumes.
    expect(services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(Object.keys(volumes).sort()).toEqual(['postgres-data', 'redis-data']);
    expect(services.redis!.volumes).toEqual([expect.stringMatching(/^redis-data:\/data\b/)]);
    expect(services.postgres!.volumes).toEqual([expect.stringMatching(/^postgres-data:\/var\/lib\/postgresql\/data\b/)]);
    // The hubs are built from the repository's root, where .dockerignore is.
    expect(services['hub-a']!.build).toEqual({ context: root.replace(/\/$/, ''), dockerfile: 'docker/Dockerfile' });
  });

  test('refuses to resolve without its secrets, naming the one missing', async () => {
    const { HUB_ADMIN_KEY: _omitted, ...rest } = secrets;
    const refused = await config(rest);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain('HUB_ADMIN_KEY');
  });
});

describe('docker/Dockerfile and .dockerignore', () => {
  const dockerfile = readFileSync(`${root}docker/Dockerfile`, 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  test('a build stage runs npm ci and npm run build; the runtime stage runs node on its output as a non-root user with a HEALTHCHECK', () => {
    expect(stages).toHaveLength(2);
    const [build, runtime] = stages as [string, string];
    expect(build).toMatch(/AS build/);
    expect(build).toMatch(/^RUN npm ci\b/m);
    expect(build).toMatch(/^RUN npm run build$/m);
    expect(runtime).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist\/server /m);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/chown node:node \/data/);
    expect(runtime).toMatch(/^HEALTHCHECK [^]*"node"[^]*\/readyz/m);
    expect(runtime).toMatch(/^CMD \["node", .*"dist\/server\/server\/main\.js"\]$/m);
    expect(dockerfile).not.toMatch(/\btsx\b.*server\/main\.ts/);
  });

  test('.dockerignore keeps dependencies, builds, data and history out of the build context', () => {
    const ignored = readFileSync(`${root}.dockerignore`, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const p of ['**/node_modules', 'dist', 'data', '.git', 'coverage', '**/*.log']) expect(ignored).toContain(p);
  });
});

/**
 * The page build (scripts/build.ts) and pages.ts without a browser: the build writes the files and
 * a manifest, `--if-stale` leaves a fresh build alone, the server serves what was built (the
 * stable `/webchat.js` included), and a missing build answers 503, logged once, while the rest
 * of the server keeps working.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import express from 'express';
import { pino } from 'pino';
import { build, type Manifest } from '../../scripts/build.js';
import { pageRoutes } from '../../server/transport/http/pages.js';

const tmp = mkdtempSync(join(tmpdir(), 'pages-build-'));
const outDir = join(tmp, 'public');
let manifest: Manifest;

beforeAll(async () => {
  const r = await build({ outDir, sdk: false });
  manifest = r.manifest!;
}, 60_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function capturingLogger() {
  const lines: Array<{ level: number; msg: string; reason?: string }> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

async function serve(router: express.Router): Promise<{ url: string; server: Server }> {
  const app = express();
  app.use(router);
  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  app.use((_req, res) => void res.status(404).json({ error: { code: 'not_found' } }));
  const server = createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the build', () => {
  test('writes both pages, hashed bundles, the stable embed script and a manifest, without zod', () => {
    expect(manifest.pages).toEqual({ '/': 'webchat.html', '/agent': 'agent-desk.html' });
    expect(manifest.embed).toBe('webchat.js');
    const names = Object.keys(manifest.files);
    for (const re of [/^assets\/webchat-[A-Z0-9]+\.js$/, /^assets\/webchat-[A-Z0-9]+\.css$/, /^assets\/agent-desk-[A-Z0-9]+\.js$/, /^assets\/agent-desk-[A-Z0-9]+\.css$/, /^assets\/chunk-[A-Z0-9]+\.js$/]) {
      expect(names.some((n) => re.test(n))).toBe(true);
    }
    for (const name of [...names, 'manifest.json']) expect(existsSync(join(outDir, name))).toBe(true);
    const js = names.filter((n) => n.startsWith('assets/') && n.endsWith('.js'));
    expect(js.reduce((n, name) => n + manifest.files[name]!, 0)).toBeLessThan(150_000);
    for (const name of js) expect(readFileSync(join(outDir, name), 'utf8')).not.toMatch(/ZodError|\$ZodType/);
    // The pages name their own hashed files; the embed script names the widget's.
    const webchatJs = names.find((n) => /^assets\/webchat-.*\.js$/.test(n))!;
    expect(readFileSync(join(outDir, 'webchat.html'), 'utf8')).toContain(`src="/${webchatJs}"`);
    expect(readFileSync(join(outDir, 'webchat.js'), 'utf8')).toContain(`"./${webchatJs}"`);
    expect(readFileSync(join(outDir, 'agent-desk.html'), 'utf8')).not.toMatch(/%AGENT_DESK_(JS|CSS)%/);
  });

  test('--if-stale leaves a fresh build alone and rebuilds an incomplete or older one', async () => {
    const fresh = await build({ outDir, sdk: false, ifStale: true });
    expect(fresh.pages).toBe('fresh');
    expect(fresh.summary).toBe('build: pages up to date');

    unlinkSync(join(outDir, 'webchat.js'));
    expect((await build({ outDir, sdk: false, ifStale: true })).pages).toBe('built');
    expect(existsSync(join(outDir, 'webchat.js'))).toBe(true);

    // A build that started before the sources last changed is stale.
    const path = join(outDir, 'manifest.json');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), startedAt: 0 }));
    const rebuilt = await build({ outDir, sdk: false, ifStale: true });
    expect(rebuilt.pages).toBe('built');
    expect(rebuilt.summary).toMatch(/^build: pages built into .* \(8 files, \d+ kB\) in \d+\.\d s$/);
    manifest = rebuilt.manifest!;
  }, 60_000);
});

describe('the server', () => {
  test('serves the pages, the hashed assets and /webchat.js from the build, with their headers', async () => {
    const { log } = capturingLogger();
    const { url, server } = await serve(await pageRoutes(log, { dir: outDir }));
    try {
      const home = await fetch(`${url}/`);
      expect(home.status).toBe(200);
      expect(home.headers.get('content-type')).toMatch(/^text\/html/);
      expect(home.headers.get('cache-control')).toBe('no-cache');
      expect(home.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      expect(await home.text()).toBe(readFileSync(join(outDir, 'webchat.html'), 'utf8'));
      expect((await fetch(`${url}/agent`)).status).toBe(200);

      const embed = await fetch(`${url}/webchat.js`);
      expect(embed.status).toBe(200);
      expect(embed.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(embed.headers.get('cache-control')).toBe('public, max-age=300');
      expect(embed.headers.get('access-control-allow-origin')).toBe('*');
      expect(await embed.text()).toBe(readFileSync(join(outDir, 'webchat.js'), 'utf8'));

      const css = Object.keys(manifest.files).find((n) => /^assets\/agent-desk-.*\.css$/.test(n))!;
      const asset = await fetch(`${url}/${css}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toBe('text/css; charset=utf-8');
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await fetch(`${url}/assets/nope.js`)).status).toBe(404);
    } finally {
      server.close();
    }
  });

  test('a missing build answers 503 naming npm run build, logs it once, and is served once built', async () => {
    const dir = join(tmp, 'not-built-yet');
    const { log, lines } = capturingLogger();
    const { url, server } = await serve(await pageRoutes(log, { dir, recheckMs: 0 }));
    try {
      for (const path of ['/', '/agent', '/webchat.js', '/assets/webchat-ABC.js']) {
        const res = await fetch(`${url}${path}`);
        expect(res.status).toBe(503);
        expect(await res.text()).toMatch(/npm run build/);
      }
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const warned = lines.filter((l) => /not built/.test(l.msg));
      expect(warned).toHaveLength(1);
      expect(warned[0]!.level).toBe(40);

      await build({ outDir: dir, sdk: false });
      expect((await fetch(`${url}/`)).status).toBe(200);
      expect(lines.some((l) => l.msg.startsWith('page build found'))).toBe(true);
    } finally {
      server.close();
    }
  }, 60_000);
});

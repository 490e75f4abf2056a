/** pages.ts without a browser: a failed build is logged and answered with a 500, and nothing else breaks. */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@jest/globals';
import express from 'express';
import { pino } from 'pino';
import { buildPages, pageRoutes } from '../../server/transport/http/pages.js';

function capturingLogger() {
  const lines: Array<{ level: number; msg: string; err?: { message?: string } }> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

test('the real pages build quickly and keep zod out of the browser bundles', async () => {
  const { log, lines } = capturingLogger();
  const result = await buildPages(log);
  if (!result.ok) throw new Error(result.error);
  const built = lines.find((l) => l.msg === 'page bundles built') as unknown as { ms: number; bytes: Record<string, number> };
  expect(built.ms).toBeLessThan(5_000); // a loose guard for loaded CI machines; typically 0.1–0.4 s
  const js = Object.entries(result.built.sizes).filter(([name]) => name.endsWith('.js'));
  expect(js.reduce((n, [, size]) => n + size, 0)).toBeLessThan(150_000);
  for (const [name] of js) expect(result.built.assets.get(name)!.body.toString()).not.toMatch(/ZodError|\$ZodType/);
});

test('a failed build logs the error and answers 500 for the pages, and the server stays up', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pages-broken-'));
  for (const entry of ['webchat', 'agent-desk']) {
    mkdirSync(join(root, entry));
    writeFileSync(join(root, entry, 'main.ts'), "import { nothing } from './missing.js';\nconsole.log(nothing);\n");
    writeFileSync(join(root, entry, 'index.html'), '<!doctype html>');
  }
  const { log, lines } = capturingLogger();
  const app = express();
  app.use(await pageRoutes(log, { clientRoot: root }));
  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  const server = createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(500);
    expect(await page.text()).toMatch(/could not be built/);
    expect((await fetch(`${url}/agent`)).status).toBe(500);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const failed = lines.find((l) => l.msg.startsWith('page bundles failed to build'));
    expect(failed?.level).toBe(50);
    expect(failed?.err?.message).toMatch(/missing/);
  } finally {
    server.close();
  }
});

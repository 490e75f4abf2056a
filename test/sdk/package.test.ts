/**
 * The SDK as a package: `npm run build:sdk`, `npm pack` of client-sdk/ (its prepack builds again),
 * the tarball installed into an empty project outside this repository (offline, from npm's
 * cache), then used there as an application would: a plain `.mjs` run by `node` (no tsx, no
 * source condition) chats through a hub, and a `.ts` file is type-checked against the .d.ts.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { installConsumer } from './consumer.js';
import { must, root, run } from './processes.js';

const fixtures = join(root, 'test/sdk/fixtures');
let temp: string;
let app: string;
let packed: { filename: string; files: Array<{ path: string }> };
let hub: TestHub | undefined;

beforeAll(async () => {
  temp = realpathSync(mkdtempSync(join(tmpdir(), 'sdk-package-')));
  app = join(temp, 'app');
  const hubStarted = startTestHub();
  try {
    await must('npm', ['run', 'build:sdk'], { cwd: root });
    mkdirSync(join(temp, 'pack'));
    const out = await must('npm', ['pack', '--json', '--pack-destination', join(temp, 'pack')], { cwd: join(root, 'client-sdk') });
    // npm prints prepack's output before the JSON.
    [packed] = JSON.parse(out.slice(out.indexOf('\n[') + 1)) as [typeof packed];
    await installConsumer(app, join(temp, 'pack', packed.filename));
  } finally {
    hub = await hubStarted;
  }
}, 120_000);

afterAll(async () => {
  await hub?.close();
  if (temp) rmSync(temp, { recursive: true, force: true });
});

test('the tarball holds the build, the README and the manifest, and no sources', () => {
  const files = packed.files.map((f) => f.path).sort();
  for (const f of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/hub-client.js', 'dist/contract/index.js', 'dist/contract/index.d.ts']) {
    expect(files).toContain(f);
  }
  if (existsSync(join(root, 'client-sdk/PROTOCOL.md'))) expect(files).toContain('PROTOCOL.md');
  expect(files.filter((f) => !/^(dist\/.+\.(js|d\.ts)|package\.json|README\.md|PROTOCOL\.md)$/.test(f))).toEqual([]);
});

test('the installed build imports only its own files (by relative .js paths) and its two dependencies', () => {
  const dist = join(app, 'node_modules/@conversation-hub/client-sdk/dist');
  const js = packed.files.map((f) => f.path).filter((f) => f.startsWith('dist/') && /\.(js|d\.ts)$/.test(f));
  const specifiers = js.flatMap((f) =>
    [...readFileSync(join(dist, f.slice('dist/'.length)), 'utf8').matchAll(/(?<!['"\w])(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => ({ f, spec: m[1]! })),
  );
  expect(specifiers.length).toBeGreaterThan(5);
  for (const { f, spec } of specifiers) {
    if (spec.startsWith('.')) {
      expect(`${f}: ${spec}`).toMatch(/\.js$/);
      const target = join(dist, f.slice('dist/'.length), '..', spec);
      expect(`${f}: ${spec} ${existsSync(target) ? 'exists' : 'missing'}`).toMatch(/exists$/);
    } else {
      expect(['socket.io-client', 'zod']).toContain(spec);
    }
  }
});

test('plain Node ESM in an empty project: a customer and a supervisor chat through the hub', async () => {
  copyFileSync(join(fixtures, 'chat.mjs'), join(app, 'chat.mjs'));
  const r = await run(process.execPath, ['chat.mjs'], { cwd: app, env: { HUB_URL: hub!.url, HUB_ADMIN_KEY: hub!.adminKey }, timeout: 20_000 });
  if (r.code !== 0) throw new Error(`chat.mjs exited with ${r.code}:\n${r.stdout}\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  const installed = `file://${app}/node_modules/@conversation-hub/client-sdk/dist`;
  expect(lines.slice(0, 2)).toEqual([`resolved ${installed}/index.js`, `resolved ${installed}/contract/index.js`]);
  expect(lines.slice(2, 4).sort()).toEqual(['customer heard Sam: Hello back', 'supervisor heard Ada: Hello from the package']);
  expect(lines.slice(4)).toEqual(['schema rejects empty text: true', 'refused: true true']);
}, 30_000);

test("TypeScript (nodenext, strict) type-checks against the package's .d.ts, and misuse is an error", async () => {
  copyFileSync(join(fixtures, 'typed.ts'), join(app, 'typed.ts'));
  // And the same file without its @ts-expect-error lines, checked in the same (one) run: each misuse is reported.
  const bare = readFileSync(join(app, 'typed.ts'), 'utf8').replaceAll(/^\s*\/\/ @ts-expect-error.*$/gm, '');
  writeFileSync(join(app, 'bare.ts'), bare);
  const tsc = join(root, 'node_modules/.bin/tsc');
  // Every .d.ts is checked (the package's, zod's, socket.io-client's) but TypeScript's own lib files.
  const args = ['--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--strict', '--skipDefaultLibCheck', 'typed.ts', 'bare.ts'];
  const r = await run(tsc, args, { cwd: app });
  const errors = r.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
  expect(errors.filter((l) => !l.startsWith('bare.ts('))).toEqual([]);
  expect(errors).toEqual([expect.stringMatching(/'txt'/), expect.stringMatching(/'"conversation\.explode"'/), expect.stringMatching(/'"teapot"'/)]);
  expect(r.code).toBe(2);
}, 45_000);

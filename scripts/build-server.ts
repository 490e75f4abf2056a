/**
 * `npm run build:server`, the last step of `npm run build`: the server for production, as
 * JavaScript that plain `node` runs (`npm run start:prod`, docker/Dockerfile), never `tsx`.
 *
 * - `tsc -p tsconfig.server.json`: server/ and migrations/ → `dist/server/server/` and
 *   `dist/server/migrations/` (ESM, with source maps). Without the `conversation-hub-source`
 *   condition, so `@conversation-hub/client-sdk` resolves to client-sdk/dist, which
 *   `npm run build:sdk` (scripts/build.ts) makes first; the compiled server type-checks against
 *   the SDK's published types and runs on its published JavaScript.
 * - The files the server reads next to its modules (the Redis Lua scripts) are copied alongside.
 * - The folder is built aside and swapped in whole, so a running `node dist/server/...` or a
 *   concurrent build never sees half of one. `dist/server/build.json` says when it began.
 *
 * `--if-stale` rebuilds only when a source is newer than the last build. Prints one line.
 */
import { createRequire } from 'node:module';
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { newest, replaceDir, run } from './build-steps.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const serverOutDir = join(repoRoot, 'dist', 'server');
/** What `npm run start:prod` runs. */
export const serverEntry = join(serverOutDir, 'server', 'main.js');
const stampFile = join(serverOutDir, 'build.json');
const sourceDirs = ['server', 'migrations'];

export interface ServerBuildResult {
  summary: string;
  server: 'built' | 'fresh';
}

export async function buildServer(opts: { ifStale?: boolean } = {}): Promise<ServerBuildResult> {
  if (opts.ifStale && (await isFresh())) return { summary: 'build: server up to date (dist/server)', server: 'fresh' };
  const started = performance.now();
  const startedAt = Date.now();
  const tmp = `${serverOutDir}.tmp-${process.pid}-${startedAt}`;
  try {
    await tsc(['-p', join(repoRoot, 'tsconfig.server.json'), '--outDir', tmp]);
    let copied = 0;
    for (const dir of sourceDirs) copied += await copyAssets(join(repoRoot, dir), join(tmp, dir));
    await writeFile(join(tmp, 'build.json'), `${JSON.stringify({ startedAt })}\n`);
    await replaceDir(tmp, serverOutDir);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    return { summary: `build: server compiled into ${relative(process.cwd(), serverOutDir) || '.'} (${copied} assets copied) in ${seconds} s`, server: 'built' };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function tsc(args: string[]): Promise<void> {
  const bin = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  return run(process.execPath, [bin, ...args], repoRoot, 'tsc -p tsconfig.server.json failed; is the SDK built (npm run build:sdk)?');
}

/** Copies every file under `from` that is not TypeScript to the same place under `to`; answers how many. */
async function copyAssets(from: string, to: string): Promise<number> {
  let n = 0;
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    if (entry.isDirectory()) n += await copyAssets(src, join(to, entry.name));
    else if (entry.isFile() && !entry.name.endsWith('.ts')) {
      await mkdir(to, { recursive: true });
      await copyFile(src, join(to, entry.name));
      n++;
    }
  }
  return n;
}

async function isFresh(): Promise<boolean> {
  let startedAt: number;
  try {
    startedAt = (JSON.parse(await readFile(stampFile, 'utf8')) as { startedAt: number }).startedAt;
    await stat(serverEntry);
  } catch {
    return false;
  }
  const inputs = await newest([
    ...sourceDirs.map((d) => join(repoRoot, d)),
    join(repoRoot, 'tsconfig.json'),
    join(repoRoot, 'tsconfig.server.json'),
    join(repoRoot, 'package.json'),
    // The SDK's build, whose types and code the server compiles against.
    join(repoRoot, 'client-sdk', 'dist'),
    fileURLToPath(import.meta.url),
  ]);
  return inputs < startedAt;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildServer({ ifStale: process.argv.includes('--if-stale') }).then(
    (r) => process.stdout.write(`${r.summary}\n`),
    (err: unknown) => {
      process.stderr.write(`build failed:\n  ${(err as Error).message ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

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
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { copyFile, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
  return new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`tsc -p tsconfig.server.json failed (exit ${code}); is the SDK built (npm run build:sdk)?\n${output.trim()}`));
    });
  });
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

/** Swaps the new folder in; a build racing this one may win, with the same result. */
async function replaceDir(tmp: string, outDir: string): Promise<void> {
  await mkdir(dirname(outDir), { recursive: true });
  const old = `${outDir}.old-${process.pid}-${Date.now()}`;
  await rename(outDir, old).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  try {
    await rename(tmp, outDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
  await rm(old, { recursive: true, force: true });
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

/** The newest modification time of the files and folders (recursively) given; missing ones count as never. */
async function newest(paths: string[]): Promise<number> {
  let max = 0;
  for (const path of paths) {
    const s = await stat(path).catch(() => undefined);
    if (!s) continue;
    max = Math.max(max, s.mtimeMs);
    if (s.isDirectory()) max = Math.max(max, await newest((await readdir(path)).map((n) => join(path, n))));
  }
  return max;
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

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Makes the embedded database's folder in a child process when it has none yet. PGlite's initdb
 * grows its WebAssembly memory to about 800 MB, which a process never gives back: made apart, the
 * hub opens the finished folder at about a fifth of that. The folder is made beside and renamed in,
 * so a start cut short leaves no half-made database. Answers whether it made one.
 */
export async function initPgliteApart(dir: string): Promise<boolean> {
  if (existsSync(join(dir, 'PG_VERSION'))) return false;
  // A folder with something else in it is not ours to replace: PGlite opens it as it is.
  if (existsSync(dir) && readdirSync(dir).length > 0) return false;
  const aside = `${dir}.init-${process.pid}`;
  rmSync(aside, { recursive: true, force: true });
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, pgliteInitArgs(aside), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (status) => (status === 0 ? resolve() : reject(new Error(`making the embedded database failed (exit ${status}): ${stderr}`))));
  });
  if (existsSync(dir)) rmdirSync(dir); // empty, checked above
  renameSync(aside, dir);
  return true;
}

/** Node's arguments for a child that makes a PGlite database in `dir` and exits (0 when made). */
export function pgliteInitArgs(dir: string): string[] {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const code = `const { PGlite } = require(${JSON.stringify(entry)});
(async () => { const db = new PGlite(process.argv[1]); await db.query('select 1'); await db.close(); })()
  .catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });`;
  // Liftoff only, as the hub itself (create-database.ts): initdb's peak is its WebAssembly memory
  // (about 800 MB), the second compiler tier adds 50 MB more for nothing.
  return ['--liftoff-only', '-e', code, dir];
}

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pgliteInitArgs } from '../../server/persistence/pglite-init.js';

/**
 * PGlite's initdb costs ~5 s of CPU; copying a made folder and opening it ~0.5 s. Test hubs and
 * test databases start from one made folder per machine and PGlite version (under the temp
 * folder), made by the first test that needs it. The hub's own first-start path is still tested
 * where a test asks for it (test/persistence, test/startup, the README example).
 */
let made: string | undefined;

export function pgliteTemplateDir(): string {
  if (made) return made;
  const pkg = join(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), '..', 'package.json');
  const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  const dir = join(tmpdir(), `hub-pglite-template-${version}`);
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    // Made beside and renamed in, so two workers racing leave one whole folder.
    const aside = `${dir}.init-${process.pid}`;
    rmSync(aside, { recursive: true, force: true });
    const child = spawnSync(process.execPath, pgliteInitArgs(aside), { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
    if (child.status !== 0) throw new Error(`making the PGlite template failed: ${child.stderr?.toString() ?? child.error}`);
    try {
      renameSync(aside, dir);
    } catch {
      rmSync(aside, { recursive: true, force: true }); // another worker's is there
    }
  }
  return (made = dir);
}

/** Fills `dir` (absent or empty) with a copy of the made database. */
export function seedPgliteDir(dir: string): string {
  cpSync(pgliteTemplateDir(), dir, { recursive: true });
  return dir;
}

/** A new temp folder holding a copy of the made database. */
export const seededPgliteDir = (): string => seedPgliteDir(mkdtempSync(join(tmpdir(), 'hub-pglite-')));

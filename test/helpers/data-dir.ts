import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

const PREFIX = 'hub-test-';

/** A fresh data folder for a test hub, in the OS's temp folder. */
export function makeTestDataDir(): string {
  return mkdtempSync(join(tmpdir(), PREFIX));
}

/** Removes a folder makeTestDataDir made; any other (one a test named itself) stays. */
export function removeTestDataDir(dir: string): void {
  if (basename(dir).startsWith(PREFIX) && dirname(resolve(dir)) === resolve(tmpdir())) rmSync(dir, { recursive: true, force: true });
}

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { must, root } from './processes.js';

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * The root lockfile's entries for `deps` and everything they need, at the same paths. Resolution
 * walks up from a package's folder to the first node_modules holding the name; every entry such a
 * walk finds is kept, so the subset resolves exactly as the full tree does.
 */
function closure(deps: Record<string, string>): Record<string, LockEntry> {
  const all = (JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const found: Record<string, LockEntry> = {};
  const locate = (from: string, name: string): string => {
    for (let dir = from; ; ) {
      const path = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (all[path]) return path;
      if (!dir) throw new Error(`package-lock.json has no ${name} for ${from || 'the root'}`);
      const up = dir.lastIndexOf('/node_modules/');
      dir = up < 0 ? '' : dir.slice(0, up);
    }
  };
  const walk = (from: string, names: Record<string, string> = {}) => {
    for (const name of Object.keys(names)) {
      const path = locate(from, name);
      if (found[path]) continue;
      found[path] = all[path]!;
      walk(path, all[path]!.dependencies);
    }
  };
  walk('', deps);
  return found;
}

/**
 * An empty ESM project in `dir` with the packed SDK installed from `tarball`, the way a user
 * installs it, but offline: the lockfile written here pins the SDK's dependencies to the versions
 * (and integrity hashes) of the root lockfile, so npm takes their tarballs from its cache, where
 * the root's install put them, and never asks the registry.
 */
export async function installConsumer(dir: string, tarball: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const sdk = JSON.parse(readFileSync(join(root, 'client-sdk/package.json'), 'utf8')) as LockEntry & { name: string; engines?: unknown };
  const spec = `file:${tarball}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const pkg = { name: 'sdk-consumer', private: true, type: 'module', dependencies: { [sdk.name]: spec } };
  const lock = {
    name: pkg.name,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: pkg.name, dependencies: pkg.dependencies },
      [`node_modules/${sdk.name}`]: { version: sdk.version, resolved: spec, integrity, dependencies: sdk.dependencies, engines: sdk.engines },
      ...closure(sdk.dependencies ?? {}),
    },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
  await must('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: dir });
}

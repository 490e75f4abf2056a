// Steps both builds share (scripts/build.ts: pages and SDK; scripts/build-server.ts: the server).
import { spawn } from 'node:child_process';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Swaps the new folder in; a build racing this one (two test workers) may win, with the same result. */
export async function replaceDir(tmp: string, outDir: string): Promise<void> {
  await mkdir(dirname(outDir), { recursive: true });
  const old = `${outDir}.old-${process.pid}-${Date.now()}`;
  await rename(outDir, old).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  try {
    await rename(tmp, outDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    await rm(tmp, { recursive: true, force: true }); // another build put its output there first
  }
  await rm(old, { recursive: true, force: true });
}

/** The newest modification time of the files and folders (recursively) given; missing ones count as never. */
export async function newest(paths: string[]): Promise<number> {
  let max = 0;
  for (const path of paths) {
    const s = await stat(path).catch(() => undefined);
    if (!s) continue;
    max = Math.max(max, s.mtimeMs);
    if (!s.isDirectory()) continue;
    const children = (await readdir(path)).filter((n) => n !== 'node_modules' && n !== 'dist');
    max = Math.max(max, await newest(children.map((n) => join(path, n))));
  }
  return max;
}

/** Runs a command in `cwd`; on a non-zero exit, rejects with `failure` and everything it printed. */
export function run(command: string, args: string[], cwd: string, failure: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${failure} (exit ${code}):\n${output.trim()}`));
    });
  });
}

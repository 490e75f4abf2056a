import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

export const root = new URL('../../', import.meta.url).pathname;

/**
 * The environment for a child: PATH, HOME (npm's cache and config) and TMPDIR of this one, plus
 * `env`. Nothing else: not the hub's settings a developer may have exported (REDIS_URL would turn
 * on cluster mode, HUB_ADMIN_KEY would stop the key being generated), nor npm's run-script
 * variables under `npm test`, nor jest's NODE_OPTIONS.
 */
export function childEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR'].filter((k) => process.env[k] !== undefined);
  return { ...Object.fromEntries(keep.map((k) => [k, process.env[k]])), ...env };
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never throws for a non-zero exit (the caller asserts on it). */
export async function run(cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string>; timeout?: number }): Promise<Ran> {
  try {
    const { stdout, stderr } = await promisify(execFile)(cmd, args, {
      cwd: opts.cwd,
      env: childEnv(opts.env),
      timeout: opts.timeout ?? 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === 'number' ? e.code : null, stdout: e.stdout ?? '', stderr: `${e.stderr ?? ''}\n${e.message}` };
  }
}

/** Like `run`, but a non-zero exit throws with the command's output. */
export async function must(cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string>; timeout?: number }): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export interface HubProcess {
  url: string;
  port: number;
  /** Every line the hub wrote so far (stdout and stderr). */
  lines: string[];
  /** SIGTERM to the whole process group (npm, its shell, tsx, node), then waits until all have exited. */
  stop(): Promise<void>;
}

/**
 * A hub as a child process, started the way a user starts it (e.g. `npm start`), in its own
 * process group. It listens on port 0; the port is read from its `hub listening` log line, as
 * test/helpers/cluster.ts does.
 */
export async function startHubProcess(cmd: string, args: string[], env: Record<string, string>): Promise<HubProcess> {
  const child: ChildProcess = spawn(cmd, args, {
    cwd: root,
    env: childEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  // 'close' comes once every process holding the output pipes (the whole group) has exited.
  let closed = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      closed = true;
      resolve(code);
    }),
  );
  const lines: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => lines.push(l));
  const stop = async () => {
    if (!closed) {
      try {
        // The group of the child this helper started (detached: its pid is the group id).
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    await exited;
  };
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start in 60 s:\n${lines.join('\n')}`)), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (!line.includes('"hub listening"')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code} before listening:\n${lines.join('\n')}`));
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { url: `http://127.0.0.1:${port}`, port, lines, stop };
}

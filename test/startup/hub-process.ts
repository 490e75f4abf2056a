import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { freePort } from '../helpers/free-port.js';

const root = new URL('../../', import.meta.url).pathname;

/** One line of the hub's pino output (JSON), or `{ msg: line }` for anything else. */
export type LogLine = Record<string, unknown> & { msg?: string; time?: number; level?: number };

/**
 * One hub process in cluster mode with the environment a test gives it (its own Redis prefix and
 * Postgres schema), every output line kept and parsed, so a test can wait for a log line or the exit.
 */
export interface HubProcess {
  child: ChildProcess;
  /** Every line so far, stdout and stderr. */
  lines: LogLine[];
  /** When the process was spawned (epoch ms). */
  spawnedAt: number;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** The first line (past or future) that `match` accepts; rejects after `ms` or when the process exits first. */
  line(match: (l: LogLine) => boolean, ms?: number, what?: string): Promise<LogLine>;
  /** Resolves with the port once the hub logs `hub listening`. */
  listening(ms?: number): Promise<number>;
  /** SIGTERM (SIGKILL after 5 s), awaited. */
  stop(): Promise<void>;
  /** Every line, as text, for a failure message. */
  output(): string;
}

/** A port nothing listens on. */
export const closedPort = freePort;

export const schemaName = () => `startup_${randomBytes(5).toString('hex')}`;


export function startHubProcess(env: Record<string, string>): HubProcess {
  const child = spawn(process.execPath, ['--conditions=conversation-hub-source', '--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      HOST: '127.0.0.1',
      HUB_REDIS_PREFIX: `test-${randomBytes(5).toString('hex')}`,
      HUB_JWT_SECRET: randomBytes(24).toString('base64url'),
      HUB_ADMIN_KEY: randomBytes(18).toString('base64url'),
      HUB_WEBCHAT_BOT: 'none',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const spawnedAt = Date.now();
  const lines: LogLine[] = [];
  const watchers = new Set<(l: LogLine) => void>();
  // 'close', not 'exit': every output line has been read by then.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code: number | null) => resolve(code)));
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (text) => {
      let l: LogLine;
      try {
        l = JSON.parse(text) as LogLine;
      } catch {
        l = { msg: text };
      }
      lines.push(l);
      for (const w of watchers) w(l);
    });
  }
  const output = () => lines.map((l) => JSON.stringify(l)).join('\n');

  const line = (match: (l: LogLine) => boolean, ms = 30_000, what = 'log line') =>
    new Promise<LogLine>((resolve, reject) => {
      const seen = lines.find(match);
      if (seen) return resolve(seen);
      const done = () => {
        clearTimeout(timer);
        watchers.delete(watch);
      };
      const watch = (l: LogLine) => {
        if (!match(l)) return;
        done();
        resolve(l);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} in ${ms} ms:\n${output()}`));
      }, ms);
      watchers.add(watch);
      void exited.then((code) => {
        if (!watchers.has(watch)) return;
        done();
        reject(new Error(`hub exited (${code}) before ${what}:\n${output()}`));
      });
    });

  return {
    child,
    lines,
    spawnedAt,
    exited,
    line,
    listening: async (ms = 30_000) => (await line((l) => l.msg === 'hub listening', ms, '"hub listening"')).port as number,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(kill);
    },
    output,
  };
}

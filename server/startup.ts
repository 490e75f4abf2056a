import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createClient } from 'redis';
import type { Logger } from './log.js';
import { redisClientOptions, type RedisTarget } from './redis/connect.js';

/**
 * Start-up that waits: a node started before Postgres or Redis (a machine booting, a compose
 * stack, a failover) tries each dependency with backoff, logging every failed attempt, until it
 * answers or `HUB_STARTUP_TIMEOUT_SECONDS` have passed; then it throws, naming the dependency,
 * where it was looked for (never the password) and the last error. server/main.ts logs that and
 * exits 1.
 */

export interface Dependency {
  /** `postgres`, `redis`: in every log line and in the error. */
  name: string;
  /** Where it is looked for, without credentials: `127.0.0.1:5432/test`. */
  target: string;
  /** One attempt, bounded by `timeoutMs`; throws when the dependency does not answer. */
  probe(timeoutMs: number): Promise<void>;
  /** Strings to blank out of error messages (the URL's password). */
  secrets: string[];
}

/** Backoff between attempts: 250 ms, doubling, at most 5 s. */
export const STARTUP_FIRST_DELAY_MS = 250;
export const STARTUP_MAX_DELAY_MS = 5_000;
/** No single attempt takes longer than this (or the time left). */
const ATTEMPT_MS = 5_000;

export function startupDelay(attempt: number): number {
  return Math.min(STARTUP_MAX_DELAY_MS, STARTUP_FIRST_DELAY_MS * 2 ** Math.min(attempt - 1, 16));
}

const TITLES: Record<string, string> = { postgres: 'Postgres', redis: 'Redis' };

/** `host:port` (and `/database` with `withPath`) of a URL, without user or password. */
export function where(url: string, withPath = false): string {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol.startsWith('redis') ? '6379' : '5432');
    const path = withPath && u.pathname.length > 1 ? u.pathname : '';
    return `${u.hostname}:${port}${path}`;
  } catch {
    return '(unparsable URL)';
  }
}

function secretsOf(url: string): string[] {
  try {
    const u = new URL(url);
    return [u.password, decodeURIComponent(u.password)].filter((s) => s.length > 0);
  } catch {
    return [];
  }
}

/** An error's message, never empty (a refused `localhost` is an AggregateError with no message) and without secrets. */
export function describeError(err: unknown, secrets: string[] = []): string {
  const e = err as { message?: string; code?: string; errors?: unknown[] } | undefined;
  let message = e?.message || (e?.errors?.length ? describeError(e.errors[0]) : '') || e?.code || String(err);
  if (e?.code && !message.includes(e.code)) message = `${e.code}: ${message}`;
  for (const s of secrets) message = message.split(s).join('***');
  return message;
}

/** `promise`, or a rejection after `ms` (the promise goes on; its own timeouts end it). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function postgresDependency(url: string): Dependency {
  return {
    name: 'postgres',
    target: where(url, true),
    secrets: secretsOf(url),
    probe: async (ms) => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: ms, query_timeout: ms });
      client.on('error', () => {}); // a connection dying after the attempt is not this attempt's business
      await client.connect();
      try {
        await client.query('select 1');
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}

export function redisDependency(target: RedisTarget): Dependency {
  // A Redis Cluster is up for us when one of the masters we were given answers: the client finds the rest.
  const urls = 'url' in target ? [target.url] : target.clusterNodes.map((n) => `redis://${n}`);
  return {
    name: 'redis',
    target: urls.map((u) => where(u)).join(','),
    secrets: urls.flatMap(secretsOf),
    probe: async (ms) => {
      let failure: unknown;
      for (const url of urls) {
        const options = redisClientOptions(url, { name: 'hub-startup', commandTimeoutMs: ms });
        // No reconnecting: one attempt is one connection; the loop below does the retrying.
        const client = createClient({ ...options, socket: { ...options.socket, connectTimeout: ms, reconnectStrategy: false } });
        client.on('error', () => {});
        try {
          await client.connect();
          await client.ping();
          return;
        } catch (err) {
          failure = err;
        } finally {
          client.destroy();
        }
      }
      throw failure;
    },
  };
}

export interface WaitOptions {
  /** Epoch ms after which the dependency counts as unreachable. */
  deadline: number;
  /** The configured timeout, for the message. */
  timeoutSeconds: number;
  log: Logger;
  signal?: AbortSignal;
}

/** Tries `dep` until it answers; throws `<Name> at <target> unreachable for <n> s: <last error>` past the deadline. */
export async function waitFor(dep: Dependency, opts: WaitOptions): Promise<void> {
  const started = Date.now();
  const title = TITLES[dep.name] ?? dep.name;
  for (let attempt = 1; ; attempt++) {
    const left = opts.deadline - Date.now();
    const ms = Math.max(100, Math.min(ATTEMPT_MS, left));
    try {
      await within(dep.probe(ms), ms + 100, `${dep.name} attempt`);
      if (attempt > 1) opts.log.info({ dependency: dep.name, target: dep.target, attempt, waitedMs: Date.now() - started }, `${dep.name} answered`);
      return;
    } catch (err) {
      const error = describeError(err, dep.secrets);
      const now = Date.now();
      if (now >= opts.deadline) {
        opts.log.error({ dependency: dep.name, target: dep.target, attempt, error }, `giving up on ${dep.name}`);
        throw new Error(`${title} at ${dep.target} unreachable for ${opts.timeoutSeconds} s: ${error}`);
      }
      const retryInMs = Math.min(startupDelay(attempt), opts.deadline - now);
      opts.log.warn({ dependency: dep.name, target: dep.target, attempt, error, retryInMs }, `waiting for ${dep.name}`);
      await sleep(retryInMs, undefined, opts.signal ? { signal: opts.signal } : {});
    }
  }
}

/**
 * Waits for every dependency at once, under one deadline `timeoutSeconds` from now; the first to
 * give up stops the others. Answers the deadline, for the connections made next (`connectBy`).
 */
export async function waitForDependencies(deps: Dependency[], opts: { timeoutSeconds: number; log: Logger }): Promise<number> {
  const deadline = Date.now() + opts.timeoutSeconds * 1000;
  const stop = new AbortController();
  await Promise.all(
    deps.map((dep) =>
      waitFor(dep, { deadline, timeoutSeconds: opts.timeoutSeconds, log: opts.log, signal: stop.signal }).catch((err: unknown) => {
        stop.abort();
        throw err;
      }),
    ),
  );
  return deadline;
}

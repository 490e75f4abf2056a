import { createClient, createCluster, type RedisClientType } from 'redis';
import type { Logger } from 'pino';

/**
 * The one Redis client of the hub: node-redis (`redis` v6), speaking RESP2.
 *
 * RESP2 on purpose: node-redis 6 defaults to RESP3, under which Redis turns a Lua `false` into a
 * boolean reply and maps into objects; BullMQ's node-redis adapter and our Lua scripts expect the
 * ioredis-style (RESP2) replies. Plain RESP2 pub/sub also needs a dedicated connection, which is
 * what `duplicateRedis` is for (socket.io redis adapter's subscriber, BullMQ's blocking client).
 */
export type HubRedisClient = RedisClientType<{}, {}, {}, 2, {}>;

/**
 * Where the hub's Redis is: one server (`REDIS_URL`) or a Redis Cluster (`REDIS_CLUSTER_NODES`,
 * any of its masters; the rest is discovered).
 */
export type RedisTarget = { url: string } | { clusterNodes: readonly string[] };

/**
 * A node-redis cluster client is handed around as a `HubRedisClient`: every command the hub sends
 * through it names its key, which the cluster client routes to the slot's master, with the same
 * signatures. What differs is connection-level (`duplicate`'s options, SCAN, Pub/Sub), and the
 * few places that do those ask `isCluster` first.
 */
export function isCluster(client: HubRedisClient): boolean {
  return 'masters' in client;
}

export interface ConnectRedisOptions {
  /** CLIENT SETNAME, to tell the hub's connections apart in `CLIENT LIST`. */
  name?: string;
  /**
   * Client-side timeout per command, ms; 0 = none. Default 5,000 (node-redis' own default). Must be
   * 0 for a connection that runs blocking commands (BullMQ's BZPOPMIN blocks up to 10 s):
   * `bullmqConnection` takes care of that.
   */
  commandTimeoutMs?: number;
  /** Most time between two reconnect attempts, ms. Default 2,000. */
  maxReconnectDelayMs?: number;
  /**
   * Epoch ms by which the first connection must be made, or the client is destroyed and the
   * connect throws (start-up, server/startup.ts). Unset: wait for ever, as the reconnects do.
   */
  connectBy?: number;
  log?: Logger;
  /** Told of every 'error' event (metrics: `hub_redis_errors_total`). */
  onError?: () => void;
}

/** `client.connect()`, given up (and the client destroyed) at `by` when set. */
async function connectClient(client: HubRedisClient, by: number | undefined, name: string | undefined): Promise<void> {
  if (by === undefined) return void (await client.connect());
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`redis connection${name ? ` ${name}` : ''} not made before the start-up deadline`)), Math.max(0, by - Date.now()));
      }),
    ]);
  } catch (err) {
    client.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reconnect forever with capped exponential backoff and jitter: a Redis restart (or failover behind
 * a proxy) must never leave the hub with a dead client. node-redis' default strategy gives up on a
 * socket timeout; this one does not. Commands issued meanwhile wait in the offline queue (bounded
 * by the command timeout).
 */
export function reconnectDelay(retries: number, maxDelayMs = 2_000): number {
  const base = Math.min(maxDelayMs, 50 * 2 ** Math.min(retries, 16));
  return base + Math.floor(Math.random() * 100);
}

/** The options connectRedis uses; exported so tests and tools can build the same client. */
export function redisClientOptions(url: string, options: ConnectRedisOptions = {}) {
  const maxDelay = options.maxReconnectDelayMs ?? 2_000;
  return {
    url,
    RESP: 2 as const,
    ...(options.name ? { name: options.name } : {}),
    commandOptions: { timeout: options.commandTimeoutMs ?? 5_000 },
    socket: {
      connectTimeout: 5_000,
      keepAlive: true,
      reconnectStrategy: (retries: number) => reconnectDelay(retries, maxDelay),
    },
  };
}

function watch(client: HubRedisClient, log: Logger | undefined, name: string | undefined, onError?: () => void): HubRedisClient {
  // A cluster client tells of its nodes' connections as `node-error` and `node-ready`.
  const events = isCluster(client) ? { fail: ['error', 'node-error'], ready: ['ready', 'node-ready'] } : { fail: ['error'], ready: ['ready'] };
  watchConnection(client as unknown as Emitter, events, log, name, onError);
  return client;
}

type Emitter = { on(event: string, fn: (err?: unknown) => void): unknown };

/**
 * Logs a connection lost (once per outage) and back, and counts every error. node-redis and ioredis
 * emit 'error' on every failed (re)connect attempt: an 'error' listener is mandatory, or the
 * process dies on the first Redis restart.
 */
export function watchConnection(client: Emitter, events: { fail: readonly string[]; ready: readonly string[] }, log: Logger | undefined, name: string | undefined, onError?: () => void): void {
  let failing = false;
  const onFail = (err: unknown) => {
    onError?.();
    if (!failing) log?.warn({ err, redis: name }, 'redis connection error; reconnecting');
    failing = true;
  };
  const onReady = () => {
    if (failing) log?.info({ redis: name }, 'redis connection back');
    failing = false;
  };
  for (const event of events.fail) client.on(event, onFail);
  for (const event of events.ready) client.on(event, onReady);
}

/** The options of a cluster client: the same socket and reconnect settings for every node it finds. */
function clusterOptions(nodes: readonly string[], options: ConnectRedisOptions) {
  const { url: _url, commandOptions, ...node } = redisClientOptions('', options);
  return { rootNodes: nodes.map((n) => ({ url: n.includes('://') ? n : `redis://${n}` })), defaults: node, RESP: 2 as const, commandOptions };
}

/** An unconnected client for `target`: one server, or a Redis Cluster. */
export function createRedisFor(target: RedisTarget, options: ConnectRedisOptions = {}): HubRedisClient {
  if ('url' in target) return createRedis(target.url, options);
  const cluster = createCluster(clusterOptions(target.clusterNodes, options)) as unknown as HubRedisClient;
  return watch(cluster, options.log, options.name, options.onError);
}

/** A connected client for `target`, reconnecting by itself. */
export async function connectRedisTo(target: RedisTarget, options: ConnectRedisOptions = {}): Promise<HubRedisClient> {
  const client = createRedisFor(target, options);
  await connectClient(client, options.connectBy, options.name);
  return client;
}

/** An unconnected client with the hub's options (for callers that connect it themselves, e.g. BullMQ). */
export function createRedis(url: string, options: ConnectRedisOptions = {}): HubRedisClient {
  return watch(createClient(redisClientOptions(url, options)) as HubRedisClient, options.log, options.name, options.onError);
}

/** A connected client that reconnects by itself when Redis restarts. */
export async function connectRedis(url: string, options: ConnectRedisOptions = {}): Promise<HubRedisClient> {
  const client = createRedis(url, options);
  await connectClient(client, options.connectBy, options.name);
  return client;
}

/**
 * A second, connected connection with the same options (and overrides): for a pub/sub subscriber or
 * anything that blocks. Close it yourself (`client.close()`).
 */
export async function duplicateRedis(client: HubRedisClient, overrides: Pick<ConnectRedisOptions, 'name' | 'commandTimeoutMs' | 'connectBy' | 'log' | 'onError'> = {}): Promise<HubRedisClient> {
  const commandOptions = overrides.commandTimeoutMs !== undefined ? { commandOptions: { timeout: overrides.commandTimeoutMs } } : {};
  const name = overrides.name ? { name: overrides.name } : {};
  // A cluster client's per-connection settings (the name) sit in its `defaults`.
  const dup = (isCluster(client) ? client.duplicate({ ...commandOptions, defaults: { ...(client as unknown as { _options: { defaults?: object } })._options.defaults, ...name } } as never) : client.duplicate({ ...name, ...commandOptions })) as HubRedisClient;
  watch(dup, overrides.log, overrides.name, overrides.onError);
  await connectClient(dup, overrides.connectBy, overrides.name);
  return dup;
}

/**
 * An unconnected duplicate to hand to BullMQ as `connection`: no command timeout (its workers
 * block in BZPOPMIN for up to 10 s and duplicate this client for that). BullMQ connects it and
 * duplicates it further; BullMQ leaves a client it was given open, so close it after the queue.
 */
export function bullmqConnection(client: HubRedisClient, log?: Logger, onError?: () => void): HubRedisClient {
  const dup = client.duplicate({ commandOptions: { timeout: 0 } }) as HubRedisClient;
  return watch(dup, log, 'bullmq', onError);
}

/** Quits gracefully; never throws (already closed, or Redis gone). */
export async function closeRedis(client: HubRedisClient): Promise<void> {
  if (!client.isOpen) return;
  try {
    await client.close();
  } catch {
    client.destroy();
  }
}

import type { Logger } from 'pino';
import type { LimiterStore } from '../ports.js';

/**
 * Concurrent sockets per identity (`HUB_MAX_SOCKETS_PER_IDENTITY`). Embedded: a count in memory.
 * Cluster: one sorted set per identity in Redis, `<prefix>sockets:<identity>`, whose members are
 * socket ids scored with the time their lease ends; a Lua script drops expired leases, counts and
 * adds in one step, so nodes racing to connect one identity cannot overshoot. Each node renews the
 * leases of its own sockets every LEASE_MS / 3, so the sockets of a node that died stop counting
 * within LEASE_MS.
 */
export interface SocketCap {
  readonly max: number;
  /** Takes a slot for the socket; false when the identity already has `max`. */
  acquire(identity: string, socketId: string): Promise<boolean>;
  /** Gives the socket's slot back (a socket that has none is a no-op). */
  release(identity: string, socketId: string): void;
  close(): Promise<void>;
}

export const LEASE_MS = 90_000;
/** Identities renewed per round trip. */
const RENEW_CHUNK = 64;

/*
 * KEYS[1] the identity's sorted set. ARGV: now (ms), lease end (ms), max, socket id, key ttl (ms).
 * Replies 1 (slot taken) or 0 (the identity is at max).
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

export function createSocketCap(max: number, store: LimiterStore | undefined, log: Logger): SocketCap {
  /** This node's sockets by identity: the whole count in embedded mode, the leases to renew in a cluster. */
  const local = new Map<string, Set<string>>();
  const add = (identity: string, socketId: string) => {
    const set = local.get(identity) ?? new Set<string>();
    set.add(socketId);
    local.set(identity, set);
  };
  const remove = (identity: string, socketId: string): boolean => {
    const set = local.get(identity);
    if (!set?.delete(socketId)) return false;
    if (set.size === 0) local.delete(identity);
    return true;
  };

  if (!store) {
    return {
      max,
      acquire: async (identity, socketId) => {
        if ((local.get(identity)?.size ?? 0) >= max) return false;
        add(identity, socketId);
        return true;
      },
      release: (identity, socketId) => void remove(identity, socketId),
      close: async () => local.clear(),
    };
  }

  const { redis, prefix } = store;
  const key = (identity: string) => `${prefix}sockets:${identity}`;
  const renew = async () => {
    if (local.size === 0) return;
    const until = Date.now() + LEASE_MS;
    // Per identity (each key is its own slot on a Redis Cluster), in chunks: thousands of renewals
    // queued at once would sit in front of the messages' appends on the same connection (the
    // bench saw it as a p99 spike every LEASE_MS / 3).
    const all = [...local];
    for (let i = 0; i < all.length; i += RENEW_CHUNK) {
      await Promise.all(
        all.slice(i, i + RENEW_CHUNK).map(([identity, ids]) =>
          Promise.all([redis.zAdd(key(identity), [...ids].map((id) => ({ score: until, value: id }))), redis.pExpire(key(identity), LEASE_MS)]),
        ),
      );
    }
  };
  const timer = setInterval(() => renew().catch((err: unknown) => log.warn({ err }, 'socket leases not renewed')), LEASE_MS / 3);
  timer.unref();

  return {
    max,
    async acquire(identity, socketId) {
      const now = Date.now();
      try {
        const ok = await redis.eval(ACQUIRE, { keys: [key(identity)], arguments: [String(now), String(now + LEASE_MS), String(max), socketId, String(LEASE_MS)] });
        if (Number(ok) !== 1) return false;
      } catch (err) {
        // Redis away: the sockets are not counted across nodes for now; renewing adds them back.
        log.warn({ err }, 'socket cap unavailable; letting the socket in');
      }
      add(identity, socketId);
      return true;
    },
    release(identity, socketId) {
      if (!remove(identity, socketId)) return;
      redis.zRem(key(identity), socketId).catch((err: unknown) => log.warn({ err }, 'socket lease not released; it expires by itself'));
    },
    async close() {
      clearInterval(timer);
      const held = [...local].flatMap(([identity, ids]) => [...ids].map((id) => [identity, id] as const));
      local.clear();
      if (held.length === 0 || !redis.isReady) return;
      await Promise.all(held.map(([identity, id]) => redis.zRem(key(identity), id))).catch((err: unknown) => log.warn({ err }, 'socket leases not released on close; they expire by themselves'));
    },
  };
}

import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import type { EdgeConfig } from '../config.js';
import type { LimiterStore } from '../ports.js';
import { createSocketCap, type SocketCap } from './socket-cap.js';

export type { SocketCap } from './socket-cap.js';

/**
 * Every rate limit of the hub's edges, built once from the config (PROTOCOL.md §1.4, §3.1):
 *
 * - per socket, on every event (unknown and forbidden ones included), checked before anything
 *   else: a token bucket in this process (a socket lives on one node), synchronous, so a refusal
 *   costs no promise and no store; `Strikes` counts a socket's refusals and says when to cut it off;
 * - per identity (a token's `sub` + role) over all its sockets, and per client address for new
 *   connections and for each public HTTP route: rate-limiter-flexible, counted in Redis in a cluster
 *   (shared by every node; one EVAL per check, with this process's memory as insurance while Redis
 *   is away) and in memory in embedded mode;
 * - concurrent sockets per identity (`SocketCap`, socket-cap.ts), over every node in a cluster.
 */
export interface Limits {
  readonly config: EdgeConfig;
  /** A fresh per-socket bucket: `rate` calls per second, bursts of twice that. */
  socketBucket(): TokenBucket;
  /** A fresh per-socket strike counter: refusals within 10 s before the socket is disconnected. */
  strikes(): Strikes;
  /** One call of an identity; false when it is over `HUB_IDENTITY_RATE`. */
  identityCall(identity: string): Promise<boolean>;
  /** One new socket from a client address; false when it is over `HUB_IP_CONNECT_RATE`. */
  connection(ip: string): Promise<boolean>;
  /** A counter of `points` per `durationSeconds`, shared like the others (the sign-in limits). */
  counter(keyPrefix: string, points: number, durationSeconds: number): RateLimiterAbstract;
  /** The per-address limiter of one HTTP route (made once per route and reused). */
  httpRoute(routeKey: string, rate: { perSecond: number; burst: number }): (ip: string) => Promise<boolean>;
  readonly sockets: SocketCap;
  close(): Promise<void>;
}

export interface LimitsOptions {
  /** Calls per socket per second (`HUB_SOCKET_RATE`). */
  socketRate: number;
  edges: EdgeConfig;
  /** Redis for the shared counters (cluster mode); undefined: this process's memory. */
  store?: LimiterStore;
  log: Logger;
}

export const STRIKE_WINDOW_MS = 10_000;
const CONNECT_WINDOW_S = 10;

export function createLimits(opts: LimitsOptions): Limits {
  const { edges, store, log } = opts;
  const make = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract => {
    const base = { keyPrefix, points: Math.max(1, Math.ceil(points)), duration: Math.max(1, Math.round(duration)) };
    if (!store) return new RateLimiterMemory(base);
    return new RateLimiterRedis({
      ...base,
      keyPrefix: `${store.prefix}${keyPrefix}`,
      storeClient: store.redis,
      useRedisPackage: true,
      // While Redis is away, count on this node rather than fail every call or wait for the command timeout.
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(base),
      // Once a key is over, refuse it here for the rest of its window without asking Redis again.
      inMemoryBlockOnConsumed: base.points + 1,
    });
  };
  const allow = (limiter: RateLimiterAbstract, key: string) =>
    limiter.consume(key).then(
      () => true,
      (res: RateLimiterRes | Error) => {
        if (res instanceof Error) {
          log.warn({ err: res }, 'rate limiter failed; letting the request through');
          return true;
        }
        return false;
      },
    );

  const identity = make('identity', edges.identityRate, 1);
  const connects = make('connect', edges.ipConnectRate * CONNECT_WINDOW_S, CONNECT_WINDOW_S);
  const routes = new Map<string, RateLimiterAbstract>();
  const sockets = createSocketCap(edges.maxSocketsPerIdentity, store, log);

  return {
    config: edges,
    socketBucket: () => new TokenBucket(opts.socketRate, opts.socketRate * 2),
    strikes: () => new Strikes(edges.socketStrikes, STRIKE_WINDOW_MS),
    identityCall: (id) => allow(identity, id),
    connection: (ip) => allow(connects, ip),
    counter: (keyPrefix, points, duration) => make(keyPrefix, points, duration),
    httpRoute(routeKey, rate) {
      const perSecond = edges.publicHttpRate ?? rate.perSecond;
      const burst = edges.publicHttpRate ? edges.publicHttpRate * 4 : rate.burst;
      const limiter = routes.get(routeKey) ?? make(`http:${routeKey}`, burst, burst / perSecond);
      routes.set(routeKey, limiter);
      return (ip) => allow(limiter, ip);
    },
    sockets,
    close: () => sockets.close(),
  };
}

/** The per-route HTTP limiters alone, in this process's memory: for a router built without the hub's `Limits` (tests). */
export function memoryHttpLimits(): Pick<Limits, 'httpRoute'> {
  const routes = new Map<string, RateLimiterMemory>();
  return {
    httpRoute(routeKey, { perSecond, burst }) {
      const limiter = routes.get(routeKey) ?? new RateLimiterMemory({ keyPrefix: `http:${routeKey}`, points: Math.max(1, Math.ceil(burst)), duration: Math.max(1, Math.round(burst / perSecond)) });
      routes.set(routeKey, limiter);
      return (ip) => limiter.consume(ip).then(() => true, () => false);
    },
  };
}

/** Calls per second with a burst; synchronous. */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Refusals in a fixed window; `add` answers true once there were `max` of them in it. */
export class Strikes {
  private count = 0;
  private since = 0;
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}
  add(): boolean {
    const now = performance.now();
    if (now - this.since > this.windowMs) {
      this.since = now;
      this.count = 0;
    }
    return ++this.count >= this.max;
  }
}

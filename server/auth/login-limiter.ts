import { RateLimiterMemory, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';
import { rateLimited } from '../domain/errors.js';

/**
 * Failed sign-ins counted per username and per client address, on counters the hub shares across
 * nodes (server/transport/limits.ts: Redis in a cluster, memory in embedded mode).
 */
export interface LoginLimiter {
  /** Throws `rate_limited` when this username or address has failed too often lately. */
  check(username: string, ip: string): Promise<void>;
  failed(username: string, ip: string): Promise<void>;
  /** A good sign-in clears the username's failures (not the address's). */
  succeeded(username: string): Promise<void>;
}

export const LOGIN_WINDOW_SECONDS = 15 * 60;

/** A counter maker: `points` per `durationSeconds` under `keyPrefix` (`Limits.counter`). */
export type CounterMaker = (keyPrefix: string, points: number, durationSeconds: number) => RateLimiterAbstract;

const memoryCounter: CounterMaker = (keyPrefix, points, duration) => new RateLimiterMemory({ keyPrefix, points, duration });

export class CountingLoginLimiter implements LoginLimiter {
  private readonly byUser: RateLimiterAbstract;
  private readonly byIp: RateLimiterAbstract;

  constructor(limits: { perUser: number; perIp: number }, counter: CounterMaker = memoryCounter) {
    this.byUser = counter('login-user', limits.perUser, LOGIN_WINDOW_SECONDS);
    this.byIp = counter('login-ip', limits.perIp, LOGIN_WINDOW_SECONDS);
  }

  async check(username: string, ip: string): Promise<void> {
    const [u, i] = await Promise.all([this.byUser.get(username.toLowerCase()), this.byIp.get(ip)]);
    const wait = Math.max(blockedFor(u, this.byUser.points), blockedFor(i, this.byIp.points));
    if (wait > 0) throw rateLimited(`too many failed sign-ins; try again in ${Math.ceil(wait / 1000)} s`);
  }

  async failed(username: string, ip: string): Promise<void> {
    // consume rejects once over the limit: that is what check() reports next time
    await Promise.allSettled([this.byUser.consume(username.toLowerCase()), this.byIp.consume(ip)]);
  }

  async succeeded(username: string): Promise<void> {
    await this.byUser.delete(username.toLowerCase());
  }
}

/** Milliseconds until the key may try again; 0 when it may now. */
function blockedFor(res: RateLimiterRes | null, points: number): number {
  return res && res.consumedPoints >= points ? res.msBeforeNext : 0;
}

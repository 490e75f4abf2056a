import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { rateLimited } from '../domain/errors.js';

/**
 * Failed sign-ins counted per username and per client address. An interface, so the shared
 * limiters (server/transport/limits.ts, Redis in a cluster) can stand in for this one; until then
 * each node counts its own failures (rate-limiter-flexible's memory limiter), so a cluster of n
 * nodes lets through at most n times the limit.
 */
export interface LoginLimiter {
  /** Throws `rate_limited` when this username or address has failed too often lately. */
  check(username: string, ip: string): Promise<void>;
  failed(username: string, ip: string): Promise<void>;
  /** A good sign-in clears the username's failures (not the address's). */
  succeeded(username: string): Promise<void>;
}

const WINDOW_SECONDS = 15 * 60;

export class MemoryLoginLimiter implements LoginLimiter {
  private readonly byUser: RateLimiterMemory;
  private readonly byIp: RateLimiterMemory;

  constructor(limits: { perUser: number; perIp: number }) {
    this.byUser = new RateLimiterMemory({ keyPrefix: 'login-user', points: limits.perUser, duration: WINDOW_SECONDS });
    this.byIp = new RateLimiterMemory({ keyPrefix: 'login-ip', points: limits.perIp, duration: WINDOW_SECONDS });
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

import type { User } from '@conversation-hub/client-sdk/contract';
import type { UserDirectory } from '../ports.js';
import type { UserRepository } from '../persistence/users.js';

/**
 * Users by id with a short cache: the handshake and `agent.state` look a user up on every call,
 * and a change made on another node shows here within `ttlMs`. The node that changes a user
 * calls `forget`, so it sees the change at once. While Postgres is away a user looked up before is
 * answered as last read: agents keep signing in and changing state through an outage (the report
 * test of issue 12 saw `agent.state` fail on it); one never read fails as before.
 */
export class CachedUserDirectory implements UserDirectory {
  private readonly cache = new Map<string, { until: number; user: Promise<User | null> }>();
  private readonly lastRead = new Map<string, User | null>();

  constructor(
    private readonly repo: UserRepository,
    private readonly ttlMs = 2_000,
  ) {}

  get(userId: string): Promise<User | null> {
    const now = Date.now();
    const hit = this.cache.get(userId);
    if (hit && hit.until > now) return hit.user;
    // Bounded under a spray of ids.
    if (this.cache.size > 10_000) this.cache.clear();
    if (this.lastRead.size > 10_000) this.lastRead.clear();
    const user = this.repo.get(userId).then(
      (u) => (this.lastRead.set(userId, u), u),
      (err: unknown) => {
        this.cache.delete(userId);
        if (this.lastRead.has(userId)) return this.lastRead.get(userId)!;
        throw err;
      },
    );
    this.cache.set(userId, { until: now + this.ttlMs, user });
    return user;
  }

  forget(userId: string): void {
    this.cache.delete(userId);
    this.lastRead.delete(userId);
  }
}

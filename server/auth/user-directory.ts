import type { User } from '@conversation-hub/client-sdk/contract';
import type { UserDirectory } from '../ports.js';
import type { UserRepository } from '../persistence/users.js';

/**
 * Users by id with a short cache: the handshake and `agent.state` look a user up on every call,
 * and a change made on another node shows here within `ttlMs`. The node that changes a user
 * calls `forget`, so it sees the change at once.
 */
export class CachedUserDirectory implements UserDirectory {
  private readonly cache = new Map<string, { until: number; user: Promise<User | null> }>();

  constructor(
    private readonly repo: UserRepository,
    private readonly ttlMs = 2_000,
  ) {}

  get(userId: string): Promise<User | null> {
    const now = Date.now();
    const hit = this.cache.get(userId);
    if (hit && hit.until > now) return hit.user;
    if (this.cache.size > 10_000) this.cache.clear(); // bounded under a spray of ids
    const user = this.repo.get(userId);
    this.cache.set(userId, { until: now + this.ttlMs, user });
    user.catch(() => this.cache.delete(userId));
    return user;
  }

  forget(userId: string): void {
    this.cache.delete(userId);
  }
}

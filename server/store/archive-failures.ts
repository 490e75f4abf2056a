import type { HubRedisClient } from '../redis/connect.js';

/**
 * A conversation whose archive failed past `HUB_ARCHIVE_MAX_ATTEMPTS` (a dead letter): its live
 * state is kept, `closing`, until an operator fixes the cause and retries it
 * (`POST /api/archive/failures/:conversationId/retry`).
 */
export interface ArchiveFailure {
  conversationId: string;
  /** The archive attempts of the run that gave up. */
  attempts: number;
  /** The last error's message (at most 2,000 characters). */
  error: string;
  /** When it was dead-lettered (ISO 8601). */
  failedAt: string;
  /** When an operator last asked for a retry; set while that retry runs, kept if it fails again. */
  retryRequestedAt?: string;
}

/**
 * Where the dead letters are kept, with the live state: the process's memory in embedded mode
 * (as is the live state), one Redis hash shared by every node in a cluster. Each call is one step.
 */
export interface ArchiveFailureStore {
  /** Records (or replaces) the conversation's dead letter. */
  put(failure: ArchiveFailure): Promise<void>;
  get(conversationId: string): Promise<ArchiveFailure | null>;
  /** Every dead letter, oldest failure first. */
  list(): Promise<ArchiveFailure[]>;
  /** Forgets it (archived at last); a no-op when there is none. */
  remove(conversationId: string): Promise<void>;
}

const byFailedAt = (a: ArchiveFailure, b: ArchiveFailure) => a.failedAt.localeCompare(b.failedAt) || a.conversationId.localeCompare(b.conversationId);

export class MemoryArchiveFailures implements ArchiveFailureStore {
  private readonly failures = new Map<string, ArchiveFailure>();

  async put(failure: ArchiveFailure): Promise<void> {
    this.failures.set(failure.conversationId, { ...failure });
  }

  async get(conversationId: string): Promise<ArchiveFailure | null> {
    const f = this.failures.get(conversationId);
    return f ? { ...f } : null;
  }

  async list(): Promise<ArchiveFailure[]> {
    return [...this.failures.values()].map((f) => ({ ...f })).sort(byFailedAt);
  }

  async remove(conversationId: string): Promise<void> {
    this.failures.delete(conversationId);
  }
}

/** One hash, `<prefix>archive-failures`: conversation id → the failure as JSON. */
export class RedisArchiveFailures implements ArchiveFailureStore {
  private readonly key: string;

  constructor(
    private readonly redis: HubRedisClient,
    prefix: string,
  ) {
    this.key = `${prefix}archive-failures`;
  }

  async put(failure: ArchiveFailure): Promise<void> {
    await this.redis.hSet(this.key, failure.conversationId, JSON.stringify(failure));
  }

  async get(conversationId: string): Promise<ArchiveFailure | null> {
    const raw = await this.redis.hGet(this.key, conversationId);
    return raw ? (JSON.parse(raw) as ArchiveFailure) : null;
  }

  async list(): Promise<ArchiveFailure[]> {
    const all = await this.redis.hGetAll(this.key);
    return Object.values(all).map((raw) => JSON.parse(raw) as ArchiveFailure).sort(byFailedAt);
  }

  async remove(conversationId: string): Promise<void> {
    await this.redis.hDel(this.key, conversationId);
  }
}

import { toConversation } from '../domain/conversation.js';
import { conflict, notFound } from '../domain/errors.js';
import type { Conversation } from '@conversation-hub/client-sdk/contract';
import type { ArchiveFailure, ArchiveFailureStore, RetryPolicy, Timer } from '../ports.js';
import type { ArchiveRetry, ConversationRef, EngineDeps } from './context.js';

/** 20 attempts, 0.5 s doubling up to 30 s apart: about 7 minutes of outage before a dead letter. */
export const defaultArchiveRetry: ArchiveRetry = { maxAttempts: 20, backoffMs: 500, maxBackoffMs: 30_000 };

/**
 * Runs past the last archive attempt that the scheduler still retries: they only record the dead
 * letter (or archive, if the cause went away), when the first try to record it failed.
 */
const RECORDING_ATTEMPTS = 5;

/** The archive timer's data: a retry an operator asked for says so. */
export interface ArchiveTimerData extends ConversationRef {
  retry?: boolean;
}

/** A dead letter as the admin API answers it: with the live conversation it keeps. */
export interface ArchiveFailureView extends ArchiveFailure {
  conversation: Conversation;
}

/**
 * The archive's dead letters. Each run of the archive timer goes through `attempt`: a failure
 * before the last attempt throws, and the scheduler retries it with backoff; the last attempt's
 * failure is recorded (with the attempts, the error and when), logged at error level, and the run
 * ends. The live state stays, `closing`, until an operator fixes the cause and calls `retry`.
 */
export class ArchiveFailures {
  readonly retryPolicy: ArchiveRetry;

  constructor(
    private readonly d: EngineDeps,
    readonly store: ArchiveFailureStore,
    private readonly now: () => number,
  ) {
    this.retryPolicy = d.archiveRetry ?? defaultArchiveRetry;
  }

  /** The scheduler's policy for the archive timer: the archive attempts, and a few to record the dead letter. */
  schedulerPolicy(): RetryPolicy {
    const r = this.retryPolicy;
    return { attempts: r.maxAttempts + RECORDING_ATTEMPTS, backoffMs: r.backoffMs, maxBackoffMs: r.maxBackoffMs };
  }

  /** One run of the archive timer; `archive` throws when the archive failed. */
  async attempt(timer: Timer<ArchiveTimerData>, archive: () => Promise<void>): Promise<void> {
    const conversationId = timer.data.conversationId;
    try {
      await archive();
    } catch (err) {
      this.d.metrics?.archiveFailed();
      if (timer.attempt < this.retryPolicy.maxAttempts) throw err;
      const previous = await this.store.get(conversationId);
      const failure: ArchiveFailure = {
        conversationId,
        attempts: timer.attempt,
        error: messageOf(err).slice(0, 2_000),
        failedAt: new Date(this.now()).toISOString(),
        ...(previous?.retryRequestedAt ? { retryRequestedAt: previous.retryRequestedAt } : {}),
      };
      await this.store.put(failure); // throws when it cannot be recorded: the scheduler runs it again
      this.d.log.error({ err, conversationId, attempts: timer.attempt }, 'archive failed for good; the conversation is dead-lettered and stays live until retried');
      return;
    }
    // Archived: a dead letter it had (an operator's retry) is gone. Only then, so a first run costs nothing.
    if (timer.data.retry || timer.attempt >= this.retryPolicy.maxAttempts) await this.store.remove(conversationId);
  }

  /** Every dead letter whose conversation is still live; those archived meanwhile are forgotten. */
  async list(): Promise<ArchiveFailureView[]> {
    const out: ArchiveFailureView[] = [];
    for (const failure of await this.store.list()) {
      const stored = await this.d.store.get(failure.conversationId);
      if (!stored) {
        await this.store.remove(failure.conversationId);
        continue;
      }
      out.push({ ...failure, conversation: toConversation(stored.doc, stored.lastSeq) });
    }
    return out;
  }

  /**
   * Re-arms the archive of a dead-lettered conversation, with a fresh set of attempts. The dead
   * letter stays (with `retryRequestedAt`) until the archive succeeds. `not_found` when the
   * conversation is not dead-lettered; `conflict` when its live state is gone.
   */
  async retry(conversationId: string): Promise<ArchiveFailure> {
    const failure = await this.store.get(conversationId);
    if (!failure) throw notFound('archive failure');
    if (!(await this.d.store.get(conversationId))) {
      await this.store.remove(conversationId);
      throw conflict('the conversation is no longer live: it was archived');
    }
    const retried: ArchiveFailure = { ...failure, retryRequestedAt: new Date(this.now()).toISOString() };
    await this.store.put(retried);
    await this.d.scheduler.set<ArchiveTimerData>('archive', conversationId, this.now(), { conversationId, retry: true });
    this.d.log.info({ conversationId }, 'archive retry requested');
    return retried;
  }
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

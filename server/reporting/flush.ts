import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../persistence/database.js';
import type { RetryPolicy, Scheduler } from '../ports.js';
import type { ReportOutbox } from './outbox.js';
import type { ReportEvent, ReportSink } from './report-events.js';
import { writeBatch } from './report-writer.js';

/** The flush timer: one for the whole hub, whatever node records. */
export const REPORTS_TIMER = { kind: 'reports', key: 'outbox' } as const;

// Minutes of retries (0.5 s doubling to 30 s, about 13 minutes in all): a Postgres outage only
// delays reports. After the last, the events stay in the outbox for the next `record` or `kick`.
export const reportsRetry: RetryPolicy = { attempts: 30, backoffMs: 500, maxBackoffMs: 30_000 };

export interface ReportingDeps {
  outbox: ReportOutbox;
  db: Kysely<Database>;
  scheduler: Scheduler;
  log?: Logger;
  /** Epoch ms. */
  now?: () => number;
  /** Events written per transaction. Default 500. */
  batchSize?: number;
  /** How long after a `record` the flush runs (events of that time go in one batch). Default 500 ms. */
  delayMs?: number;
  retry?: RetryPolicy;
}

export interface Reporting {
  /** The engine's sink: pushes to the outbox, then arms the flush timer. Never waits for Postgres. */
  sink: ReportSink;
  /** Registers the `reports` timer's handler; call before `scheduler.start()`. */
  register(): void;
  /** Drains the outbox into Postgres now, until empty; how many events went. Throws when Postgres fails. */
  flush(): Promise<number>;
  /** Arms the flush timer unless armed (housekeeping's repair, after a flush failed for good). */
  kick(): Promise<void>;
}

/**
 * Reporting as it happens (issue 12): events wait in the outbox (memory or Redis) until the
 * `reports` timer writes them to Postgres in batches, each batch one transaction, and only then
 * drops them. The timer's retries ride out a Postgres outage; nothing is lost meanwhile.
 */
export function createReporting(deps: ReportingDeps): Reporting {
  const now = deps.now ?? Date.now;
  const batchSize = deps.batchSize ?? 500;
  const delayMs = deps.delayMs ?? 500;
  let tail: Promise<unknown> = Promise.resolve();

  const kick = () => deps.scheduler.ensure(REPORTS_TIMER.kind, REPORTS_TIMER.key, now() + delayMs, {});

  async function drain(): Promise<number> {
    let written = 0;
    for (;;) {
      const batch = await deps.outbox.peek(batchSize);
      if (batch.events.length === 0) return written;
      const skipped = await writeBatch(deps.db, batch.events, deps.log);
      // 0 when another flusher dropped this batch meanwhile: both wrote it, which changes nothing.
      written += Math.max(0, (await deps.outbox.drop(batch)) - skipped);
    }
  }

  // One drain at a time in this process, each after the last (across nodes the one timer job sees to it).
  const flush = (): Promise<number> => {
    const run = tail.then(drain, drain);
    tail = run.catch(() => undefined);
    return run;
  };

  return {
    sink: {
      async record(events: ReportEvent[]): Promise<void> {
        if (events.length === 0) return;
        await deps.outbox.push(events);
        // The events are safe in the outbox: a timer that cannot be armed now is armed by the next record or kick.
        await kick().catch((err: unknown) => deps.log?.warn({ err }, 'report flush timer not armed'));
      },
    },
    register() {
      deps.scheduler.handle(
        REPORTS_TIMER.kind,
        async () => {
          const written = await flush();
          if (written > 0) deps.log?.debug({ written }, 'reports flushed');
          // Recorded while the last batch was written (a record's ensure is a no-op on a running job).
          if ((await deps.outbox.size()) > 0) return { rearmAt: now() + delayMs };
        },
        deps.retry ?? reportsRetry,
      );
    },
    flush,
    kick,
  };
}

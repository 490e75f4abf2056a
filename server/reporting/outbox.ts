import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ReportEvent } from './report-events.js';

/** Entries peeked together, to drop once Postgres has them. */
export interface OutboxBatch {
  events: ReportEvent[];
  /** Opaque: names the batch's first entry, so a drop removes exactly this batch or nothing. */
  readonly head: string | null;
}

/**
 * Where report events wait for Postgres (issue 12): in order, and nothing leaves before the
 * flusher has written it. `peek` then `drop` rather than a pop, so a flush that fails leaves the
 * events there for the next one. The process's memory in embedded mode, a Redis list in a cluster.
 * It refuses nothing: a long Postgres outage grows it, and it says so in the log.
 */
export interface ReportOutbox {
  /** Appends the events in order; resolves once stored. */
  push(events: readonly ReportEvent[]): Promise<void>;
  /** The oldest `max` events, left in place. */
  peek(max: number): Promise<OutboxBatch>;
  /**
   * Removes the batch from the head: how many went, 0 when the head is no longer that batch
   * (another flusher dropped it already, so a second drop never removes unwritten events).
   */
  drop(batch: OutboxBatch): Promise<number>;
  size(): Promise<number>;
}

/** An entry as kept: a unique id, so a batch is named by its first entry's. */
export interface OutboxEntry {
  i: string;
  e: ReportEvent;
}

export const newEntry = (e: ReportEvent): OutboxEntry => ({ i: randomUUID(), e });

/** Entries past which the outbox warns (Postgres has been away long, or the flush fails). */
export const OUTBOX_WARN_ABOVE = 100_000;

/** A warning when the outbox is beyond `above`, at most once a minute. */
export function sizeWarner(log: Logger | undefined, above = OUTBOX_WARN_ABOVE, everyMs = 60_000): (size: number) => void {
  let last = -Infinity;
  return (size) => {
    if (size <= above || Date.now() - last < everyMs) return;
    last = Date.now();
    log?.warn({ size, above }, 'report outbox is large: reports are not reaching Postgres');
  };
}

/** Embedded mode's outbox: the process's memory (gone with it, as is the live state). */
export class MemoryReportOutbox implements ReportOutbox {
  private entries: OutboxEntry[] = [];
  private readonly warn: (size: number) => void;

  constructor(options: { log?: Logger; warnAbove?: number } = {}) {
    this.warn = sizeWarner(options.log, options.warnAbove);
  }

  async push(events: readonly ReportEvent[]): Promise<void> {
    // Copies in and out, as a Redis list would give.
    for (const e of events) this.entries.push(newEntry(structuredClone(e)));
    this.warn(this.entries.length);
  }

  async peek(max: number): Promise<OutboxBatch> {
    const taken = this.entries.slice(0, Math.max(0, max));
    return { events: taken.map((x) => structuredClone(x.e)), head: taken[0]?.i ?? null };
  }

  async drop(batch: OutboxBatch): Promise<number> {
    const n = batch.events.length;
    if (n === 0 || batch.head === null || this.entries[0]?.i !== batch.head) return 0;
    this.entries.splice(0, n);
    return n;
  }

  async size(): Promise<number> {
    return this.entries.length;
  }
}

import type { Logger } from 'pino';
import type { Scheduler } from '../ports.js';
import { backoffFor, defaultRetry, timerFields, type LatenessRecorder, type RetryPolicy, type Timer, type TimerHandler, type TimerKind } from './scheduler.js';

interface Armed {
  timer: Timer;
  handle: NodeJS.Timeout;
}

// setTimeout's delay is a signed 32-bit number of ms; longer waits go in hops.
const MAX_DELAY = 2 ** 31 - 1;

/** Embedded mode's timers: in-process, gone with the process (so is everything else in embedded mode). */
export class LocalScheduler implements Scheduler {
  private readonly handlers = new Map<TimerKind, { fn: TimerHandler; retry: RetryPolicy }>();
  private readonly armed = new Map<string, Armed>();
  private running = false;

  constructor(
    private readonly log?: Logger,
    private readonly lateness?: LatenessRecorder,
  ) {}

  handle<D>(kind: TimerKind, handler: TimerHandler<D>, retry: RetryPolicy = defaultRetry): void {
    this.handlers.set(kind, { fn: handler as TimerHandler, retry });
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async set<D>(kind: TimerKind, key: string, dueAt: number, data: D): Promise<void> {
    this.arm({ kind, key, data, dueAt, attempt: 1 }, dueAt);
  }

  async ensure<D>(kind: TimerKind, key: string, dueAt: number, data: D): Promise<void> {
    if (!this.armed.has(`${kind}:${key}`)) this.arm({ kind, key, data, dueAt, attempt: 1 }, dueAt);
  }

  async cancel(kind: TimerKind, key: string): Promise<void> {
    const id = `${kind}:${key}`;
    const a = this.armed.get(id);
    if (a) clearTimeout(a.handle);
    this.armed.delete(id);
  }

  async close(): Promise<void> {
    this.running = false;
    for (const a of this.armed.values()) clearTimeout(a.handle);
    this.armed.clear();
  }

  private arm(timer: Timer, at: number): void {
    const id = `${timer.kind}:${timer.key}`;
    const previous = this.armed.get(id);
    if (previous) clearTimeout(previous.handle);
    const delay = Math.max(0, at - Date.now());
    const handle = setTimeout(() => {
      if (delay > MAX_DELAY) return this.arm(timer, at);
      void this.fire(id, timer);
    }, Math.min(delay, MAX_DELAY));
    handle.unref?.();
    this.armed.set(id, { timer, handle });
  }

  private async fire(id: string, timer: Timer): Promise<void> {
    const current = this.armed.get(id);
    if (current?.timer !== timer) return; // moved or cancelled meanwhile
    this.armed.delete(id);
    const h = this.handlers.get(timer.kind);
    if (!this.running || !h) return;
    if (timer.attempt === 1) this.lateness?.(timer.kind, (Date.now() - timer.dueAt) / 1000);
    try {
      const outcome = await h.fn(timer);
      if (outcome && !this.armed.has(id)) this.arm({ ...timer, dueAt: outcome.rearmAt, attempt: 1 }, outcome.rearmAt);
    } catch (err) {
      if (timer.attempt >= h.retry.attempts) {
        this.log?.error({ err, ...timerFields(timer) }, 'timer failed for good');
        return;
      }
      this.log?.warn({ err, ...timerFields(timer), attempt: timer.attempt }, 'timer failed; retrying');
      if (!this.armed.has(id)) this.arm({ ...timer, attempt: timer.attempt + 1 }, Date.now() + backoffFor(h.retry, timer.attempt));
    }
  }
}

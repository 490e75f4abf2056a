import { DelayedError, Job, Queue, Worker, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { Logger } from 'pino';
import { bullmqConnection, closeRedis, type HubRedisClient } from '../redis/connect.js';
import type { Scheduler } from '../ports.js';
import { backoffFor, defaultRetry, timerFields, type LatenessRecorder, type RetryPolicy, type Timer, type TimerHandler, type TimerKind } from './scheduler.js';

export interface BullMQSchedulerOptions {
  /** The queue; one per hub deployment (every node of the hub uses the same name). */
  queueName: string;
  /** BullMQ's key prefix. Default `bull`. */
  prefix?: string;
  /** Timers handled at once per node. Default 50. */
  concurrency?: number;
  /** How long a node may hold a running timer before others take it as stalled. Default 30 s. */
  lockDurationMs?: number;
  log?: Logger;
  /** Told how late each timer fires (metrics). */
  lateness?: LatenessRecorder;
  /** Told of each 'error' of the scheduler's Redis connection (metrics). */
  onRedisError?: () => void;
  /** A connection of BullMQ's own kind instead of a duplicate of `client` (Redis Cluster: redis/bullmq-cluster.ts). */
  connection?: { client: unknown; close(): Promise<void> };
}

/** What a job carries: the timer, and which attempt this run is (retries are ours, see `process`). */
interface JobData {
  kind: TimerKind;
  key: string;
  data: unknown;
  dueAt: number;
  attempt: number;
}

const jobOptions: JobsOptions = { removeOnComplete: true, removeOnFail: true, attempts: 1 };

/**
 * Housekeeping waits for the timers people notice: BullMQ takes unprioritised jobs before
 * prioritised ones, so a burst of archives never delays an inactivity close or an offer expiry.
 */
const KIND_PRIORITY: Partial<Record<TimerKind, number>> = { archive: 10 };
const optionsFor = (kind: TimerKind): JobsOptions => (KIND_PRIORITY[kind] ? { ...jobOptions, priority: KIND_PRIORITY[kind] } : jobOptions);

/**
 * BullMQ job id of a timer. BullMQ refuses custom ids containing ':' (unless they look like its
 * legacy repeat ids), so the key is URI-encoded (which escapes ':' and '|') behind `kind|`.
 */
export function timerJobId(kind: TimerKind, key: string): string {
  return `${kind}|${encodeURIComponent(key)}`;
}

/**
 * Cluster mode's timers: one delayed BullMQ job per (kind, key), id `timerJobId(kind, key)`, in one
 * queue shared by every node. The job lives in Redis, so a timer fires once, on whichever node's
 * worker takes it, even when the node that set it has died; a node that dies while running a
 * handler loses its lock and another node runs it again (handlers are idempotent).
 *
 * `set` on an armed timer:
 * - delayed: moves it (`changeDelay`, with the new data): there is never a moment with no timer;
 * - waiting (due, not yet taken) or finished: replaced by a new delayed job;
 * - active (its handler runs right now, on some node): nothing is added. The handler reads the
 *   authoritative state and answers `{ rearmAt }` when the deadline moved meanwhile (the customer
 *   spoke while the inactivity handler ran), which re-delays the same job. So a handler must not
 *   rely on `set` during its own run; that is the contract of `TimerOutcome` anyway.
 *
 * Retries are done here, not with BullMQ's `attempts`, so that `Timer.attempt` means the same as in
 * LocalScheduler (it restarts at 1 after a rearm): a failed run re-delays the job by the kind's
 * backoff with `attempt + 1`; after the kind's last attempt the failure is logged and the job goes.
 */
export class BullMQScheduler implements Scheduler {
  private readonly handlers = new Map<TimerKind, { fn: TimerHandler; retry: RetryPolicy }>();
  private readonly connection: ConnectionOptions;
  private readonly closeConnection: () => Promise<void>;
  private readonly queue: Queue<JobData>;
  private worker: Worker<JobData> | undefined;
  private closed = false;

  constructor(
    client: HubRedisClient,
    private readonly options: BullMQSchedulerOptions,
  ) {
    // Our own duplicate without a command timeout: BullMQ duplicates it for its blocking reads.
    if (options.connection) {
      this.connection = options.connection.client as ConnectionOptions;
      this.closeConnection = () => options.connection!.close();
    } else {
      const own = bullmqConnection(client, options.log, options.onRedisError);
      this.connection = own as unknown as ConnectionOptions;
      this.closeConnection = () => closeRedis(own);
    }
    this.queue = new Queue<JobData>(options.queueName, {
      connection: this.connection,
      ...(options.prefix ? { prefix: options.prefix } : {}),
      defaultJobOptions: jobOptions,
    });
    this.queue.on('error', (err) => options.log?.warn({ err }, 'timer queue error'));
  }

  handle<D>(kind: TimerKind, handler: TimerHandler<D>, retry: RetryPolicy = defaultRetry): void {
    this.handlers.set(kind, { fn: handler as TimerHandler, retry });
  }

  async start(): Promise<void> {
    if (this.worker || this.closed) return;
    const worker = new Worker<JobData>(this.options.queueName, (job, token) => this.process(job, token), {
      connection: this.connection,
      ...(this.options.prefix ? { prefix: this.options.prefix } : {}),
      concurrency: this.options.concurrency ?? 50,
      lockDuration: this.options.lockDurationMs ?? 30_000,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 0 },
    });
    worker.on('error', (err) => this.options.log?.warn({ err }, 'timer worker error'));
    this.worker = worker;
    await worker.waitUntilReady();
  }

  async set<D>(kind: TimerKind, key: string, dueAt: number, data: D): Promise<void> {
    const id = timerJobId(kind, key);
    const payload: JobData = { kind, key, data, dueAt, attempt: 1 };
    for (let round = 0; round < 5; round++) {
      // Common case first (the inactivity timer moves on every customer message): an armed,
      // delayed job is moved, data and delay pipelined on one connection.
      const job = new Job<JobData>(this.queue, kind, payload, optionsFor(kind), id);
      const [moved] = await Promise.allSettled([job.changeDelay(Math.max(0, dueAt - Date.now())), job.updateData(payload)]);
      if (moved.status === 'fulfilled') return;

      const existing = await this.queue.getJob(id);
      if (!existing) {
        await this.queue.add(kind, payload, { ...optionsFor(kind), jobId: id, delay: Math.max(0, dueAt - Date.now()) });
        // A concurrent `set` that created it first wins; adding the same id again is a no-op.
        return;
      }
      const state = await existing.getState();
      if (state === 'active') return; // see the class comment: the running handler rearms
      if (state === 'delayed') continue; // became delayed meanwhile: move it
      // waiting, prioritized, completed, failed: replace it, unless a worker took it meanwhile.
      if ((await this.queue.remove(id)) === 0) continue;
      await this.queue.add(kind, payload, { ...optionsFor(kind), jobId: id, delay: Math.max(0, dueAt - Date.now()) });
      return;
    }
    this.options.log?.warn({ kind, key }, 'timer kept changing state while being set');
  }

  async ensure<D>(kind: TimerKind, key: string, dueAt: number, data: D): Promise<void> {
    // Adding an id that exists, in any state, is a no-op in BullMQ; finished jobs are removed at once.
    const payload: JobData = { kind, key, data, dueAt, attempt: 1 };
    await this.queue.add(kind, payload, { ...optionsFor(kind), jobId: timerJobId(kind, key), delay: Math.max(0, dueAt - Date.now()) });
  }

  async cancel(kind: TimerKind, key: string): Promise<void> {
    // 0 when the job is locked (its handler runs now): nothing to do, the handler decides.
    await this.queue.remove(timerJobId(kind, key));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker?.close();
    await this.queue.close();
    await this.closeConnection();
  }

  private async process(job: Job<JobData>, token: string | undefined): Promise<void> {
    const { kind, key, data, dueAt, attempt } = job.data;
    const h = this.handlers.get(kind);
    if (!h) {
      this.options.log?.error({ kind, key }, 'no handler for timer kind; dropped');
      return;
    }
    const timer: Timer = { kind, key, data, dueAt, attempt };
    if (attempt === 1) this.options.lateness?.(kind, (Date.now() - dueAt) / 1000);
    let rearmAt: number | undefined;
    try {
      const outcome = await h.fn(timer);
      if (!outcome) return;
      rearmAt = outcome.rearmAt;
    } catch (err) {
      if (attempt >= h.retry.attempts) {
        this.options.log?.error({ err, ...timerFields(timer), attempt }, 'timer failed for good');
        return;
      }
      this.options.log?.warn({ err, ...timerFields(timer), attempt }, 'timer failed; retrying');
      await this.redelay(job, token, { ...job.data, attempt: attempt + 1 }, Date.now() + backoffFor(h.retry, attempt));
    }
    if (rearmAt !== undefined) await this.redelay(job, token, { ...job.data, dueAt: rearmAt, attempt: 1 }, rearmAt);
  }

  /** Puts the running job back in the delayed set: the same timer fires again at `at`. */
  private async redelay(job: Job<JobData>, token: string | undefined, next: JobData, at: number): Promise<never> {
    await job.updateData(next);
    await job.moveToDelayed(Math.max(at, Date.now()), token);
    throw new DelayedError();
  }
}

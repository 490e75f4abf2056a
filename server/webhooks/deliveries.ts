import type { Logger } from 'pino';
import type { Scheduler, Timer } from '../ports.js';
import type { RetryPolicy } from '../scheduler/scheduler.js';
import type { WebhookOutcome } from '../transport/metrics.js';
import { signedHeaders } from './secrets.js';
import type { DeliveryTarget, WebhookStore } from './store.js';

/** One delivery: what a Scheduler job carries, so it outlives the node that queued it. */
export interface WebhookJob {
  /** The `webhook-id`: the same on every attempt, so a receiver can drop a repeat. */
  id: string;
  target: DeliveryTarget;
  type: string;
  body: string;
}

export interface WebhookDeliveryDeps {
  store: WebhookStore;
  scheduler: Scheduler;
  log: Logger;
  retry: { attempts: number; backoffMs: number; maxBackoffMs: number };
  record?: (outcome: WebhookOutcome) => void;
  timeoutMs?: number;
  now?: () => number;
}

/**
 * Signed webhooks (Standard Webhooks) as `webhook` Scheduler jobs: a BullMQ job in cluster mode, so
 * a delivery survives the death of the node that queued it. Each attempt reads its endpoint afresh
 * and is signed with every active secret; an answer other than 2xx is retried with backoff up to
 * the configured attempts, except a refusal (4xx but 408 and 429); 410 Gone disables the endpoint.
 */
export class WebhookDeliveries {
  private readonly now: () => number;
  constructor(private readonly d: WebhookDeliveryDeps) {
    this.now = d.now ?? Date.now;
  }

  register(): void {
    const policy: RetryPolicy = { attempts: this.d.retry.attempts, backoffMs: this.d.retry.backoffMs, maxBackoffMs: this.d.retry.maxBackoffMs };
    this.d.scheduler.handle<WebhookJob>('webhook', (t) => this.attempt(t), policy);
  }

  /** Queues one delivery; the same id again is the same delivery. */
  async enqueue(job: WebhookJob): Promise<void> {
    await this.d.scheduler.ensure('webhook', job.id, this.now(), job);
  }

  private async attempt(t: Timer<WebhookJob>): Promise<void> {
    const job = t.data;
    const fields = { webhookId: job.id, type: job.type, attempt: t.attempt, ...job.target };
    const endpoint = await this.d.store.endpoint(job.target);
    if (!endpoint) return; // the subscription or the channel's URL is gone: nothing to deliver to
    const done = (status: 'delivered' | 'failed' | 'gone', extra: { statusCode?: number; error?: string } = {}) =>
      this.d.store.record({ id: job.id, target: job.target, type: job.type, status, attempts: t.attempt, ...extra });
    if (endpoint.disabled) return done('failed', { error: 'endpoint disabled' });

    let statusCode: number | undefined;
    let error: string | undefined;
    try {
      const res = await fetch(endpoint.url, {
        method: 'POST',
        redirect: 'manual', // a redirect is the endpoint's mistake, never followed with a signed body
        headers: { 'content-type': 'application/json', 'user-agent': 'conversation-hub-webhooks', ...signedHeaders(endpoint.secrets, job.id, new Date(this.now()), job.body) },
        body: job.body,
        signal: AbortSignal.timeout(this.d.timeoutMs ?? 10_000),
      });
      await res.body?.cancel();
      statusCode = res.status;
      if (res.ok) {
        this.d.record?.('delivered');
        return done('delivered', { statusCode });
      }
      if (res.status === 410) {
        await this.d.store.disable(job.target);
        this.d.log.warn(fields, 'webhook endpoint answered 410 Gone: disabled');
        this.d.record?.('failed');
        return done('gone', { statusCode });
      }
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        this.d.log.warn({ ...fields, status: res.status }, 'webhook refused; not retried');
        this.d.record?.('failed');
        return done('failed', { statusCode });
      }
      error = `answered ${res.status}`;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    if (t.attempt >= this.d.retry.attempts) {
      this.d.log.warn({ ...fields, error }, 'webhook delivery failed; attempts exhausted');
      this.d.record?.('failed');
      return done('failed', { ...(statusCode ? { statusCode } : {}), error });
    }
    await this.d.store.record({ id: job.id, target: job.target, type: job.type, status: 'pending', attempts: t.attempt, ...(statusCode ? { statusCode } : {}), error });
    this.d.record?.('retried');
    throw new Error(`webhook ${job.id}: ${error}`); // the Scheduler retries with backoff
  }
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ConversationState } from '@conversation-hub/client-sdk/contract';
import type { EngineMetrics } from '../engine/context.js';
import type { ConversationStateCounts, QueueLength, TimerKind } from '../ports.js';

/**
 * The hub's Prometheus metrics, one registry per hub (README, "Metrics"). Each is recorded where
 * its thing happens, through a narrow recorder handed to that part as an argument: the engine's
 * (`engine`) to the pipeline, the timers and the task answers; `timerLateness`, `redisError` and
 * `postgresError` to the parts; `webhook` to the outbound webhooks; the calls' to the transport.
 * The hub-wide gauges are read from the stores at scrape time, from `sources` (set by app.ts).
 */

/** Roles a socket may have (server/domain/actor.ts): each gets a `hub_sockets` series, 0 included. */
const SOCKET_ROLES = ['customer', 'connector', 'agent', 'supervisor', 'bot', 'app'] as const;

export type WebhookOutcome = 'delivered' | 'retried' | 'failed';

/** What the parts record (server/parts/): their timers firing, and their connections' errors. */
export interface PartsMetrics {
  /** A timer fired `seconds` after it was due (first attempts only: a retry's wait is its backoff). */
  timerLateness(kind: TimerKind, seconds: number): void;
  redisError(): void;
  postgresError(): void;
}

/** Read at scrape time; unset ones leave their gauge empty. */
export interface MetricSources {
  deadLetters?: () => Promise<number>;
  conversationsByState?: () => Promise<ConversationStateCounts>;
  queueLengths?: () => Promise<QueueLength[]>;
}

export interface Metrics extends PartsMetrics {
  registry: Registry;
  sockets: Gauge<'role'>;
  callSeconds: Histogram<'event'>;
  callErrors: Counter<'code'>;
  httpErrors: Counter<'code'>;
  engine: EngineMetrics;
  webhook(outcome: WebhookOutcome): void;
  sources: MetricSources;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const sources: MetricSources = {};
  // nodejs_eventloop_lag_seconds, process CPU and memory, GC...
  collectDefaultMetrics({ register: registry });

  // ---- read at scrape time, over the whole hub (a store that does not answer leaves the last values)
  new Gauge({
    name: 'hub_archive_dead_letters',
    help: 'Conversations whose archive failed for good and wait for a retry, over the whole hub (GET /api/archive/failures)',
    registers,
    async collect() {
      const n = await sources.deadLetters?.().catch(() => undefined);
      if (n !== undefined) this.set(n);
    },
  });
  new Gauge({
    name: 'hub_conversations',
    help: 'Live conversations by state, over the whole hub',
    labelNames: ['state'],
    registers,
    async collect() {
      const counts = await sources.conversationsByState?.().catch(() => undefined);
      if (counts) for (const state of ConversationState.options) this.set({ state }, counts[state] ?? 0);
    },
  });
  new Gauge({
    name: 'hub_queue_waiting_tasks',
    help: 'Tasks waiting for an agent, by routing list (empty: tasks without a list), over the whole hub',
    labelNames: ['list'],
    registers,
    async collect() {
      const queues = await sources.queueLengths?.().catch(() => undefined);
      if (!queues) return;
      this.reset();
      for (const q of queues) this.set({ list: q.listId ?? '' }, q.queued);
    },
  });

  // ---- recorded by this node
  const sockets = new Gauge({ name: 'hub_sockets', help: 'Connected sockets on this node, by role', labelNames: ['role'], registers });
  for (const role of SOCKET_ROLES) sockets.set({ role }, 0);
  const activities = new Counter({ name: 'hub_activities_total', help: 'Activities committed by this node, by type', labelNames: ['type'], registers });
  const lateness = new Histogram({
    name: 'hub_timer_lateness_seconds',
    help: 'Timer fire time minus due time, by timer kind',
    labelNames: ['kind'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers,
  });
  const archiveSeconds = new Histogram({
    name: 'hub_archive_seconds',
    help: 'Time to archive a closing conversation to Postgres and drop its live state',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const archiveFailures = new Counter({ name: 'hub_archive_failures_total', help: 'Failed archive attempts (each is retried until HUB_ARCHIVE_MAX_ATTEMPTS)', registers });
  const botFailures = new Counter({ name: 'hub_bot_failures_total', help: 'Calls to a hub-run bot that failed or timed out, by bot type (each turn is tried twice)', labelNames: ['bot'], registers });
  const queueWait = new Histogram({
    name: 'hub_queue_wait_seconds',
    help: 'Time from a task being created (queued) to an agent accepting or pulling it, by routing list',
    labelNames: ['list'],
    buckets: [0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers,
  });
  const webhooks = new Counter({ name: 'hub_webhook_deliveries_total', help: 'Outbound webhook POSTs by outcome: delivered, retried (an attempt failed, another follows), failed (given up or refused)', labelNames: ['outcome'], registers });
  const redisErrors = new Counter({ name: 'hub_redis_errors_total', help: "Redis client 'error' events (failed connects and reconnects included)", registers });
  const postgresErrors = new Counter({ name: 'hub_postgres_errors_total', help: 'Failed database queries and idle-connection errors (Postgres, or PGlite embedded)', registers });

  return {
    registry,
    sources,
    sockets,
    callSeconds: new Histogram({
      name: 'hub_call_seconds',
      help: 'Time to answer a socket call, by event',
      labelNames: ['event'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers,
    }),
    callErrors: new Counter({ name: 'hub_call_errors_total', help: 'Socket calls answered with an error, by error code', labelNames: ['code'], registers }),
    httpErrors: new Counter({ name: 'hub_http_errors_total', help: 'HTTP requests answered with an error, by error code', labelNames: ['code'], registers }),
    engine: {
      activities: (list) => {
        for (const a of list) activities.inc({ type: a.type });
      },
      archived: (seconds) => archiveSeconds.observe(seconds),
      archiveFailed: () => archiveFailures.inc(),
      queueWait: (listId, seconds) => queueWait.observe({ list: listId ?? '' }, Math.max(0, seconds)),
      botFailed: (bot) => botFailures.inc({ bot }),
    },
    timerLateness: (kind, seconds) => lateness.observe({ kind }, Math.max(0, seconds)),
    webhook: (outcome) => webhooks.inc({ outcome }),
    redisError: () => redisErrors.inc(),
    postgresError: () => postgresErrors.inc(),
  };
}

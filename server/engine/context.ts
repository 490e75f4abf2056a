import type { Logger } from 'pino';
import type { Activity, TaskReason } from '@conversation-hub/client-sdk/contract';
import type { Actor } from '../domain/actor.js';
import type { ReportSink } from '../reporting/report-events.js';
import type { Archive, ArchiveFailureStore, ChannelDirectory, ConversationStore, CustomerDirectory, Fanout, RoutingStore, Scheduler, TimerKind, UserDirectory } from '../ports.js';

/** Where a customer socket is: its conversation and channel session. The transport keeps it per socket. */
export interface CustomerPlace {
  conversationId: string;
  channelSessionId: string;
}

/**
 * Who is calling and from where, passed to every use case as an argument (never ambient state).
 * `socketId`: the calling socket, whose acknowledgement carries what its call wrote, so the
 * publish skips it. `place`: a customer socket's session. `timer`: the timer whose handler runs.
 */
export interface CallContext {
  actor: Actor;
  socketId?: string;
  place?: CustomerPlace;
}

/** What the after-write pipeline needs to know of its caller. */
export interface RunContext {
  /** Skipped by the publish of the call's own write: its acknowledgement carries the activity. */
  socketId?: string;
  /** Set when a timer's handler runs: that timer is not cancelled by the change it makes. */
  timer?: { kind: TimerKind; key: string };
}

/** What the engine is built from: the ports and a few settings. */
export interface EngineDeps {
  store: ConversationStore;
  routing: RoutingStore;
  scheduler: Scheduler;
  channels: ChannelDirectory;
  customers: CustomerDirectory;
  archive: Archive;
  fanout: Fanout;
  log: Logger;
  /** User records: an agent's lists and capacity (`agent.state`); absent, every agent names its own (tests of the engine alone). */
  users?: UserDirectory;
  /** Capacity of an agent who names none. */
  agentCapacity: number;
  /** How long an agent with no socket keeps its offers. */
  agentGraceSeconds: number;
  /** Overrides every channel's inactivity timeout (tests, demos). */
  inactivityOverrideSeconds?: number;
  /** Period of the housekeeping sweep (engine/housekeeping.ts); default 30 s. */
  housekeepingSeconds?: number;
  /** Dead-lettered archives; absent, this process's memory. */
  archiveFailures?: ArchiveFailureStore;
  /** How archives are retried before they are dead-lettered (engine/archive-failures.ts has the default). */
  archiveRetry?: ArchiveRetry;
  /** The clock (epoch ms); tests may give their own. */
  now?: () => number;
  /** Where report rows go while conversations are live (server/reporting/); absent, none are written. */
  reports?: ReportSink;
  /** What the engine counts (server/transport/metrics.ts); absent, nothing is. */
  metrics?: EngineMetrics;
  /** Told of every change the supervisors' dashboard shows (engine/dashboard.ts `dashboardMarks`); absent, no `dashboard` pushes follow changes. */
  dashboard?: DashboardMarks;
  /** Today's (UTC) service level per list at `thresholdSeconds` (the reports); absent or failing, the dashboard shows zeros. */
  serviceLevelToday?: (thresholdSeconds: number) => Promise<{ listId: string | null; offered: number; answeredWithin: number }[]>;
  /** Customer-service windows of channels with a built-in connector (server/whatsapp/); absent, free text always goes. */
  serviceWindows?: ServiceWindows;
}

/** Whether free text may reach this customer on this channel now (WhatsApp: within 24 hours of the customer's last message). */
export interface ServiceWindows {
  freeTextOpen(serviceIdentifier: string, customerIdentifier: string, now: number): Promise<boolean>;
}

/** Marks the dashboard changed: a push to its watchers follows within a second. */
export interface DashboardMarks {
  changed(): void;
  /** What the after-write pipeline committed: marks a change when the dashboard shows any of it. */
  committed(activities: readonly Activity[]): void;
}

/** The engine's metrics, each recorded where its thing happens. */
export interface EngineMetrics {
  /** Activities this node committed (pipeline.ts), each once. */
  activities(list: readonly Activity[]): void;
  /** A conversation archived (timers.ts), in so many seconds. */
  archived(seconds: number): void;
  /** An archive attempt failed (archive-failures.ts). */
  archiveFailed(): void;
  /** A task accepted or pulled (tasks.ts), so many seconds after it was created. */
  queueWait(listId: string | undefined, seconds: number): void;
  /** A call to a hub-run bot failed or timed out (bot-driver.ts). */
  botFailed?(bot: string): void;
}

/** Archive attempts before a dead letter, and the backoff between them (doubling from `backoffMs` up to `maxBackoffMs`). */
export interface ArchiveRetry {
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
}

/** `{ conversationId }`: the data of the inactivity, wrap-up and archive timers. */
export interface ConversationRef {
  conversationId: string;
}

export interface OfferTimerData {
  agentId: string;
}

/** The `opening` timer (keyed by conversation): the task to create when the business hours open. */
export interface OpeningTimerData {
  conversationId: string;
  reason: TaskReason;
  listId?: string;
  requiredSkills?: string[];
}

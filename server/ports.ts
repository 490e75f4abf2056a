import type { Kysely } from 'kysely';
import type { Adapter } from 'socket.io-adapter';
import type {
  Activity,
  ActivityDraft,
  AgentTask,
  Channel,
  ConnectorOutbound,
  Conversation,
  ConversationState,
  ConversationView,
  Customer,
  ServerToClientEvents,
  TypingPush,
  User,
} from '@conversation-hub/client-sdk/contract';
import type { ConversationDoc, Transition } from './domain/conversation.js';
import type { Database } from './persistence/database.js';
import type { HubRedisClient } from './redis/connect.js';
import type { RoutingStore } from './routing/routing-store.js';
import type { RetryPolicy, TimerHandler, TimerKind } from './scheduler/scheduler.js';
import type { ReportOutbox } from './reporting/outbox.js';
import type { ArchiveFailureStore } from './store/archive-failures.js';
import type { AppendOptions, AppendResult, Committed, StoredConversation } from './store/conversation-store.js';

/**
 * Every port of the engine in one place. Each has a local implementation (embedded mode) and a
 * distributed one (cluster mode), chosen at start-up in server/parts/, and one conformance suite
 * in test/conformance/ run against both.
 */

export type { AppendOptions, AppendResult, Committed, StoredConversation } from './store/conversation-store.js';
export type { ArchiveFailure, ArchiveFailureStore } from './store/archive-failures.js';
export type { AgentStateInput, AgentStatus, ClosedTask, CreateTaskInput, Offer, PositionChange, PositionNotes, QueueLength, Requeued, RoutingStore } from './routing/routing-store.js';
export type { RetryPolicy, Timer, TimerHandler, TimerKind, TimerOutcome } from './scheduler/scheduler.js';

/**
 * Live conversations. Every method is one atomic step, whatever node calls it: the in-memory
 * implementation runs on one event loop; the Redis one commits each step with one Lua script in the
 * conversation's slot, and what follows it in other slots after (redis-store.ts).
 */
export interface ConversationStore {
  get(id: string): Promise<StoredConversation | null>;
  /** The customer's conversation that is not `closing` or `closed`, if any: at most one exists. */
  openConversationOf(customerId: string): Promise<string | null>;
  /**
   * Runs `tx` on the conversation and commits its doc and activities (seqs assigned in order) as
   * one step. `tx` is pure and may run more than once when another node changed the conversation
   * in between. A change whose doc is the one passed in, with no activities, writes nothing.
   * Throws `not_found` when the conversation is not live.
   */
  update<R>(id: string, tx: Transition<ConversationDoc, R>): Promise<Committed<R>>;
  /**
   * The same for the customer's open conversation: `tx` gets it, or null when there is none (then
   * it creates one, and the store makes that the customer's open conversation).
   */
  updateForCustomer<R>(customerId: string, tx: Transition<ConversationDoc | null, R>): Promise<Committed<R>>;
  /**
   * Appends one activity with the next seq. A `clientMessageId` seen before in this conversation
   * returns the first activity with `duplicate: true`. Throws `not_found` unless the conversation
   * is live and joinable (not `closing` or `closed`).
   */
  append(id: string, activity: ActivityDraft, options?: AppendOptions): Promise<AppendResult>;
  /** Activities with seq > afterSeq, at most `limit`, in order, and the conversation's last seq. */
  since(id: string, afterSeq: number, limit: number): Promise<{ activities: Activity[]; lastSeq: number }>;
  /** Every activity in order: for the archive. */
  all(id: string): Promise<Activity[]>;
  /** Drops the live state; call only once the archive has it. */
  remove(id: string): Promise<void>;
  /** Live conversations the participant (not a customer) is in now: to rejoin their rooms on reconnect. */
  conversationsOf(participantId: string): Promise<string[]>;
  /** Ids of every live conversation. */
  listIds(): Promise<string[]>;
  /** How many live conversations are in each state (a state with none may be absent): cheap, for the metrics. */
  countByState(): Promise<ConversationStateCounts>;
  close(): Promise<void>;
}

export type ConversationStateCounts = Partial<Record<ConversationState, number>>;

/**
 * Delayed, resettable, cancellable timers. A timer is named by (kind, key): setting it again moves
 * it, so there is never a moment with no timer, and it fires once, on one node, even when the
 * node that set it has died (the BullMQ implementation). Handlers must be idempotent and check the
 * authoritative state: a timer may fire after the thing it guards changed.
 */
export interface Scheduler {
  handle<D>(kind: TimerKind, handler: TimerHandler<D>, retry?: RetryPolicy): void;
  start(): Promise<void>;
  /** Arms (kind, key) to fire at `dueAt` (epoch ms); if it is armed already, it moves to `dueAt`. */
  set<D>(kind: TimerKind, key: string, dueAt: number, data: D): Promise<void>;
  /** Arms (kind, key) to fire at `dueAt` unless it is armed already (then it is left as it is): housekeeping's repair. */
  ensure<D>(kind: TimerKind, key: string, dueAt: number, data: D): Promise<void>;
  cancel(kind: TimerKind, key: string): Promise<void>;
  /** Stops firing; pending timers stay pending (BullMQ) or are dropped (local). */
  close(): Promise<void>;
}

/**
 * How the engine reaches sockets, wherever they are connected: the Socket.IO transport implements
 * it with rooms, so the in-memory or the Redis adapter carries it to every node.
 */
export interface Fanout {
  /**
   * Each activity to the conversation's participants who may see it; not to `skipSocket` (the
   * calling socket, whose acknowledgement carries the activity); its other tabs still get it.
   */
  activities(list: readonly Activity[], skipSocket?: string): void;
  /** Every socket of the participant, on every node, joins the conversation's rooms. */
  join(participantId: string, conversationId: string, seesAgents: boolean): Promise<void>;
  leave(participantId: string, conversationId: string): Promise<void>;
  toParticipant<E extends keyof ServerToClientEvents>(participantId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
  typing(push: TypingPush): void;
  /** To every socket of the agents serving a list (pull mode's `task.queued`). */
  toList<E extends keyof ServerToClientEvents>(listId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
  /** The agent's sockets, on every node, follow its lists. */
  setLists(agentId: string, join: string[], leave: string[]): Promise<void>;
  /** Whether the participant has a socket on any node. */
  isConnected(participantId: string): Promise<boolean>;
  /** The socket (on any node) starts or stops getting the `dashboard` pushes (`supervisor.watch`); a closed socket stops by itself. */
  watchDashboard(socketId: string, on: boolean): Promise<void>;
  /** Whether any socket, on any node, watches the dashboard. */
  hasWatchers(): Promise<boolean>;
  /** To every socket watching the dashboard, on every node. */
  toWatchers<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
  connectorOutbound(outbound: ConnectorOutbound): void;
}

/** Channels by service identifier (Postgres, cached by the implementation). */
export interface ChannelDirectory {
  byServiceIdentifier(serviceIdentifier: string): Promise<Channel | null>;
}

/** Customers by (channel type, identifier); an unknown pair makes an anonymous customer. */
export interface CustomerDirectory {
  resolve(channelType: string, identifier: string, name?: string): Promise<Customer>;
  /**
   * The known customer a website's valid identity token names (PROTOCOL.md §2.2): the one linked to
   * `subject` in `namespace` (`site:<serviceIdentifier>`), else the owner of the verified `email`,
   * else a new one; the email is linked when nobody has it. Only for verified identities.
   */
  resolveVerified(identity: { namespace: string; subject: string; email?: string; name?: string }): Promise<Customer>;
  get(customerId: string): Promise<Customer | null>;
}

/** Accounts of agents, supervisors and admins (PROTOCOL.md §2.3), read by the engine and the handshake. */
export interface UserDirectory {
  /**
   * The user of that id, or null when it is no user's (a token a back end minted with the admin
   * key). May be up to a few seconds old on another node; the node that changed it knows at once.
   */
  get(userId: string): Promise<User | null>;
}

/** The live sockets of users, on every node: the transport implements it through the adapter. */
export interface Sessions {
  /** Ends every socket of the user on every node, after a `session.expired` push with reason `revoked`. */
  dropUser(userId: string): Promise<void>;
}

/** The permanent record (Postgres): closed conversations and the customer's history. */
export interface Archive {
  /** Writes the whole conversation in one transaction; idempotent; throws when the database is away. */
  save(conversation: Conversation, activities: Activity[], tasks: AgentTask[]): Promise<void>;
  find(conversationId: string): Promise<ConversationView | null>;
  history(customerId: string, limit: number): Promise<ConversationView[]>;
}

/** The record's admin side: the database behind channels, customers and the archive (the admin REST API). */
export interface AdminDirectory {
  readonly db: Kysely<Database>;
  /** An admin changed channels on this node: forget every cached one. */
  channelsChanged(): void;
}

/** A Redis connection (the main one, with a command timeout) and the key prefix for the limits' keys. */
export interface LimiterStore {
  redis: HubRedisClient;
  prefix: string;
}

/** The swappable parts: in-memory and PGlite in embedded mode, Redis and Postgres in a cluster. */
export interface Parts {
  store: ConversationStore;
  routing: RoutingStore;
  scheduler: Scheduler;
  channels: ChannelDirectory;
  customers: CustomerDirectory;
  archive: Archive;
  admin: AdminDirectory;
  /** Socket.IO adapter constructor; undefined is the in-memory one. */
  adapter?: (nsp: unknown) => Adapter;
  /** Where the rate limits and the socket cap are counted across nodes (server/transport/limits.ts); undefined: this process's memory. */
  limiterStore?: LimiterStore;
  /** Dead-lettered archives (server/store/archive-failures.ts), kept with the live state; undefined: this process's memory. */
  archiveFailures?: ArchiveFailureStore;
  /** Report rows on their way to Postgres (server/reporting/); undefined: no live reporting. */
  reportOutbox?: ReportOutbox;
  /** Throws when a backing service is unreachable (`/readyz`). */
  ready(): Promise<void>;
  /**
   * Each backing service by name (`redis`, `postgres`): `'ok'` or why not, each bounded in time
   * (server/readiness.ts); `/readyz` answers these. Unset: one check, `parts`, from `ready()`.
   */
  checks?(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

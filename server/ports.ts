import type { Kysely } from 'kysely';
import type { Adapter } from 'socket.io-adapter';
import type {
  Activity,
  AgentTask,
  Channel,
  ConnectorOutbound,
  Conversation,
  ConversationView,
  Customer,
  CustomerIdentifier,
  ServerToClientEvents,
  TypingPush,
} from '@conversation-hub/client-sdk/contract';
import type { Database } from './persistence/database.js';
import type { RoutingStore } from './routing/routing-store.js';
import type { Scheduler } from './scheduler/scheduler.js';
import type { ConversationStore } from './store/conversation-store.js';

/**
 * Every port of the engine in one place. Each has a local implementation (embedded mode) and a
 * distributed one (cluster mode), chosen at start-up in server/parts/, and one conformance suite
 * in test/conformance/ run against both.
 */

export type { AppendOptions, AppendResult, Committed, ConversationStore, StoredConversation } from './store/conversation-store.js';
export type { AgentStatus, ClosedTask, CreateTaskInput, Offer, Requeued, RoutingStore } from './routing/routing-store.js';
export type { RetryPolicy, Scheduler, Timer, TimerHandler, TimerKind, TimerOutcome } from './scheduler/scheduler.js';

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
   * The customer who owns `primary` (a pre-chat email), with `secondary` (the visitor id) linked to
   * them; when nobody owns it, the customer of `secondary`, with `primary` linked.
   */
  identify(primary: CustomerIdentifier, secondary: CustomerIdentifier, name?: string): Promise<Customer>;
  get(customerId: string): Promise<Customer | null>;
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
  /** Throws when a backing service is unreachable (`/readyz`). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

import type { Activity, ActivityDraft } from '@conversation-hub/client-sdk/contract';
import type { Change, ConversationDoc, Transition } from '../domain/conversation.js';

/** One live conversation as stored: the doc, its last seq, and when the customer last spoke on each session. */
export interface StoredConversation {
  doc: ConversationDoc;
  lastSeq: number;
  /** Epoch ms of the customer's last activity per open channel session (reset of the inactivity timer). */
  sessionActivity: Record<string, number>;
}

/** A transition as committed: its activities now carry their seqs. */
export interface Committed<R> {
  doc: ConversationDoc;
  activities: Activity[];
  result: R;
  lastSeq: number;
}

export { connectorTargets, type ConnectorTarget } from '../domain/connector-targets.js';
import type { ConnectorTarget } from '../domain/connector-targets.js';

export interface AppendResult {
  activity: Activity;
  duplicate: boolean;
  /** The conversation's connector-served open sessions, so the caller needs no read to tell connectors. */
  connectors: ConnectorTarget[];
}

export interface AppendOptions {
  /**
   * The customer's channel session the activity came through: the append fails with `conflict`
   * (`SessionClosedError`) unless it is open, and records the time on it.
   */
  sessionId?: string;
  /** The sender (not a customer): the append fails with `forbidden` unless they are in the conversation. */
  participantId?: string;
}

/**
 * Live conversations. Every method is one atomic step, whatever node calls it: the in-memory
 * implementation runs on one event loop; the Redis one uses one Lua script per step.
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
  close(): Promise<void>;
}

export type { Change, ConversationDoc, Transition };

import type { Activity, ActivityDraft, ConversationState } from '@conversation-hub/client-sdk/contract';
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
  /** The conversation's state when appended (absent for a duplicate): an agent-less one may need a task (the reroute rule). */
  state?: ConversationState;
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

export type { Change, ConversationDoc, Transition };

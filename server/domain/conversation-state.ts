import type { ConversationState } from '@conversation-hub/client-sdk/contract';

/** What the state of a conversation is derived from; nothing else changes it. */
export interface ConversationFacts {
  /** Open customer channel sessions, on any channel. */
  openCustomerSessions: number;
  /** Participants with role `agent` in the conversation now (supervisors, bots, apps don't count). */
  agentsPresent: number;
  /** An agent has been in the conversation at some point. */
  agentsEverJoined: boolean;
  /** Wrap-up is on for the conversation's channel. */
  wrapUpEnabled: boolean;
  /** The archive has the conversation: terminal. */
  archived: boolean;
}

/**
 * The seeds' state machine as a pure function of the facts (PROTOCOL.md §1.2).
 * `closing` is sticky: once customer and agents are gone the archive runs, and a returning customer
 * gets a new conversation (the store enforces that; see `isJoinable`).
 */
export function computeState(f: ConversationFacts, previous?: ConversationState): ConversationState {
  if (f.archived || previous === 'closed') return 'closed';
  if (previous === 'closing') return 'closing';
  if (f.openCustomerSessions > 0) {
    if (f.agentsPresent > 0) return 'active';
    return f.agentsEverJoined ? 'inactive' : 'created';
  }
  if (f.agentsPresent > 0) return f.wrapUpEnabled ? 'wrap_up' : 'customer_left';
  return 'closing';
}

/** A customer who comes back before `closing` rejoins the same conversation. */
export function isJoinable(state: ConversationState): boolean {
  return state !== 'closing' && state !== 'closed';
}

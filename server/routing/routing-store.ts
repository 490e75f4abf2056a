import type { AgentTask, RoutingMode } from '@conversation-hub/client-sdk/contract';
import type { AgentPresence } from '../domain/routing-rules.js';

/** An agent as stored: its presence, and what its load and pending offers are made of. */
export interface AgentStatus extends AgentPresence {
  /** Conversations it has now (load = length). */
  conversationIds: string[];
  /** Tasks offered to it and not answered yet (pendingOffers = length). */
  offeredTaskIds: string[];
}

export interface AgentStateInput {
  state: 'ready' | 'not_ready';
  /** Kept when omitted; 1 for an agent seen the first time. */
  capacity?: number;
  /** Kept when omitted; none for an agent seen the first time. */
  lists?: string[];
}

export interface CreateTaskInput {
  id: string;
  conversationId: string;
  listId?: string;
  mode: RoutingMode;
  /** Only this agent may be offered it (a transfer to a named agent). */
  targetAgentId?: string;
  /**
   * When the conversation already has a task waiting for an agent (queued or offered), answer
   * that one with `created: false` instead: two nodes deciding "this needs a human" at the same
   * time make one task.
   */
  unlessPending?: boolean;
}

/** An offer just made: the engine pushes `task.offered` to `agentId` and arms the offer timer. */
export interface Offer {
  task: AgentTask;
  agentId: string;
  expiresAt: number;
}

/** A task the agent had an offer for went back to the queue (reject, expiry). */
export interface Requeued {
  task: AgentTask;
  /** The agent whose offer was revoked; it will not be offered this task again. */
  agentId: string;
}

export interface ClosedTask {
  task: AgentTask;
  /** false when it was closed already: nothing changed. */
  changed: boolean;
  /** The agent it was offered to: send it `task.revoked` with reason `closed`. */
  revokedAgentId?: string;
  /** The agent it was accepted by, whose load dropped for this conversation. */
  freedAgentId?: string;
}


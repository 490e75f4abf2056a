import type { AgentTask, RoutingMode, TaskReason } from '@conversation-hub/client-sdk/contract';
import type { AgentPresence } from '../domain/routing-rules.js';

/** An agent as stored: its presence, and what its load and pending offers are made of. */
export interface AgentStatus extends AgentPresence {
  /** Conversations it has now (load = length). */
  conversationIds: string[];
  /** Tasks offered to it and not answered yet (pendingOffers = length). */
  offeredTaskIds: string[];
  /** Why it is not ready (`agent.state`'s reason), while not ready. */
  notReadyReason?: string;
  /** Epoch ms of its last change of state or reason: the dashboard's "since". */
  stateSince: number;
}

export interface AgentStateInput {
  state: 'ready' | 'not_ready';
  /** Kept when omitted; 1 for an agent seen the first time. */
  capacity?: number;
  /** Kept when omitted; none for an agent seen the first time. */
  lists?: string[];
  /** Kept when omitted; none for an agent seen the first time. */
  skills?: string[];
  /** With not_ready: why. Dropped when ready, or not_ready without one. */
  reason?: string;
}

export interface CreateTaskInput {
  id: string;
  conversationId: string;
  listId?: string;
  mode: RoutingMode;
  reason: TaskReason;
  /** An agent needs every one of these to be offered or to pull it. */
  requiredSkills?: string[];
  /** Agents not to offer it to (the transferring agent), as if they had refused it. */
  exclude?: string[];
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
  /** The agent whose offer was revoked; it will not be offered this task again (until `retryOffer`). */
  agentId: string;
  /** When that offer was made (ISO): with taskId and agentId it names the offer in the reports. */
  offeredAt: string;
  /** The task had a target (a transfer to a named agent): the engine gives it back to its channel's routing (`retarget`). */
  targeted: boolean;
}

/** A customer's place in its queue, changed since it was last told. */
export interface PositionChange {
  task: AgentTask;
  /** 1 = next. Among the list's waiting (queued or offered) tasks, oldest first. */
  position: number;
}

export interface PositionNotes {
  changed: PositionChange[];
  /** Some changes were held back (told less than the interval ago): call again at this epoch ms. */
  retryAt?: number;
  /** The average of the list's last 20 waits (createdAt to accepted), seconds; null before the first. */
  averageWaitSeconds: number | null;
}

export interface ClosedTask {
  task: AgentTask;
  /** false when it was closed already: nothing changed. */
  changed: boolean;
  /** The agent it was offered to: send it `task.revoked` with reason `closed`. */
  revokedAgentId?: string;
  /** When the revoked offer was made (ISO). */
  revokedOfferedAt?: string;
  /** The agent it was accepted by, whose load dropped for this conversation. */
  freedAgentId?: string;
}


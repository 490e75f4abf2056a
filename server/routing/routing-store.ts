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

/**
 * Agent presence, capacity, offers and queues. Every method is one atomic step, whatever node
 * calls it: the in-memory implementation runs on one event loop without awaiting in between; a
 * Redis one uses one Lua script per method (the routing decisions are the pure functions of
 * server/domain/routing-rules.ts, which a script mirrors). Objects go in and out as copies.
 *
 * Time is `now`, epoch ms, given by the caller (task timestamps are its ISO form).
 * An agent's load is the set of conversations it accepted a task for: releasing a conversation
 * twice, or closing its task after releasing it, frees it once.
 */
export interface RoutingStore {
  /**
   * Sets state, and capacity and lists when given, creating the agent (disconnected) when unknown.
   * Becoming ready (from not_ready or unknown) resets `idleSince` to `now`. Pending offers stay:
   * they expire or get answered.
   */
  setAgentState(agentId: string, input: AgentStateInput, now: number): Promise<AgentStatus>;
  /** Whether the agent has a socket somewhere; creates it not_ready when unknown. */
  setConnected(agentId: string, connected: boolean, now: number): Promise<AgentStatus>;
  getAgent(agentId: string): Promise<AgentStatus | null>;

  /** Creates a queued task; `conflict` if the id exists. See `unlessPending`. */
  createTask(input: CreateTaskInput, now: number): Promise<{ task: AgentTask; created: boolean }>;
  getTask(taskId: string): Promise<AgentTask | null>;
  /** Every task of the conversation, oldest first. */
  tasksOf(conversationId: string): Promise<AgentTask[]>;
  /** Tasks queued on the list (`null`: tasks without a list), oldest first, both modes. */
  queued(listId: string | null): Promise<AgentTask[]>;

  /**
   * Push mode: picks the agent with `pickAgent` (not one that rejected it or let it expire) and
   * marks the task offered to it, holding a slot of its capacity until answered. Null, task left
   * as it was, when no agent fits or the task is not a queued push-mode task. `not_found` when unknown.
   */
  offerNext(taskId: string, now: number, expiresAt: number): Promise<Offer | null>;
  /**
   * For an agent that became ready, reconnected or freed a slot: offers it the oldest queued
   * push-mode task it may take (`nextTaskFor`). Null when none or the agent cannot take one.
   * Call it again until null to fill every free slot.
   */
  nextTaskForAgent(agentId: string, now: number, expiresAt: number): Promise<Offer | null>;
  /**
   * offered → accepted, only by the agent it is offered to; the offer's slot becomes load for the
   * conversation. `conflict` otherwise (expired meanwhile, offered to another, closed).
   */
  accept(taskId: string, agentId: string, now: number): Promise<AgentTask>;
  /**
   * The agent says no: back to queued, the agent excluded from it, the slot freed. `conflict`
   * unless it is offered to that agent. The caller then runs `offerNext`.
   */
  reject(taskId: string, agentId: string, now: number): Promise<Requeued>;
  /**
   * The offer timer fired: the same as reject. Null, nothing changed, when the offer is no longer
   * pending for that agent (accepted, rejected or closed meanwhile): a late timer is normal.
   */
  expire(taskId: string, agentId: string, now: number): Promise<Requeued | null>;
  /**
   * An agent takes a queued task (pull mode; a push-mode task still queued too): queued →
   * accepted, load +1. Of concurrent callers exactly one wins; the others get `conflict`.
   * `not_found` for an unknown task or agent, `forbidden` when the agent does not serve its list,
   * `conflict` when the agent has no free slot.
   */
  pull(taskId: string, agentId: string, now: number): Promise<AgentTask>;
  /**
   * Closes the task (idempotent: `changed: false` when closed already). A pending offer is
   * revoked and its slot freed; an accepted task frees its agent's load for the conversation.
   */
  closeTask(taskId: string, now: number): Promise<ClosedTask>;
  /**
   * The agent left the conversation: its load for it is freed (no-op when it had none). Its task
   * stays as it is; close it with `closeTask`. Returns the agent, or null when unknown.
   */
  releaseAgent(agentId: string, conversationId: string, now: number): Promise<AgentStatus | null>;
  /**
   * Drops the conversation's tasks once the archive has their rows, so closed tasks do not pile up.
   * Tasks still open are closed first as by `closeTask`; those are answered (`changed: true`).
   */
  forgetConversation(conversationId: string, now: number): Promise<ClosedTask[]>;

  close(): Promise<void>;
}

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


export interface QueueLength {
  listId: string | null;
  queued: number;
}

/**
 * Agent presence, capacity, offers and queues (a port of the engine, re-exported by server/ports.ts). Every method is one atomic step, whatever node
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
   * Sets state, and capacity, lists and skills when given, creating the agent (disconnected) when
   * unknown, with the store's default capacity (`HUB_AGENT_CAPACITY`). Becoming ready (from
   * not_ready or unknown) resets `idleSince` to `now`. A change of state or reason sets
   * `stateSince`. Pending offers stay: they expire or get answered.
   */
  setAgentState(agentId: string, input: AgentStateInput, now: number): Promise<AgentStatus>;
  /** Whether the agent has a socket somewhere; creates it not_ready, with the default capacity, when unknown. */
  setConnected(agentId: string, connected: boolean, now: number): Promise<AgentStatus>;
  getAgent(agentId: string): Promise<AgentStatus | null>;
  /** Every agent known, by agentId: the dashboard and housekeeping. */
  listAgents(): Promise<AgentStatus[]>;

  /** Creates a queued task; `conflict` if the id exists. See `unlessPending`. */
  createTask(input: CreateTaskInput, now: number): Promise<{ task: AgentTask; created: boolean }>;
  getTask(taskId: string): Promise<AgentTask | null>;
  /** Every task of the conversation, oldest first. */
  tasksOf(conversationId: string): Promise<AgentTask[]>;
  /** Tasks queued on the list (`null`: tasks without a list), oldest first, both modes. */
  queued(listId: string | null): Promise<AgentTask[]>;
  /** How many tasks wait on each list that has any (`null`: without a list): for the metrics. */
  queueLengths(): Promise<QueueLength[]>;
  /** Tasks of the list waiting for an agent (queued or offered), oldest first, both modes. */
  waiting(listId: string | null): Promise<AgentTask[]>;
  /**
   * The customers' places on the list: each waiting task's position (1 = oldest) compared with the
   * one last noted for it; a different one is noted (with `now`) and answered, unless the last
   * note is younger than `minIntervalMs` (then `retryAt`). Atomic, so two nodes never both tell.
   */
  notePositions(listId: string | null, now: number, minIntervalMs: number): Promise<PositionNotes>;

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
   * A queued push-mode task that agents refused, offered again (`offerRetrySeconds` later): its
   * refusals are forgotten, and of the agents that refused it and fit now, the one that refused
   * first is offered it; when none fits, `offerNext`'s pick. Null, nothing offered, when no agent
   * fits or the task is not a queued push-mode task (its refusals are forgotten all the same).
   */
  retryOffer(taskId: string, now: number, expiresAt: number): Promise<Offer | null>;
  /**
   * A queued task with a target (a transfer the target refused): it loses the target and joins
   * `listId` (none: no list) in `mode`, not to be offered to `exclude`. `conflict` unless queued.
   */
  retarget(taskId: string, to: { listId?: string; mode: RoutingMode; exclude: string[] }, now: number): Promise<AgentTask>;
  /**
   * The offer timer fired: the same as reject. Null, nothing changed, when the offer is no longer
   * pending for that agent (accepted, rejected or closed meanwhile): a late timer is normal.
   */
  expire(taskId: string, agentId: string, now: number): Promise<Requeued | null>;
  /**
   * An agent takes a queued task (pull mode; a push-mode task still queued too): queued →
   * accepted, load +1. Of concurrent callers exactly one wins; the others get `conflict`.
   * `not_found` for an unknown task or agent, `forbidden` when the agent does not serve its list
   * or lacks a required skill, `conflict` when the agent has no free slot.
   * Accepting (here and in `accept`) notes the task's wait for its list's `averageWaitSeconds`.
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

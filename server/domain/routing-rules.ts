import type { AgentTask, AgentTaskState, RoutingMode, TaskReason } from '@conversation-hub/client-sdk/contract';
import { conflict } from './errors.js';

/**
 * Routing decisions and AgentTask transitions, pure. The RoutingStore runs them inside one atomic
 * step (one event-loop turn in memory, one Lua script in Redis), so they must not read clocks or
 * randomness: time comes in as `now` (epoch ms).
 */

/** An agent as routing sees it. */
export interface AgentPresence {
  agentId: string;
  state: 'ready' | 'not_ready';
  /** Has at least one socket on some node; a disconnected agent is never offered work. */
  connected: boolean;
  /** How many conversations it handles at once. */
  capacity: number;
  /** Conversations it has now. */
  load: number;
  /** Offers it holds and has not answered: they take capacity like load does, so one free slot gets one offer. */
  pendingOffers: number;
  /** Lists (queues) it serves. */
  lists: string[];
  /** What it can do: a task with required skills goes only to agents with all of them. */
  skills: string[];
  /** Epoch ms since it last had zero load or became ready: the smallest is the one idle longest. */
  idleSince: number;
}

/**
 * A task with what routing needs besides the wire AgentTask. Kept apart from AgentTask so the
 * engine can send `task` as is.
 */
export interface RoutedTask {
  task: AgentTask;
  mode: RoutingMode;
  /** Agents who rejected it or let an offer expire (or were excluded at creation), oldest first: it is not offered to them again. */
  excluded: string[];
  /** Only this agent may get it (a transfer to a named agent). */
  targetAgentId?: string;
  /** Epoch ms the current offer expires, while `offered`. */
  offerExpiresAt?: number;
}

export interface PickOptions {
  /** Agents that already rejected or let this task expire. */
  exclude?: readonly string[];
  /** Only this agent may be picked. */
  only?: string;
}

/** Ready, connected and with a free slot. */
export function hasFreeCapacity(a: AgentPresence): boolean {
  return a.state === 'ready' && a.connected && a.load + a.pendingOffers < a.capacity;
}

/** A task without a list can go to any agent; one with a list only to agents serving it. */
export function servesList(a: Pick<AgentPresence, 'lists'>, listId: string | undefined): boolean {
  return listId === undefined || a.lists.includes(listId);
}

/** The agent has every skill the task requires (a task without required skills: anyone). */
export function hasSkills(a: Pick<AgentPresence, 'skills'>, task: Pick<AgentTask, 'requiredSkills'>): boolean {
  return (task.requiredSkills ?? []).every((s) => a.skills.includes(s));
}

/** Whether `a` could be offered `task` now, exclusions aside: a free slot, its list, its skills, the target. */
function fits(a: AgentPresence, task: AgentTask, only: string | undefined): boolean {
  return hasFreeCapacity(a) && servesList(a, task.listId) && hasSkills(a, task) && (only === undefined || a.agentId === only);
}

/**
 * The agent to offer `task` to: ready, connected, with free capacity, serving its list, with its
 * skills, not excluded; the one idle longest, ties broken by agentId so every node picks the same.
 * Null when none.
 */
export function pickAgent(
  task: AgentTask,
  agents: readonly AgentPresence[],
  options: PickOptions = {},
): AgentPresence | null {
  const exclude = options.exclude ?? [];
  let best: AgentPresence | null = null;
  for (const a of agents) {
    if (!fits(a, task, options.only) || exclude.includes(a.agentId)) continue;
    if (!best || a.idleSince < best.idleSince || (a.idleSince === best.idleSince && a.agentId < best.agentId)) best = a;
  }
  return best;
}

/**
 * `retryOffer`'s pick, its refusals forgotten: of the agents that refused it (`refusedBy`, oldest
 * refusal first) the first that fits now, so the retry goes back to whoever was asked first; when
 * none fits, pickAgent's choice among everyone.
 */
export function pickRetryAgent(
  task: AgentTask,
  agents: readonly AgentPresence[],
  refusedBy: readonly string[],
  only?: string,
): AgentPresence | null {
  for (const id of refusedBy) {
    const a = agents.find((x) => x.agentId === id);
    if (a && fits(a, task, only)) return a;
  }
  return pickAgent(task, agents, only === undefined ? {} : { only });
}

/** Whether `agent` may be offered `t` now (push mode, queued, its list, its skills, not excluded, a free slot, the target). */
export function mayTake(agent: AgentPresence, t: RoutedTask): boolean {
  return t.mode === 'push' && t.task.state === 'queued' && fits(agent, t.task, t.targetAgentId) && !t.excluded.includes(agent.agentId);
}

/** Oldest first: createdAt, then id, so the order is total and the same everywhere. */
export function compareTasks(a: AgentTask, b: AgentTask): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The oldest queued push-mode task `agent` may take now, or null: for an agent that became ready or freed a slot. */
export function nextTaskFor(agent: AgentPresence, queuedTasks: readonly RoutedTask[]): RoutedTask | null {
  let best: RoutedTask | null = null;
  for (const t of queuedTasks) {
    if (!mayTake(agent, t)) continue;
    if (!best || compareTasks(t.task, best.task) < 0) best = t;
  }
  return best;
}

// ---- AgentTask transitions --------------------------------------------------
// Each returns a new task; an invalid one throws `conflict` with `{ taskId, state }` so the caller
// (an agent racing a timer, two nodes) learns why.

const iso = (now: number) => new Date(now).toISOString();

function requireState(task: AgentTask, states: readonly AgentTaskState[], action: string): void {
  if (!states.includes(task.state)) throw conflict(`cannot ${action} a task that is ${task.state}`, { taskId: task.id, state: task.state });
}

function requireOfferedTo(task: AgentTask, agentId: string, action: string): void {
  requireState(task, ['offered'], action);
  if (task.agentId !== agentId) throw conflict(`task is offered to another agent`, { taskId: task.id, state: task.state });
}

export interface NewTaskInput {
  id: string;
  conversationId: string;
  listId?: string;
  reason: TaskReason;
  requiredSkills?: readonly string[];
}

/** A queued task; `requiredSkills` kept only when there are some (none: anyone may take it). */
export function newTask(input: NewTaskInput, now: number): AgentTask {
  const task: AgentTask = { id: input.id, conversationId: input.conversationId, state: 'queued', reason: input.reason, createdAt: iso(now) };
  if (input.listId !== undefined) task.listId = input.listId;
  if (input.requiredSkills !== undefined && input.requiredSkills.length > 0) task.requiredSkills = [...input.requiredSkills];
  return task;
}

/** queued → offered to `agentId`. */
export function offerTask(task: AgentTask, agentId: string, now: number): AgentTask {
  requireState(task, ['queued'], 'offer');
  return { ...task, state: 'offered', agentId, offeredAt: iso(now) };
}

/** offered → accepted, only by the agent it is offered to. */
export function acceptTask(task: AgentTask, agentId: string, now: number): AgentTask {
  requireOfferedTo(task, agentId, 'accept');
  return { ...task, state: 'accepted', acceptedAt: iso(now) };
}

/** queued → accepted straight away (pull mode: the agent took it off the list). */
export function pullTask(task: AgentTask, agentId: string, now: number): AgentTask {
  requireState(task, ['queued'], 'pull');
  return { ...task, state: 'accepted', agentId, acceptedAt: iso(now) };
}

/** offered → rejected, only by the agent it is offered to. */
export function rejectTask(task: AgentTask, agentId: string): AgentTask {
  requireOfferedTo(task, agentId, 'reject');
  return { ...task, state: 'rejected' };
}

/** offered → expired: the offer timed out. */
export function expireTask(task: AgentTask, agentId: string): AgentTask {
  requireOfferedTo(task, agentId, 'expire');
  return { ...task, state: 'expired' };
}

/** rejected | expired → queued again, without the agent, ready for the next offer. */
export function requeueTask(task: AgentTask): AgentTask {
  requireState(task, ['rejected', 'expired'], 'requeue');
  const { agentId: _agent, offeredAt: _offered, ...rest } = task;
  return { ...rest, state: 'queued' };
}

/** Anything but closed → closed (the conversation ended, the agent finished, a transfer replaced it). */
export function closeTask(task: AgentTask, now: number): AgentTask {
  requireState(task, ['queued', 'offered', 'accepted', 'rejected', 'expired'], 'close');
  return { ...task, state: 'closed', closedAt: iso(now) };
}

/** Waiting for an agent: a new task for the same need is not created while one is. */
export function isPending(task: AgentTask): boolean {
  return task.state === 'queued' || task.state === 'offered';
}

export function isOpen(task: AgentTask): boolean {
  return task.state !== 'closed';
}

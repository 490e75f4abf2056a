import type { AgentTask, RoutingMode } from '@conversation-hub/client-sdk/contract';
import { conflict, forbidden, notFound } from '../domain/errors.js';
import { averageWaitSeconds, decidePositions, RECENT_WAITS, type PositionNote } from '../domain/queue-positions.js';
import {
  acceptTask,
  closeTask as closedTask,
  compareTasks,
  expireTask,
  hasSkills,
  isPending,
  newTask,
  nextTaskFor,
  offerTask,
  pickAgent,
  pickRetryAgent,
  pullTask,
  rejectTask,
  requeueTask,
  servesList,
  type RoutedTask,
} from '../domain/routing-rules.js';
import type { AgentStateInput, AgentStatus, ClosedTask, CreateTaskInput, Offer, PositionNotes, QueueLength, Requeued, RoutingStore } from '../ports.js';
import { MemoryAgents, presence, view, type AgentRecord } from './memory-agents.js';

/** A task with the position its customer was last told. */
interface TaskRecord extends RoutedTask {
  noted?: PositionNote;
}

export interface MemoryRoutingStoreOptions {
  /** Capacity of an agent seen the first time (`HUB_AGENT_CAPACITY`). Default 1. */
  defaultCapacity?: number;
}

const listKey = (listId: string | undefined | null) => listId ?? null;

/**
 * Embedded mode's routing. Atomic because no method awaits between its reads and writes; the
 * decisions are the pure routing rules; copies go in and out.
 */
export class MemoryRoutingStore implements RoutingStore {
  private readonly agents: MemoryAgents;
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly byConversation = new Map<string, string[]>();
  /** Ids of queued tasks, so offering does not scan closed ones. */
  private readonly queuedIds = new Set<string>();
  /** Ids of queued or offered tasks: `waiting` and positions without a scan. */
  private readonly waitingIds = new Set<string>();
  /** Per list, the last RECENT_WAITS waits (ms), newest first. */
  private readonly waits = new Map<string | null, number[]>();

  constructor(options: MemoryRoutingStoreOptions = {}) {
    this.agents = new MemoryAgents(options.defaultCapacity ?? 1);
  }

  async setAgentState(agentId: string, input: AgentStateInput, now: number): Promise<AgentStatus> {
    return view(this.agents.setState(agentId, input, now));
  }

  async setConnected(agentId: string, connected: boolean, now: number): Promise<AgentStatus> {
    const a = this.agents.getOrNew(agentId, now);
    a.connected = connected;
    return view(a);
  }

  async getAgent(agentId: string): Promise<AgentStatus | null> {
    const a = this.agents.get(agentId);
    return a ? view(a) : null;
  }

  async listAgents(): Promise<AgentStatus[]> {
    return this.agents.all().map(view);
  }

  async createTask(input: CreateTaskInput, now: number): Promise<{ task: AgentTask; created: boolean }> {
    if (this.tasks.has(input.id)) throw conflict('task exists', { taskId: input.id });
    if (input.unlessPending) {
      const pending = this.routedOf(input.conversationId).find((t) => isPending(t.task));
      if (pending) return { task: structuredClone(pending.task), created: false };
    }
    const t: TaskRecord = { task: newTask(input, now), mode: input.mode, excluded: [...new Set(input.exclude ?? [])] };
    if (input.targetAgentId !== undefined) t.targetAgentId = input.targetAgentId;
    this.tasks.set(t.task.id, t);
    this.byConversation.set(input.conversationId, [...(this.byConversation.get(input.conversationId) ?? []), t.task.id]);
    this.queuedIds.add(t.task.id);
    this.waitingIds.add(t.task.id);
    return { task: structuredClone(t.task), created: true };
  }

  async getTask(taskId: string): Promise<AgentTask | null> {
    const t = this.tasks.get(taskId);
    return t ? structuredClone(t.task) : null;
  }

  async tasksOf(conversationId: string): Promise<AgentTask[]> {
    return this.routedOf(conversationId)
      .map((t) => structuredClone(t.task))
      .sort(compareTasks);
  }

  async queueLengths(): Promise<QueueLength[]> {
    const counts = new Map<string | null, number>();
    for (const t of this.queuedTasks()) counts.set(listKey(t.task.listId), (counts.get(listKey(t.task.listId)) ?? 0) + 1);
    return [...counts].map(([listId, queued]) => ({ listId, queued }));
  }

  async queued(listId: string | null): Promise<AgentTask[]> {
    return this.queuedTasks()
      .filter((t) => listKey(t.task.listId) === listId)
      .map((t) => structuredClone(t.task))
      .sort(compareTasks);
  }

  async waiting(listId: string | null): Promise<AgentTask[]> {
    return this.waitingOf(listId).map((t) => structuredClone(t.task));
  }

  async notePositions(listId: string | null, now: number, minIntervalMs: number): Promise<PositionNotes> {
    const waiting = this.waitingOf(listId);
    const decision = decidePositions(waiting.map((t) => t.noted), now, minIntervalMs);
    const changed = decision.tell.map((i) => {
      const t = waiting[i]!;
      t.noted = { position: i + 1, at: now };
      return { task: structuredClone(t.task), position: i + 1 };
    });
    const waits = this.waits.get(listId) ?? [];
    const out: PositionNotes = { changed, averageWaitSeconds: averageWaitSeconds(waits.reduce((s, w) => s + w, 0), waits.length) };
    if (decision.retryAt !== undefined) out.retryAt = decision.retryAt;
    return out;
  }

  async offerNext(taskId: string, now: number, expiresAt: number): Promise<Offer | null> {
    const t = this.taskOrThrow(taskId);
    if (t.mode !== 'push' || t.task.state !== 'queued') return null;
    const options = t.targetAgentId === undefined ? { exclude: t.excluded } : { exclude: t.excluded, only: t.targetAgentId };
    const picked = pickAgent(t.task, this.agents.presences(), options);
    return picked ? this.offer(t, this.agents.get(picked.agentId)!, now, expiresAt) : null;
  }

  async retryOffer(taskId: string, now: number, expiresAt: number): Promise<Offer | null> {
    const t = this.taskOrThrow(taskId);
    const refusedBy = t.excluded;
    t.excluded = [];
    if (t.mode !== 'push' || t.task.state !== 'queued') return null;
    const picked = pickRetryAgent(t.task, this.agents.presences(), refusedBy, t.targetAgentId);
    return picked ? this.offer(t, this.agents.get(picked.agentId)!, now, expiresAt) : null;
  }

  async retarget(taskId: string, to: { listId?: string; mode: RoutingMode; exclude: string[] }, _now: number): Promise<AgentTask> {
    const t = this.taskOrThrow(taskId);
    if (t.task.state !== 'queued') throw conflict(`cannot retarget a task that is ${t.task.state}`, { taskId, state: t.task.state });
    delete t.targetAgentId;
    t.mode = to.mode;
    if (to.listId === undefined) delete t.task.listId;
    else t.task.listId = to.listId;
    for (const id of to.exclude) if (!t.excluded.includes(id)) t.excluded.push(id);
    return structuredClone(t.task);
  }

  async nextTaskForAgent(agentId: string, now: number, expiresAt: number): Promise<Offer | null> {
    const a = this.agents.get(agentId);
    if (!a) return null;
    const t = nextTaskFor(presence(a), this.queuedTasks());
    return t ? this.offer(t, a, now, expiresAt) : null;
  }

  async accept(taskId: string, agentId: string, now: number): Promise<AgentTask> {
    const t = this.taskOrThrow(taskId);
    t.task = acceptTask(t.task, agentId, now);
    delete t.offerExpiresAt;
    this.waitingIds.delete(taskId);
    this.noteWait(t, now);
    const a = this.agents.get(agentId)!;
    this.agents.dropOffer(agentId, taskId);
    this.agents.addLoad(a, t.task.conversationId);
    return structuredClone(t.task);
  }

  async reject(taskId: string, agentId: string, _now: number): Promise<Requeued> {
    const t = this.taskOrThrow(taskId);
    return this.requeue(t, agentId, rejectTask(t.task, agentId));
  }

  async expire(taskId: string, agentId: string, _now: number): Promise<Requeued | null> {
    const t = this.tasks.get(taskId);
    if (!t || t.task.state !== 'offered' || t.task.agentId !== agentId) return null;
    return this.requeue(t, agentId, expireTask(t.task, agentId));
  }

  async pull(taskId: string, agentId: string, now: number): Promise<AgentTask> {
    const t = this.taskOrThrow(taskId);
    // The state first: the losers of a race learn it was taken, whatever else holds for them.
    if (t.task.state !== 'queued') throw conflict('task was taken', { taskId, state: t.task.state });
    const a = this.agents.get(agentId);
    if (!a) throw notFound('agent');
    if (!servesList(a, t.task.listId)) throw forbidden('agent does not serve the task list');
    if (t.targetAgentId !== undefined && t.targetAgentId !== agentId) throw forbidden('task is for another agent');
    if (!hasSkills(a, t.task)) throw forbidden('agent lacks a required skill');
    if (a.conversationIds.length + a.offeredTaskIds.length >= a.capacity) throw conflict('agent is at capacity', { reason: 'capacity' });
    t.task = pullTask(t.task, agentId, now);
    this.queuedIds.delete(taskId);
    this.waitingIds.delete(taskId);
    this.noteWait(t, now);
    this.agents.addLoad(a, t.task.conversationId);
    return structuredClone(t.task);
  }

  async closeTask(taskId: string, now: number): Promise<ClosedTask> {
    return this.close1(this.taskOrThrow(taskId), now);
  }

  async releaseAgent(agentId: string, conversationId: string, now: number): Promise<AgentStatus | null> {
    const a = this.agents.get(agentId);
    if (!a) return null;
    this.agents.free(a, conversationId, now);
    return view(a);
  }

  async forgetConversation(conversationId: string, now: number): Promise<ClosedTask[]> {
    const closed = this.routedOf(conversationId)
      .map((t) => this.close1(t, now))
      .filter((c) => c.changed);
    for (const id of this.byConversation.get(conversationId) ?? []) this.tasks.delete(id);
    this.byConversation.delete(conversationId);
    return closed;
  }

  async close(): Promise<void> {}

  // ---- one-step helpers: synchronous, called inside a method ---------------

  private taskOrThrow(taskId: string): TaskRecord {
    const t = this.tasks.get(taskId);
    if (!t) throw notFound('task');
    return t;
  }

  private routedOf(conversationId: string): TaskRecord[] {
    return (this.byConversation.get(conversationId) ?? []).map((id) => this.tasks.get(id)!);
  }

  private queuedTasks(): TaskRecord[] {
    return [...this.queuedIds].map((id) => this.tasks.get(id)!);
  }

  private waitingOf(listId: string | null): TaskRecord[] {
    return [...this.waitingIds]
      .map((id) => this.tasks.get(id)!)
      .filter((t) => listKey(t.task.listId) === listId)
      .sort((x, y) => compareTasks(x.task, y.task));
  }

  /** The task's wait (createdAt to now), for its list's averageWaitSeconds. */
  private noteWait(t: TaskRecord, now: number): void {
    const list = listKey(t.task.listId);
    this.waits.set(list, [now - Date.parse(t.task.createdAt), ...(this.waits.get(list) ?? [])].slice(0, RECENT_WAITS));
  }

  private offer(t: TaskRecord, a: AgentRecord, now: number, expiresAt: number): Offer {
    t.task = offerTask(t.task, a.agentId, now);
    t.offerExpiresAt = expiresAt;
    this.queuedIds.delete(t.task.id);
    a.offeredTaskIds.push(t.task.id);
    return { task: structuredClone(t.task), agentId: a.agentId, expiresAt };
  }

  private requeue(t: TaskRecord, agentId: string, revoked: AgentTask): Requeued {
    t.task = requeueTask(revoked);
    delete t.offerExpiresAt;
    if (!t.excluded.includes(agentId)) t.excluded.push(agentId);
    this.queuedIds.add(t.task.id);
    this.agents.dropOffer(agentId, t.task.id);
    return { task: structuredClone(t.task), agentId, offeredAt: revoked.offeredAt!, targeted: t.targetAgentId !== undefined };
  }

  private close1(t: TaskRecord, now: number): ClosedTask {
    if (t.task.state === 'closed') return { task: structuredClone(t.task), changed: false };
    const before = t.task;
    t.task = closedTask(before, now);
    delete t.offerExpiresAt;
    this.queuedIds.delete(before.id);
    this.waitingIds.delete(before.id);
    const out: ClosedTask = { task: structuredClone(t.task), changed: true };
    if (before.state === 'offered' && before.agentId !== undefined) {
      this.agents.dropOffer(before.agentId, before.id);
      out.revokedAgentId = before.agentId;
      if (before.offeredAt !== undefined) out.revokedOfferedAt = before.offeredAt;
    }
    if (before.state === 'accepted' && before.agentId !== undefined) {
      const a = this.agents.get(before.agentId);
      if (a && this.agents.free(a, before.conversationId, now)) out.freedAgentId = before.agentId;
    }
    return out;
  }

}

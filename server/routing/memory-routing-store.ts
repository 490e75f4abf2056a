import type { AgentTask } from '@conversation-hub/client-sdk/contract';
import { conflict, forbidden, notFound } from '../domain/errors.js';
import {
  acceptTask,
  closeTask as closedTask,
  compareTasks,
  expireTask,
  isPending,
  newTask,
  nextTaskFor,
  offerTask,
  pickAgent,
  pullTask,
  rejectTask,
  requeueTask,
  servesList,
  type AgentPresence,
  type RoutedTask,
} from '../domain/routing-rules.js';
import type { AgentStateInput, AgentStatus, ClosedTask, CreateTaskInput, Offer, QueueLength, Requeued, RoutingStore } from '../ports.js';

interface AgentRecord {
  agentId: string;
  state: 'ready' | 'not_ready';
  connected: boolean;
  capacity: number;
  lists: string[];
  idleSince: number;
  conversationIds: string[];
  offeredTaskIds: string[];
}

/**
 * Embedded mode's routing. Atomic because no method awaits between its reads and writes; the
 * decisions are the pure routing rules; copies go in and out.
 */
export class MemoryRoutingStore implements RoutingStore {
  private readonly agents = new Map<string, AgentRecord>();
  private readonly tasks = new Map<string, RoutedTask>();
  private readonly byConversation = new Map<string, string[]>();
  /** Ids of queued tasks, so offering does not scan closed ones. */
  private readonly queuedIds = new Set<string>();

  async setAgentState(agentId: string, input: AgentStateInput, now: number): Promise<AgentStatus> {
    const a = this.agentOrNew(agentId, now);
    if (input.state === 'ready' && a.state !== 'ready') a.idleSince = now;
    a.state = input.state;
    if (input.capacity !== undefined) a.capacity = input.capacity;
    if (input.lists !== undefined) a.lists = [...input.lists];
    return view(a);
  }

  async setConnected(agentId: string, connected: boolean, now: number): Promise<AgentStatus> {
    const a = this.agentOrNew(agentId, now);
    a.connected = connected;
    return view(a);
  }

  async getAgent(agentId: string): Promise<AgentStatus | null> {
    const a = this.agents.get(agentId);
    return a ? view(a) : null;
  }

  async createTask(input: CreateTaskInput, now: number): Promise<{ task: AgentTask; created: boolean }> {
    if (this.tasks.has(input.id)) throw conflict('task exists', { taskId: input.id });
    if (input.unlessPending) {
      const pending = this.routedOf(input.conversationId).find((t) => isPending(t.task));
      if (pending) return { task: structuredClone(pending.task), created: false };
    }
    const t: RoutedTask = { task: newTask(input, now), mode: input.mode, excluded: [] };
    if (input.targetAgentId !== undefined) t.targetAgentId = input.targetAgentId;
    this.tasks.set(t.task.id, t);
    this.byConversation.set(input.conversationId, [...(this.byConversation.get(input.conversationId) ?? []), t.task.id]);
    this.queuedIds.add(t.task.id);
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
    for (const t of this.queuedTasks()) counts.set(t.task.listId ?? null, (counts.get(t.task.listId ?? null) ?? 0) + 1);
    return [...counts].map(([listId, queued]) => ({ listId, queued }));
  }

  async queued(listId: string | null): Promise<AgentTask[]> {
    return this.queuedTasks()
      .filter((t) => (t.task.listId ?? null) === listId)
      .map((t) => structuredClone(t.task))
      .sort(compareTasks);
  }

  async offerNext(taskId: string, now: number, expiresAt: number): Promise<Offer | null> {
    const t = this.taskOrThrow(taskId);
    if (t.mode !== 'push' || t.task.state !== 'queued') return null;
    const options = t.targetAgentId === undefined ? { exclude: t.excluded } : { exclude: t.excluded, only: t.targetAgentId };
    const picked = pickAgent(t.task, [...this.agents.values()].map(presence), options);
    return picked ? this.offer(t, this.agents.get(picked.agentId)!, now, expiresAt) : null;
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
    const a = this.agents.get(agentId)!;
    a.offeredTaskIds = a.offeredTaskIds.filter((id) => id !== taskId);
    if (!a.conversationIds.includes(t.task.conversationId)) a.conversationIds.push(t.task.conversationId);
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
    if (a.conversationIds.length + a.offeredTaskIds.length >= a.capacity) throw conflict('agent is at capacity', { reason: 'capacity' });
    t.task = pullTask(t.task, agentId, now);
    this.queuedIds.delete(taskId);
    if (!a.conversationIds.includes(t.task.conversationId)) a.conversationIds.push(t.task.conversationId);
    return structuredClone(t.task);
  }

  async closeTask(taskId: string, now: number): Promise<ClosedTask> {
    return this.close1(this.taskOrThrow(taskId), now);
  }

  async releaseAgent(agentId: string, conversationId: string, now: number): Promise<AgentStatus | null> {
    const a = this.agents.get(agentId);
    if (!a) return null;
    this.free(a, conversationId, now);
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

  private agentOrNew(agentId: string, now: number): AgentRecord {
    let a = this.agents.get(agentId);
    if (!a) {
      a = { agentId, state: 'not_ready', connected: false, capacity: 1, lists: [], idleSince: now, conversationIds: [], offeredTaskIds: [] };
      this.agents.set(agentId, a);
    }
    return a;
  }

  private taskOrThrow(taskId: string): RoutedTask {
    const t = this.tasks.get(taskId);
    if (!t) throw notFound('task');
    return t;
  }

  private routedOf(conversationId: string): RoutedTask[] {
    return (this.byConversation.get(conversationId) ?? []).map((id) => this.tasks.get(id)!);
  }

  private queuedTasks(): RoutedTask[] {
    return [...this.queuedIds].map((id) => this.tasks.get(id)!);
  }

  private offer(t: RoutedTask, a: AgentRecord, now: number, expiresAt: number): Offer {
    t.task = offerTask(t.task, a.agentId, now);
    t.offerExpiresAt = expiresAt;
    this.queuedIds.delete(t.task.id);
    a.offeredTaskIds.push(t.task.id);
    return { task: structuredClone(t.task), agentId: a.agentId, expiresAt };
  }

  private requeue(t: RoutedTask, agentId: string, revoked: AgentTask): Requeued {
    t.task = requeueTask(revoked);
    delete t.offerExpiresAt;
    if (!t.excluded.includes(agentId)) t.excluded.push(agentId);
    this.queuedIds.add(t.task.id);
    this.dropOffer(agentId, t.task.id);
    return { task: structuredClone(t.task), agentId };
  }

  private close1(t: RoutedTask, now: number): ClosedTask {
    if (t.task.state === 'closed') return { task: structuredClone(t.task), changed: false };
    const before = t.task;
    t.task = closedTask(before, now);
    delete t.offerExpiresAt;
    this.queuedIds.delete(before.id);
    const out: ClosedTask = { task: structuredClone(t.task), changed: true };
    if (before.state === 'offered' && before.agentId !== undefined) {
      this.dropOffer(before.agentId, before.id);
      out.revokedAgentId = before.agentId;
    }
    if (before.state === 'accepted' && before.agentId !== undefined) {
      const a = this.agents.get(before.agentId);
      if (a && this.free(a, before.conversationId, now)) out.freedAgentId = before.agentId;
    }
    return out;
  }

  private dropOffer(agentId: string, taskId: string): void {
    const a = this.agents.get(agentId);
    if (a) a.offeredTaskIds = a.offeredTaskIds.filter((id) => id !== taskId);
  }

  /** Frees the agent's load for the conversation; true when it had it. Idle from now when none is left. */
  private free(a: AgentRecord, conversationId: string, now: number): boolean {
    if (!a.conversationIds.includes(conversationId)) return false;
    a.conversationIds = a.conversationIds.filter((id) => id !== conversationId);
    if (a.conversationIds.length === 0) a.idleSince = now;
    return true;
  }
}

function presence(a: AgentRecord): AgentPresence {
  return {
    agentId: a.agentId,
    state: a.state,
    connected: a.connected,
    capacity: a.capacity,
    load: a.conversationIds.length,
    pendingOffers: a.offeredTaskIds.length,
    lists: [...a.lists],
    idleSince: a.idleSince,
  };
}

function view(a: AgentRecord): AgentStatus {
  return { ...presence(a), conversationIds: [...a.conversationIds], offeredTaskIds: [...a.offeredTaskIds] };
}

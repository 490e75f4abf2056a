import type { AgentPresence } from '../domain/routing-rules.js';
import type { AgentStateInput, AgentStatus } from './routing-store.js';

/** An agent as MemoryRoutingStore keeps it: load and pendingOffers are the lengths of its lists. */
export type AgentRecord = Omit<AgentStatus, 'load' | 'pendingOffers'>;

/**
 * The agents of MemoryRoutingStore: presence, state and what their load is made of. Synchronous,
 * so the store's methods stay one atomic step; views go out as copies.
 */
export class MemoryAgents {
  private readonly agents = new Map<string, AgentRecord>();

  constructor(private readonly defaultCapacity: number) {}

  get(agentId: string): AgentRecord | undefined {
    return this.agents.get(agentId);
  }

  /** The agent, created not ready, disconnected, with the default capacity, when unknown. */
  getOrNew(agentId: string, now: number): AgentRecord {
    let a = this.agents.get(agentId);
    if (!a) {
      a = {
        agentId,
        state: 'not_ready',
        connected: false,
        capacity: this.defaultCapacity,
        lists: [],
        skills: [],
        idleSince: now,
        stateSince: now,
        conversationIds: [],
        offeredTaskIds: [],
      };
      this.agents.set(agentId, a);
    }
    return a;
  }

  setState(agentId: string, input: AgentStateInput, now: number): AgentRecord {
    const a = this.getOrNew(agentId, now);
    // The reason only means something while not ready.
    const reason = input.state === 'not_ready' ? input.reason : undefined;
    if (input.state !== a.state || reason !== a.notReadyReason) a.stateSince = now;
    if (input.state === 'ready' && a.state !== 'ready') a.idleSince = now;
    a.state = input.state;
    if (reason === undefined) delete a.notReadyReason;
    else a.notReadyReason = reason;
    if (input.capacity !== undefined) a.capacity = input.capacity;
    if (input.lists !== undefined) a.lists = [...input.lists];
    if (input.skills !== undefined) a.skills = [...input.skills];
    return a;
  }

  /** Every agent, by agentId (UTF-16 order, as the Redis store sorts too). */
  all(): AgentRecord[] {
    return [...this.agents.values()].sort((x, y) => (x.agentId < y.agentId ? -1 : x.agentId > y.agentId ? 1 : 0));
  }

  presences(): AgentPresence[] {
    return [...this.agents.values()].map(presence);
  }

  dropOffer(agentId: string, taskId: string): void {
    const a = this.agents.get(agentId);
    if (a) a.offeredTaskIds = a.offeredTaskIds.filter((id) => id !== taskId);
  }

  /** The conversation becomes load of the agent (once). */
  addLoad(a: AgentRecord, conversationId: string): void {
    if (!a.conversationIds.includes(conversationId)) a.conversationIds.push(conversationId);
  }

  /** Frees the agent's load for the conversation; true when it had it. Idle from now when none is left. */
  free(a: AgentRecord, conversationId: string, now: number): boolean {
    if (!a.conversationIds.includes(conversationId)) return false;
    a.conversationIds = a.conversationIds.filter((id) => id !== conversationId);
    if (a.conversationIds.length === 0) a.idleSince = now;
    return true;
  }
}

export function presence(a: AgentRecord): AgentPresence {
  return {
    agentId: a.agentId,
    state: a.state,
    connected: a.connected,
    capacity: a.capacity,
    load: a.conversationIds.length,
    pendingOffers: a.offeredTaskIds.length,
    lists: [...a.lists],
    skills: [...a.skills],
    idleSince: a.idleSince,
  };
}

/** The agent as the port answers it: a copy. */
export function view(a: AgentRecord): AgentStatus {
  const v: AgentStatus = { ...presence(a), stateSince: a.stateSince, conversationIds: [...a.conversationIds], offeredTaskIds: [...a.offeredTaskIds] };
  if (a.notReadyReason !== undefined) v.notReadyReason = a.notReadyReason;
  return v;
}

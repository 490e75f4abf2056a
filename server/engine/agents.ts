import type { CallInput } from '@conversation-hub/client-sdk/contract';
import type { Actor } from '../domain/actor.js';
import { HubError } from '../domain/errors.js';
import type { CallContext } from './context.js';
import type { EngineCore } from './core.js';

/** Agent presence: ready or not, lists, capacity, and sockets coming and going on any node. */
export class Agents {
  constructor(private readonly e: EngineCore) {}

  /**
   * An agent with a user record (PROTOCOL.md §2.3, §3.2) serves the record's lists with the
   * record's capacity (else `HUB_AGENT_CAPACITY`): naming lists that are not all the record's, or
   * a capacity above it, is `forbidden`; naming fewer lists or less capacity narrows it. An agent
   * whose token a back end minted (no record) names its own, as before.
   */
  async setState(ctx: CallContext, input: CallInput<'agent.state'>): Promise<'ready' | 'not_ready'> {
    const id = ctx.actor.id;
    const before = await this.e.d.routing.getAgent(id);
    const { lists, capacity, skills } = await this.allowed(id, input);
    const reason = input.state === 'not_ready' && input.reason ? { reason: input.reason } : {};
    const status = await this.e.d.routing.setAgentState(
      id,
      { state: input.state, ...(capacity ? { capacity } : {}), ...(lists ? { lists } : {}), ...(skills ? { skills } : {}), ...reason },
      this.e.now(),
    );
    this.e.d.dashboard?.changed();
    await this.e.tasks.agentStateChanged(before, status);
    const was = new Set(before?.lists ?? []);
    await this.e.d.fanout.setLists(id, status.lists.filter((l) => !was.has(l)), [...was].filter((l) => !status.lists.includes(l)));
    // The caller is here (it called through a socket): an "away" that a close racing its reconnect
    // elsewhere left behind ends now, not at the next reconnect (the chaos run saw tasks wait on it).
    if (ctx.socketId && !status.connected) await this.connected(ctx.actor);
    else if (status.state === 'ready') await this.e.tasks.fill(id);
    return status.state;
  }

  /** What the agent may serve; `skills` are the record's (none without one: a back end's token names no skills). */
  private async allowed(id: string, input: CallInput<'agent.state'>): Promise<{ lists?: string[]; capacity?: number; skills?: string[] }> {
    const user = await this.e.d.users?.get(id);
    // No record: what it names; an agent seen the first time gets the store's default capacity (HUB_AGENT_CAPACITY).
    if (!user) return { ...(input.lists ? { lists: input.lists } : {}), ...(input.capacity ? { capacity: input.capacity } : {}) };
    const own = new Set(user.lists);
    const foreign = input.lists?.filter((l) => !own.has(l)) ?? [];
    if (foreign.length) throw new HubError('forbidden', `lists: not this agent's lists: ${foreign.join(', ')}`, { field: 'lists' });
    const max = user.capacity ?? this.e.d.agentCapacity;
    if (input.capacity !== undefined && input.capacity > max) throw new HubError('forbidden', `capacity: at most ${max} for this agent`, { field: 'capacity' });
    return { lists: input.lists ?? user.lists, capacity: input.capacity ?? max, ...(user.skills ? { skills: user.skills } : {}) };
  }

  /** An agent's socket is up (on any node): offers may come again. */
  async connected(actor: Actor): Promise<void> {
    await this.e.d.scheduler.cancel('agent-grace', actor.id);
    const before = await this.e.d.routing.getAgent(actor.id);
    await this.e.d.routing.setConnected(actor.id, true, this.e.now());
    this.e.d.dashboard?.changed();
    if (before?.lists.length) await this.e.d.fanout.setLists(actor.id, before.lists, []);
    await this.e.tasks.fill(actor.id);
  }

  /** A socket of the agent went away: if it was the last one anywhere, its offers go after a grace period. */
  async socketClosed(actor: Actor): Promise<void> {
    if (await this.e.d.fanout.isConnected(actor.id)) return;
    await this.e.d.routing.setConnected(actor.id, false, this.e.now());
    this.e.d.dashboard?.changed();
    // Its reconnect to another node (a drain) may have landed between the look and the write, and
    // that node's `connected` ran before this `false`: look again, or the agent stays "away".
    if (await this.e.d.fanout.isConnected(actor.id)) return this.connected(actor);
    await this.e.d.scheduler.set('agent-grace', actor.id, this.e.now() + this.e.d.agentGraceSeconds * 1000, {});
  }
}

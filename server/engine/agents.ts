import type { CallInput } from '@conversation-hub/client-sdk/contract';
import type { Actor } from '../domain/actor.js';
import type { CallContext } from './context.js';
import type { EngineCore } from './core.js';

/** Agent presence: ready or not, lists, capacity, and sockets coming and going on any node. */
export class Agents {
  constructor(private readonly e: EngineCore) {}

  async setState(ctx: CallContext, input: CallInput<'agent.state'>): Promise<'ready' | 'not_ready'> {
    const id = ctx.actor.id;
    const before = await this.e.d.routing.getAgent(id);
    const capacity = input.capacity ?? (before ? undefined : this.e.d.agentCapacity);
    const status = await this.e.d.routing.setAgentState(id, { state: input.state, ...(capacity ? { capacity } : {}), ...(input.lists ? { lists: input.lists } : {}) }, this.e.now());
    const was = new Set(before?.lists ?? []);
    await this.e.d.fanout.setLists(id, status.lists.filter((l) => !was.has(l)), [...was].filter((l) => !status.lists.includes(l)));
    if (status.state === 'ready') await this.e.tasks.fill(id);
    return status.state;
  }

  /** An agent's socket is up (on any node): offers may come again. */
  async connected(actor: Actor): Promise<void> {
    await this.e.d.scheduler.cancel('agent-grace', actor.id);
    const before = await this.e.d.routing.getAgent(actor.id);
    await this.e.d.routing.setConnected(actor.id, true, this.e.now());
    if (before?.lists.length) await this.e.d.fanout.setLists(actor.id, before.lists, []);
    await this.e.tasks.fill(actor.id);
  }

  /** A socket of the agent went away: if it was the last one anywhere, its offers go after a grace period. */
  async socketClosed(actor: Actor): Promise<void> {
    if (await this.e.d.fanout.isConnected(actor.id)) return;
    await this.e.d.routing.setConnected(actor.id, false, this.e.now());
    await this.e.d.scheduler.set('agent-grace', actor.id, this.e.now() + this.e.d.agentGraceSeconds * 1000, {});
  }
}

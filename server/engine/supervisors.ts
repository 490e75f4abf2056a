import { randomUUID } from 'node:crypto';
import type { AgentTask, CallInput, Dashboard } from '@conversation-hub/client-sdk/contract';
import { REASSIGNED } from '../domain/controller-rules.js';
import { draft, fromOf, leave } from '../domain/conversation.js';
import { isJoinable } from '../domain/conversation-state.js';
import { notFound } from '../domain/errors.js';
import type { CallContext } from './context.js';
import type { EngineCore } from './core.js';
import { DashboardFeed } from './dashboard.js';

/** The supervisor's floor: the live dashboard, forcing an agent not ready, reassigning a conversation. */
export class Supervisors {
  private readonly feed: DashboardFeed;

  constructor(private readonly e: EngineCore) {
    this.feed = new DashboardFeed(e.d, e.now);
    // Here rather than in the Hub: the dashboard's timer is this use case's alone.
    this.feed.register();
  }

  /** The snapshot now; the calling socket gets the `dashboard` pushes from then on, wherever the changes happen. */
  async watch(ctx: CallContext): Promise<Dashboard> {
    if (ctx.socketId) await this.e.d.fanout.watchDashboard(ctx.socketId, true);
    return this.feed.snapshot();
  }

  /** The socket stops getting pushes; closing it does the same. */
  async unwatch(ctx: CallContext): Promise<void> {
    if (ctx.socketId) await this.e.d.fanout.watchDashboard(ctx.socketId, false);
  }

  /**
   * The agent becomes not ready with the reason: it keeps its conversations, and offers it holds
   * expire or get answered as usual. Nothing is pushed to it: its next `agent.state` answers the
   * state it is in (PROTOCOL.md §3.2).
   */
  async forceNotReady(ctx: CallContext, input: CallInput<'supervisor.agent.state'>): Promise<void> {
    const before = await this.e.d.routing.getAgent(input.agentId);
    if (!before) throw notFound('agent');
    const after = await this.e.d.routing.setAgentState(input.agentId, { state: 'not_ready', ...(input.reason ? { reason: input.reason } : {}) }, this.e.now());
    await this.e.tasks.agentStateChanged(before, after);
    this.e.d.log.info({ participantId: input.agentId, supervisorId: ctx.actor.id, reason: input.reason }, 'agent set not ready by a supervisor');
    this.e.d.dashboard?.changed();
  }

  /**
   * Like a transfer, by a supervisor: a new task (reason transfer) for the agent or list replaces
   * every open task; the agents serving it leave (reason `reassigned`, the Controller hands it on
   * as for a transfer) and are told their task was revoked. A conversation nobody serves gets the
   * task all the same: that is how a stuck customer is helped. `not_found` for a conversation that
   * is not live or an agent the hub has never seen.
   */
  async reassign(ctx: CallContext, input: CallInput<'conversation.reassign'>): Promise<AgentTask> {
    const { conversationId, to } = input;
    const stored = await this.e.d.store.get(conversationId);
    if (!stored || !isJoinable(stored.doc.state)) throw notFound('conversation');
    // A mistyped agent would leave the customer with a task nobody can ever be offered.
    if ('agentId' in to && !(await this.e.d.routing.getAgent(to.agentId))) throw notFound('agent');
    const agents = stored.doc.participants.filter((p) => p.role === 'agent').map((p) => p.id);
    const accepted = (await this.e.d.routing.tasksOf(conversationId)).filter((t) => t.state === 'accepted' && t.agentId && agents.includes(t.agentId));
    // The tasks it had close first (offers revoked, agents' slots freed): one task waits, the new one.
    await this.e.pipeline.act(ctx, conversationId, [{ type: 'close.tasks' }]);

    const channel = await this.e.reads.channelOf(conversationId);
    const mode = 'agentId' in to ? 'push' : (channel?.routingMode ?? 'push');
    const skills = channel?.requiredSkills?.length ? { requiredSkills: channel.requiredSkills } : {};
    // Those it is taken from are not offered it back through the list.
    const exclude = 'agentId' in to ? agents.filter((a) => a !== to.agentId) : agents;
    const base = { id: randomUUID(), conversationId, mode, reason: 'transfer' as const, ...skills, ...(exclude.length ? { exclude } : {}) };
    const { task } = await this.e.d.routing.createTask('agentId' in to ? { ...base, targetAgentId: to.agentId } : { ...base, listId: to.listId }, this.e.now());
    await this.e.pipeline.append(ctx, draft(conversationId, 'task.created', 'agents', fromOf({ ...ctx.actor, role: 'supervisor' }), { task }, this.e.iso()));
    for (const agentId of agents) {
      await this.e.pipeline.update(ctx, conversationId, leave(agentId, REASSIGNED, this.e.iso()));
      for (const t of accepted) if (t.agentId === agentId) this.e.d.fanout.toParticipant(agentId, 'task.revoked', { taskId: t.id, reason: 'reassigned' });
    }
    this.e.d.log.info({ conversationId, supervisorId: ctx.actor.id, from: agents, to }, 'conversation reassigned');
    await this.e.tasks.route(task, mode);
    return task;
  }
}

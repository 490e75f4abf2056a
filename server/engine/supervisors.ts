import type { AgentTask, CallInput, Dashboard } from '@conversation-hub/client-sdk/contract';
import { REASSIGNED } from '../domain/controller-rules.js';
import { isJoinable } from '../domain/conversation-state.js';
import { notFound } from '../domain/errors.js';
import type { CallContext } from './context.js';
import type { EngineCore } from './core.js';
import { DashboardFeed } from './dashboard.js';
import type { Tasks } from './tasks.js';

/** The supervisor's floor: the live dashboard, forcing an agent not ready, reassigning a conversation. */
export class Supervisors {
  private readonly feed: DashboardFeed;

  constructor(
    private readonly e: EngineCore,
    private readonly tasks: Tasks,
  ) {
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

    // The agents it is taken from learn their task was revoked, then leave (reason `reassigned`).
    for (const t of accepted) this.e.d.fanout.toParticipant(t.agentId!, 'task.revoked', { taskId: t.id, reason: 'reassigned' });
    const task = await this.tasks.handOn(ctx, conversationId, to, agents, REASSIGNED);
    this.e.d.log.info({ conversationId, supervisorId: ctx.actor.id, from: agents, to }, 'conversation reassigned');
    return task;
  }
}

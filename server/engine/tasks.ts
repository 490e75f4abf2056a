import { randomUUID } from 'node:crypto';
import type { AgentTask, CallInput, ConversationView } from '@conversation-hub/client-sdk/contract';
import { TRANSFERRED } from '../domain/controller-rules.js';
import { CONTROLLER, draft, fromOf, join, leave, participant } from '../domain/conversation.js';
import { conflict, HubError, notFound } from '../domain/errors.js';
import { hasSkills } from '../domain/routing-rules.js';
import { authorize } from './authorize.js';
import type { CallContext } from './context.js';
import type { EngineCore } from './core.js';

/** An agent's answers to tasks: accept, reject, pull from a queue, transfer, wrap up. */
export class Tasks {
  constructor(private readonly e: EngineCore) {}

  /** The policy's `offered` is checked by the routing store, atomically: only the agent holding the offer may answer it (`conflict` otherwise). */
  async accept(ctx: CallContext, taskId: string): Promise<ConversationView> {
    let task: AgentTask;
    let retried = false;
    try {
      task = await this.e.d.routing.accept(taskId, ctx.actor.id, this.e.now());
    } catch (err) {
      // A retried accept whose first try was committed by the routing store but cut off before the
      // join (a node killed, Redis gone): the task is this agent's already, so finish the join.
      // Otherwise the task stayed accepted by an agent never in the conversation (the chaos run).
      const mine = err instanceof HubError && err.code === 'conflict' ? await this.e.d.routing.getTask(taskId) : null;
      if (mine?.state !== 'accepted' || mine.agentId !== ctx.actor.id) throw err;
      task = mine;
      retried = true;
    }
    await this.e.d.scheduler.cancel('offer', taskId);
    if (!retried) await this.e.tasks.offerEnded(taskId, ctx.actor.id, task.offeredAt, 'accepted');
    return this.assign(ctx, task, retried);
  }

  async reject(ctx: CallContext, taskId: string): Promise<void> {
    await this.e.tasks.requeued(await this.e.d.routing.reject(taskId, ctx.actor.id, this.e.now()), null);
  }

  /** The tasks queued on a list the agent serves: those needing skills only when it has them. */
  async queue(ctx: CallContext, listId: string): Promise<AgentTask[]> {
    const agent = await this.e.d.routing.getAgent(ctx.actor.id);
    authorize('queue.list', ctx.actor, agent?.lists.includes(listId) ? 'own' : 'other');
    return (await this.e.d.routing.queued(listId)).filter((t) => hasSkills({ skills: agent?.skills ?? [] }, t));
  }

  /** Pull mode: of agents racing for one task, the routing store lets exactly one win. */
  async pull(ctx: CallContext, taskId: string): Promise<ConversationView> {
    const task = await this.e.d.routing.pull(taskId, ctx.actor.id, this.e.now());
    if (task.listId) this.e.d.fanout.toList(task.listId, 'task.revoked', { taskId, reason: 'taken' });
    return this.assign(ctx, task);
  }

  /** Hands the conversation on: a new task for the agent or list; the current agent leaves it to them. */
  async transfer(ctx: CallContext, input: CallInput<'conversation.transfer'>): Promise<AgentTask> {
    const { conversationId, to } = input;
    await this.e.reads.requireParticipant(conversationId, ctx.actor.id);
    return this.handOn(ctx, conversationId, to, [ctx.actor.id], TRANSFERRED);
  }

  /**
   * A new task (reason transfer) for the agent or list; the agents `leaving` leave with `why` and
   * are not offered it (unless named). A named agent who refuses hands it back to the channel's routing.
   */
  async handOn(ctx: CallContext, conversationId: string, to: CallInput<'conversation.transfer'>['to'], leaving: readonly string[], why: string): Promise<AgentTask> {
    const channel = await this.e.reads.channelOf(conversationId);
    const mode = 'agentId' in to ? 'push' : (channel?.routingMode ?? 'push');
    const skills = channel?.requiredSkills?.length ? { requiredSkills: channel.requiredSkills } : {};
    const exclude = leaving.filter((a) => !('agentId' in to) || a !== to.agentId);
    const base = { id: randomUUID(), conversationId, mode, reason: 'transfer' as const, ...skills, ...(exclude.length ? { exclude } : {}) };
    const { task } = await this.e.d.routing.createTask('agentId' in to ? { ...base, targetAgentId: to.agentId } : { ...base, listId: to.listId }, this.e.now());
    const from = ctx.actor.role === 'supervisor' ? fromOf(ctx.actor) : fromOf({ ...ctx.actor, role: 'agent' });
    await this.e.pipeline.append(ctx, draft(conversationId, 'task.created', 'agents', from, { task }, this.e.iso()));
    for (const agentId of leaving) await this.e.pipeline.update(ctx, conversationId, leave(agentId, why, this.e.iso()));
    await this.e.tasks.route(task, mode, channel);
    return task;
  }

  /** `conversation.end`: the customer's sessions close with a controller message; wrap-up or closing follow the rules. */
  async end(ctx: CallContext, input: CallInput<'conversation.end'>): Promise<void> {
    const doc = ctx.actor.role === 'supervisor' ? (await this.e.d.store.get(input.conversationId))?.doc : await this.e.reads.requireParticipant(input.conversationId, ctx.actor.id);
    if (!doc) throw notFound('conversation');
    if (doc.state === 'closing' || doc.state === 'closed') throw conflict('the conversation has closed');
    await this.e.pipeline.react(ctx, doc, input.reason === undefined ? { type: 'conversation.ended' } : { type: 'conversation.ended', text: input.reason });
  }

  /** The wrap-up: recorded for the agents; the Controller then lets the agent go. */
  async submitWrapUp(ctx: CallContext, input: CallInput<'wrapup.submit'>): Promise<void> {
    await this.e.reads.requireParticipant(input.conversationId, ctx.actor.id);
    const payload = input.note === undefined ? { codes: input.codes ?? [] } : { codes: input.codes ?? [], note: input.note };
    await this.e.pipeline.append(ctx, draft(input.conversationId, 'wrapup', 'agents', fromOf({ ...ctx.actor, role: 'agent' }), payload, this.e.iso()));
  }

  /** The agent takes the conversation: joins it, sees it all, and the room learns who has it. */
  private async assign(ctx: CallContext, task: AgentTask, retried = false): Promise<ConversationView> {
    if (!retried) this.e.d.metrics?.queueWait(task.listId, (this.e.now() - Date.parse(task.createdAt)) / 1000);
    const now = this.e.iso();
    let joined = true;
    try {
      joined = (await this.e.pipeline.update(ctx, task.conversationId, join(participant(ctx.actor.id, 'agent', ctx.actor.name, now), 'task', now))).result.joined;
    } catch (err) {
      if (!(err instanceof HubError) || err.code !== 'not_found') throw err;
      // The conversation closed between the offer and the answer.
      await this.e.pipeline.act(ctx, task.conversationId, [{ type: 'close.tasks' }]);
      throw conflict('the conversation has closed');
    }
    // A retry that finds the agent in already does not announce the task twice.
    if (joined || !retried) await this.e.pipeline.append(ctx, draft(task.conversationId, 'task.assigned', 'agents', CONTROLLER, { task }, this.e.iso()));
    return this.e.reads.view(task.conversationId, 'agent', { whole: true, viewer: ctx.actor.id });
  }
}

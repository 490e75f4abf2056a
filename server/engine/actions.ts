import { randomUUID } from 'node:crypto';
import type { AgentTask, Channel } from '@conversation-hub/client-sdk/contract';
import type { ControllerAction } from '../domain/controller-rules.js';
import { closeSession, CONTROLLER, draft, join, leave, participant } from '../domain/conversation.js';
import { isOpen } from '../domain/routing-rules.js';
import type { ClosedTask } from '../ports.js';
import type { ConversationRef, EngineDeps, OpeningTimerData } from './context.js';
import type { TaskRouting } from './task-routing.js';
import type { Outcome, Step } from './steps.js';

/**
 * What the Controller's actions and an agent's leaving do. Conversation changes come back as
 * write steps (the pipeline commits and publishes them); routing changes happen here, each one
 * atomic in the routing store, with the pushes they owe.
 */
export class Actions {
  constructor(
    private readonly d: EngineDeps,
    private readonly tasks: TaskRouting,
  ) {}

  private now(): number {
    return (this.d.now ?? Date.now)();
  }
  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  async perform(conversationId: string, channel: Channel | null, a: ControllerAction, outcome: Outcome): Promise<Step[]> {
    switch (a.type) {
      case 'send.message':
        return [append(draft(conversationId, 'message', 'all', CONTROLLER, { text: a.text }, this.iso()))];
      case 'close.session':
        return [{ kind: 'write', write: { type: 'update', conversationId, tx: closeSession(a.sessionId, a.reason, this.iso()) } }];
      case 'remove.participant':
        return [{ kind: 'write', write: { type: 'update', conversationId, tx: leave(a.participantId, a.reason, this.iso()) } }];
      case 'invite.bot': {
        const now = this.iso();
        return [
          {
            kind: 'write',
            write: { type: 'update', conversationId, tx: join(participant(a.botId, 'bot', undefined, now), 'channel bot', now) },
            then: (w) => (w.activities.some((x) => x.type === 'participant.joined') ? [{ kind: 'push.view', participantId: a.botId, conversationId, role: 'bot' }] : []),
          },
        ];
      }
      case 'create.task':
        return this.createTask(conversationId, channel, a, outcome);
      case 'defer.task': {
        const { type: _t, at, ...what } = a;
        // The first reason stands: a customer writing while closed does not turn a `new` into a `reroute`.
        await this.d.scheduler.ensure<OpeningTimerData>('opening', conversationId, at, { conversationId, ...what });
        return [];
      }
      case 'move.task':
        return this.moveTask(conversationId, channel, a);
      case 'close.tasks':
        return this.closeTasks(conversationId);
    }
  }

  private async createTask(conversationId: string, channel: Channel | null, a: ControllerAction & { type: 'create.task' }, outcome: Outcome): Promise<Step[]> {
    const mode = channel?.routingMode ?? 'push';
    const input = { id: randomUUID(), conversationId, mode, reason: a.reason, unlessPending: true, ...(a.listId ? { listId: a.listId } : {}), ...(a.requiredSkills ? { requiredSkills: a.requiredSkills } : {}) };
    const { task, created } = await this.d.routing.createTask(input, this.now());
    outcome.tasks.push(task);
    if (!created) return [];
    // The channel's waiting limit: checked once, at that time, by the queue-wait timer.
    const maxWait = channel?.queue?.maxWaitSeconds;
    if (maxWait !== undefined) await this.d.scheduler.set<ConversationRef>('queue-wait', task.id, Date.parse(task.createdAt) + maxWait * 1000, { conversationId });
    return [append(draft(conversationId, 'task.created', 'agents', CONTROLLER, { task }, this.iso())), { kind: 'route', task, mode, channel }];
  }

  /** Overflow: the waiting task closes, a new one (reason overflow) waits on the overflow list. */
  private async moveTask(conversationId: string, channel: Channel | null, a: ControllerAction & { type: 'move.task' }): Promise<Step[]> {
    const closed = await this.d.routing.closeTask(a.taskId, this.now());
    if (!closed.changed) return []; // taken or closed meanwhile
    const out = await this.closedSteps(conversationId, a.taskId, closed);
    const mode = channel?.routingMode ?? 'push';
    const input = { id: randomUUID(), conversationId, mode, reason: 'overflow' as const, listId: a.listId, ...(a.requiredSkills ? { requiredSkills: a.requiredSkills } : {}) };
    const { task } = await this.d.routing.createTask(input, this.now());
    return [...out, append(draft(conversationId, 'task.created', 'agents', CONTROLLER, { task }, this.iso())), { kind: 'route', task, mode, channel }];
  }

  /** Every open task of the conversation closes: offers are revoked, freed agents offered what waits. */
  async closeTasks(conversationId: string): Promise<Step[]> {
    const out: Step[] = [];
    for (const t of await this.d.routing.tasksOf(conversationId)) {
      if (!isOpen(t)) continue;
      const closed = await this.d.routing.closeTask(t.id, this.now());
      if (!closed.changed) continue;
      if (t.state === 'queued' && t.listId) this.d.fanout.toList(t.listId, 'task.revoked', { taskId: t.id, reason: 'closed' });
      out.push(...(await this.closedSteps(conversationId, t.id, closed)));
    }
    return out;
  }

  /** What a task closed by the hub owes: its offer revoked (timer, push, report), the record, the freed agent's next offer. */
  private async closedSteps(conversationId: string, taskId: string, closed: ClosedTask): Promise<Step[]> {
    await this.d.scheduler.cancel('offer', taskId);
    if (closed.revokedAgentId) {
      this.d.fanout.toParticipant(closed.revokedAgentId, 'task.revoked', { taskId, reason: 'closed' });
      await this.tasks.offerEnded(taskId, closed.revokedAgentId, closed.revokedOfferedAt, 'revoked');
    }
    const out: Step[] = [taskClosed(conversationId, closed.task, this.iso())];
    if (closed.freedAgentId) out.push({ kind: 'fill', agentId: closed.freedAgentId });
    return out;
  }

  /** The agent left the conversation: its accepted task closes and its slot frees. */
  async release(conversationId: string, agentId: string): Promise<Step[]> {
    const out: Step[] = [];
    for (const t of await this.d.routing.tasksOf(conversationId)) {
      if (t.agentId !== agentId || t.state !== 'accepted') continue;
      const closed = await this.d.routing.closeTask(t.id, this.now());
      if (closed.changed) out.push(taskClosed(conversationId, closed.task, this.iso()));
    }
    await this.d.routing.releaseAgent(agentId, conversationId, this.now());
    out.push({ kind: 'fill', agentId });
    return out;
  }
}

function append(d: ReturnType<typeof draft>): Step {
  return { kind: 'write', write: { type: 'append', draft: d } };
}

/** The record of a closed task; a conversation already closing takes no more activities, and that is fine. */
function taskClosed(conversationId: string, task: AgentTask, at: string): Step {
  const d = draft(conversationId, 'task.closed', 'agents', CONTROLLER, { task }, at);
  return { kind: 'write', write: { type: 'append', draft: d }, optional: 'task.closed not recorded: the conversation is closing' };
}

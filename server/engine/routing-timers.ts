import type { ConversationRef, OpeningTimerData } from './context.js';
import type { EngineCore } from './core.js';
import type { PositionsTimerData } from './task-routing.js';
import type { TimerOutcome } from '../ports.js';

/** How often a customer may be told its place in the queue. */
export const POSITION_INTERVAL_MS = 1000;

/**
 * The routing's timers: a refused task offered again, a deferred task at the opening, a task at
 * its queue's waiting limit, the customers' places in a queue. Each checks the live state first.
 */
export class RoutingTimers {
  constructor(private readonly e: EngineCore) {}

  register(): void {
    const s = this.e.d.scheduler;
    s.handle<ConversationRef>('offer-retry', (t) => this.e.tasks.retry(t.key));
    s.handle<OpeningTimerData>('opening', (t) => this.opened(t.data));
    s.handle<ConversationRef>('queue-wait', (t) => this.waitedTooLong(t.key, t.data.conversationId));
    s.handle<PositionsTimerData>('queue-positions', (t) => this.positions(t.data.listId));
  }

  /** The business hours opened: the Controller creates the task if the customer still waits for one. */
  private async opened(data: OpeningTimerData): Promise<void> {
    const stored = await this.e.d.store.get(data.conversationId);
    if (!stored) return;
    const { conversationId: _c, ...what } = data;
    const event = { type: 'hours.opened' as const, reason: what.reason, ...(what.listId ? { listId: what.listId } : {}), ...(what.requiredSkills ? { skills: what.requiredSkills } : {}) };
    await this.e.pipeline.react({ timer: { kind: 'opening', key: data.conversationId } }, stored.doc, event);
  }

  /** The task still waits at the channel's limit: overflow, or the customer is told and let go. An offer out now gets its answer first. */
  private async waitedTooLong(taskId: string, conversationId: string): Promise<TimerOutcome> {
    const task = await this.e.d.routing.getTask(taskId);
    if (!task) return;
    if (task.state === 'offered') {
      const channel = await this.e.reads.channelOf(conversationId);
      return { rearmAt: this.e.now() + (channel?.offerTimeoutSeconds ?? 30) * 1000 };
    }
    if (task.state !== 'queued') return;
    const stored = await this.e.d.store.get(conversationId);
    if (!stored) return;
    const event = { type: 'queue.timeout' as const, taskId, ...(task.listId ? { listId: task.listId } : {}), ...(task.requiredSkills?.length ? { skills: task.requiredSkills } : {}) };
    await this.e.pipeline.react({ timer: { kind: 'queue-wait', key: taskId } }, stored.doc, event);
  }

  /** Each waiting customer whose place changed is told it, at most once a second. */
  private async positions(listId: string | null): Promise<TimerOutcome> {
    const notes = await this.e.d.routing.notePositions(listId, this.e.now(), POSITION_INTERVAL_MS);
    for (const { task, position } of notes.changed) {
      const stored = await this.e.d.store.get(task.conversationId);
      if (!stored) continue;
      const estimate = notes.averageWaitSeconds === null ? null : Math.round(notes.averageWaitSeconds * position);
      this.e.d.fanout.toParticipant(stored.doc.customerId, 'queue.position', { conversationId: task.conversationId, position, estimatedWaitSeconds: estimate });
    }
    return notes.retryAt === undefined ? undefined : { rearmAt: notes.retryAt };
  }
}

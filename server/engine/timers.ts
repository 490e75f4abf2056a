import type { Activity } from '@conversation-hub/client-sdk/contract';
import { closedActivity, markClosed, toConversation } from '../domain/conversation.js';
import type { TimerOutcome } from '../ports.js';
import type { ArchiveFailures, ArchiveTimerData } from './archive-failures.js';
import type { ConversationRef, OfferTimerData } from './context.js';
import type { EngineCore } from './core.js';

/**
 * The timers' handlers. Each checks the authoritative state first (a timer may fire after what it
 * guards changed) and makes its change through the pipeline, naming itself so it is not cancelled.
 */
export class Timers {
  constructor(
    private readonly e: EngineCore,
    private readonly archiveFailures: ArchiveFailures,
  ) {}

  register(): void {
    const s = this.e.d.scheduler;
    s.handle<ConversationRef>('inactivity', (t) => this.inactivity(t.key, t.data));
    s.handle<OfferTimerData>('offer', (t) => this.offerExpired(t.key, t.data.agentId));
    s.handle<ConversationRef>('wrapup', (t) => this.wrapUpExpired(t.data.conversationId));
    s.handle<Record<string, never>>('agent-grace', (t) => this.agentGone(t.key));
    // The archive waits out a database outage: retried with backoff (HUB_ARCHIVE_MAX_ATTEMPTS), the
    // live state kept meanwhile; past the last attempt it is dead-lettered (archive-failures.ts).
    s.handle<ArchiveTimerData>('archive', (t) => this.archiveFailures.attempt(t, () => this.archive(t.data.conversationId)), this.archiveFailures.schedulerPolicy());
  }

  /** Closes the session unless the customer spoke since the timer was set; then it fires again at the new deadline. */
  private async inactivity(sessionId: string, data: ConversationRef): Promise<TimerOutcome> {
    const stored = await this.e.d.store.get(data.conversationId);
    const session = stored?.doc.channelSessions.find((s) => s.id === sessionId);
    if (!stored || !session || session.state !== 'open') return;
    const timeoutMs = (await this.e.reads.sessionInactivitySeconds(session.serviceIdentifier)) * 1000;
    const dueAt = (stored.sessionActivity[sessionId] ?? Date.parse(session.openedAt)) + timeoutMs;
    if (dueAt > this.e.now() + 5) return { rearmAt: dueAt };
    await this.e.pipeline.react({ timer: { kind: 'inactivity', key: sessionId } }, stored.doc, { type: 'inactivity.expired', sessionId });
  }

  private async offerExpired(taskId: string, agentId: string): Promise<void> {
    const requeued = await this.e.d.routing.expire(taskId, agentId, this.e.now());
    if (requeued) await this.e.tasks.requeued(requeued, 'expired');
  }

  private async wrapUpExpired(conversationId: string): Promise<void> {
    const stored = await this.e.d.store.get(conversationId);
    if (!stored || stored.doc.state !== 'wrap_up') return;
    await this.e.pipeline.react({ timer: { kind: 'wrapup', key: conversationId } }, stored.doc, { type: 'wrapup.expired' });
  }

  /** The agent stayed away past the grace period: its offers go to others. */
  private async agentGone(agentId: string): Promise<void> {
    const agent = await this.e.d.routing.getAgent(agentId);
    if (!agent || agent.connected) return;
    // Marked away by a close that raced its reconnect elsewhere (agents.ts): it is here after all.
    if (await this.e.d.fanout.isConnected(agentId)) {
      await this.e.d.routing.setConnected(agentId, true, this.e.now());
      return this.e.tasks.fill(agentId);
    }
    for (const taskId of agent.offeredTaskIds) await this.offerExpired(taskId, agentId);
  }

  /**
   * Closing: the archive gets everything, the final `closed` activity included, before the live
   * state goes; if Postgres is away this throws, the job retries and the live state stays.
   * Nothing can be appended in `closing`, so the `closed` activity's seq is lastSeq + 1.
   */
  private async archive(conversationId: string): Promise<void> {
    const started = performance.now();
    const run = { timer: { kind: 'archive' as const, key: conversationId } };
    const stored = await this.e.d.store.get(conversationId);
    if (!stored) return; // another node finished it
    if (stored.doc.state !== 'closing' && stored.doc.state !== 'closed') return;
    await this.e.pipeline.act(run, conversationId, [{ type: 'close.tasks' }]);
    const activities = await this.e.d.store.all(conversationId);
    const lastSeq = activities.length;
    const closing = closedActivity(stored.doc, this.e.iso());
    const final = stored.doc.state === 'closed' ? [] : [{ ...closing, seq: lastSeq + 1 } as Activity];
    const conversation = { ...toConversation(stored.doc, lastSeq + final.length), state: 'closed' as const };
    await this.e.d.archive.save(conversation, [...activities, ...final], await this.e.d.routing.tasksOf(conversationId));
    await this.e.pipeline.update(run, conversationId, markClosed(closing));
    await this.e.d.store.remove(conversationId);
    await this.e.d.routing.forgetConversation(conversationId, this.e.now());
    this.e.d.metrics?.archived((performance.now() - started) / 1000);
    this.e.d.log.debug({ conversationId, activities: lastSeq + final.length }, 'conversation archived');
  }
}

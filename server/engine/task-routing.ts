import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AgentTask, Channel, ConversationView } from '@conversation-hub/client-sdk/contract';
import type { AgentStatus, Fanout, Offer, Requeued, RoutingStore, Scheduler } from '../ports.js';
import { hasSkills, servesList } from '../domain/routing-rules.js';
import type { ReportEvent, ReportSink } from '../reporting/report-events.js';
import type { OfferTimerData } from './context.js';

/** The data of the `queue-positions` timer, keyed by `positionsKey(listId)`. */
export interface PositionsTimerData {
  listId: string | null;
}
export const positionsKey = (listId: string | null) => (listId === null ? 'nolist' : `list:${listId}`);

/**
 * Offers and their timers: the routing store decides atomically who gets a task; this turns each
 * decision into a `task.offered` push, an offer timer and a report row, and each revocation into
 * `task.revoked`. A refused task is offered again after the channel's `offerRetrySeconds`; a
 * transfer its target refused goes back to the channel's routing.
 */
export class TaskRouting {
  constructor(
    private readonly d: {
      routing: RoutingStore;
      scheduler: Scheduler;
      fanout: Fanout;
      log: Logger;
      now: () => number;
      reports?: ReportSink;
      /** The conversation as an agent sees it, for the offer. */
      view(conversationId: string): Promise<ConversationView>;
      /** The channel the conversation came through (its offer timeout, retry, list, mode). */
      channelOf(conversationId: string): Promise<Channel | null>;
    },
  ) {}

  /** A queued task: offered to the best agent (push), or announced to its list (pull). True when offered. `channel`: its conversation's, when the caller has it. */
  async route(task: AgentTask, mode: 'push' | 'pull', known?: Channel | null): Promise<boolean> {
    if (mode === 'pull') {
      await this.announce(task);
      return false;
    }
    const channel = known === undefined ? await this.d.channelOf(task.conversationId) : known;
    const offer = await this.d.routing.offerNext(task.id, this.d.now(), this.expiry(channel));
    if (offer) await this.deliver(offer, channel);
    return offer !== null;
  }

  /** Fills every free slot of the agent with the oldest tasks it may take. */
  async fill(agentId: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      // The offer timeout depends on the task's channel, known only once picked: use the default,
      // then move the timer to the channel's timeout in `deliver`.
      const offer = await this.d.routing.nextTaskForAgent(agentId, this.d.now(), this.d.now() + 30_000);
      if (!offer) return;
      const channel = await this.d.channelOf(offer.task.conversationId);
      await this.deliver({ ...offer, expiresAt: this.expiry(channel) }, channel);
    }
  }

  /** A refused task's retry timer fired: offered again, earliest refuser first. */
  async retry(taskId: string): Promise<void> {
    const task = await this.d.routing.getTask(taskId);
    if (!task || task.state !== 'queued') return;
    const channel = await this.d.channelOf(task.conversationId);
    const offer = await this.d.routing.retryOffer(taskId, this.d.now(), this.expiry(channel));
    if (offer) await this.deliver(offer, channel);
  }

  async deliver(offer: Offer, channel?: Channel | null): Promise<void> {
    await this.d.scheduler.set<OfferTimerData>('offer', offer.task.id, offer.expiresAt, { agentId: offer.agentId });
    const ch = channel === undefined ? await this.d.channelOf(offer.task.conversationId) : channel;
    await this.report([
      {
        type: 'offer.made',
        taskId: offer.task.id,
        conversationId: offer.task.conversationId,
        agentId: offer.agentId,
        offeredAt: offer.task.offeredAt ?? new Date(this.d.now()).toISOString(),
        ...(offer.task.listId ? { listId: offer.task.listId } : {}),
        ...(ch ? { channelId: ch.id } : {}),
      },
    ]);
    let conversation: ConversationView;
    try {
      conversation = await this.d.view(offer.task.conversationId);
    } catch (err) {
      this.d.log.warn({ err, taskId: offer.task.id, conversationId: offer.task.conversationId, participantId: offer.agentId }, 'offer for a conversation that is gone');
      return;
    }
    this.d.fanout.toParticipant(offer.agentId, 'task.offered', {
      task: offer.task,
      conversation,
      expiresAt: new Date(offer.expiresAt).toISOString(),
    });
  }

  /** The agent's answer or the timer took the offer back: tell the agent, offer it to the next one. */
  async requeued(r: Requeued, reason: 'expired' | null): Promise<void> {
    const { agentId } = r;
    await this.d.scheduler.cancel('offer', r.task.id);
    if (reason) this.d.fanout.toParticipant(agentId, 'task.revoked', { taskId: r.task.id, reason });
    await this.offerEnded(r.task.id, agentId, r.offeredAt, reason ?? 'rejected');
    const channel = await this.d.channelOf(r.task.conversationId);
    let task = r.task;
    let mode: 'push' | 'pull' = 'push';
    if (r.targeted) {
      // A transfer its target refused: back to the channel's routing, not to the refuser.
      mode = channel?.routingMode ?? 'push';
      task = await this.d.routing.retarget(task.id, { mode, exclude: [agentId], ...(channel?.listId ? { listId: channel.listId } : {}) }, this.d.now());
    }
    const offered = await this.route(task, mode, channel);
    // Everyone who could take it said no (or nobody is free): ask again later, earliest refuser first.
    if (!offered && mode === 'push') {
      await this.d.scheduler.set('offer-retry', task.id, this.d.now() + (channel?.offerRetrySeconds ?? 30) * 1000, { conversationId: task.conversationId });
    }
    await this.fill(agentId);
  }

  /** The offer ended without being accepted or rejected: the task closed or was taken meanwhile. */
  async offerEnded(taskId: string, agentId: string, offeredAt: string | undefined, outcome: 'accepted' | 'rejected' | 'expired' | 'revoked'): Promise<void> {
    if (!offeredAt) return;
    await this.report([{ type: 'offer.ended', taskId, agentId, offeredAt, outcome, endedAt: new Date(this.d.now()).toISOString() }]);
  }

  /** Tasks created, taken or closed: their rows, and their queues' customers told their places. */
  async tasksChanged(tasks: readonly AgentTask[]): Promise<void> {
    if (tasks.length === 0) return;
    const rows: ReportEvent[] = [];
    for (const task of tasks) {
      const channel = await this.d.channelOf(task.conversationId).catch(() => null);
      rows.push({ type: 'task', task, ...(channel ? { channelId: channel.id } : {}) });
    }
    await this.report(rows);
    for (const listId of new Set(tasks.map((t) => t.listId ?? null))) {
      await this.d.scheduler.ensure<PositionsTimerData>('queue-positions', positionsKey(listId), this.d.now(), { listId });
    }
  }

  /** An agent's state or not-ready reason changed: a row of the agent-state report. */
  async agentStateChanged(before: AgentStatus | null, after: AgentStatus): Promise<void> {
    if (before && before.state === after.state && before.notReadyReason === after.notReadyReason) return;
    const reason = after.notReadyReason === undefined ? {} : { reason: after.notReadyReason };
    await this.report([{ type: 'agent.state', id: randomUUID(), agentId: after.agentId, state: after.state, ...reason, at: new Date(this.d.now()).toISOString() }]);
  }

  /** Pull mode: the list's agents learn of it; a task needing skills only reaches agents who have them. */
  private async announce(task: AgentTask): Promise<void> {
    if (!task.listId) return;
    if (!task.requiredSkills?.length) return this.d.fanout.toList(task.listId, 'task.queued', { task });
    for (const a of await this.d.routing.listAgents()) {
      if (servesList(a, task.listId) && hasSkills(a, task)) this.d.fanout.toParticipant(a.agentId, 'task.queued', { task });
    }
  }

  private expiry(channel: Channel | null): number {
    return this.d.now() + (channel?.offerTimeoutSeconds ?? 30) * 1000;
  }

  /** Report rows never fail the call that made them: the outbox is local or Redis, and a failure is logged. */
  private async report(events: ReportEvent[]): Promise<void> {
    if (!this.d.reports) return;
    try {
      await this.d.reports.record(events);
    } catch (err) {
      this.d.log.error({ err, events: events.length }, 'report rows not recorded');
    }
  }
}

import type { Logger } from 'pino';
import type { AgentTask, ConversationView } from '@conversation-hub/client-sdk/contract';
import type { Fanout, Offer, RoutingStore, Scheduler } from '../ports.js';
import type { OfferTimerData } from './context.js';

/**
 * Offers and their timers: the routing store decides atomically who gets a task; this turns each
 * decision into a `task.offered` push and an offer timer, and each revocation into `task.revoked`.
 */
export class TaskRouting {
  constructor(
    private readonly d: {
      routing: RoutingStore;
      scheduler: Scheduler;
      fanout: Fanout;
      log: Logger;
      now: () => number;
      /** The conversation as an agent sees it, for the offer. */
      view(conversationId: string): Promise<ConversationView>;
      /** Offer timeout of the channel the task's conversation came through, in seconds. */
      offerTimeoutSeconds(conversationId: string): Promise<number>;
    },
  ) {}

  /** A queued task: offered to the best agent (push), or announced to its list (pull). */
  async route(task: AgentTask, mode: 'push' | 'pull'): Promise<void> {
    if (mode === 'pull') {
      if (task.listId) this.d.fanout.toList(task.listId, 'task.queued', { task });
      return;
    }
    const expiresAt = this.d.now() + (await this.d.offerTimeoutSeconds(task.conversationId)) * 1000;
    const offer = await this.d.routing.offerNext(task.id, this.d.now(), expiresAt);
    if (offer) await this.deliver(offer);
  }

  /** Fills every free slot of the agent with the oldest tasks it may take. */
  async fill(agentId: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      // The offer timeout depends on the task's channel, known only once picked: use the default,
      // then move the timer to the channel's timeout in `deliver`.
      const offer = await this.d.routing.nextTaskForAgent(agentId, this.d.now(), this.d.now() + 30_000);
      if (!offer) return;
      const timeout = await this.d.offerTimeoutSeconds(offer.task.conversationId);
      await this.deliver({ ...offer, expiresAt: this.d.now() + timeout * 1000 });
    }
  }

  async deliver(offer: Offer): Promise<void> {
    await this.d.scheduler.set<OfferTimerData>('offer', offer.task.id, offer.expiresAt, { agentId: offer.agentId });
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
  async requeued(task: AgentTask, agentId: string, reason: 'expired' | null): Promise<void> {
    await this.d.scheduler.cancel('offer', task.id);
    if (reason) this.d.fanout.toParticipant(agentId, 'task.revoked', { taskId: task.id, reason });
    await this.route(task, 'push');
    await this.fill(agentId);
  }
}

import type { Logger } from 'pino';
import type { Activity, ConnectorOutbound, SubscriptionEvent, WebhookEvent } from '@conversation-hub/client-sdk/contract';
import type { WebhookDeliveries } from './deliveries.js';
import { subscriptionEvents } from './events.js';
import type { WebhookStore } from './store.js';

/** How long a node trusts its list of subscriptions; its own admin writes refresh it at once. */
const CACHE_MS = 5_000;

/**
 * The publish step's webhooks: each committed activity to the app subscriptions that asked for its
 * event, and each `connector.outbound` to the channel's `outboundWebhookUrl`. Only the node that
 * committed an activity publishes it, so each delivery is queued once; its id is deterministic,
 * so a repeat is the same delivery.
 */
export class WebhookDispatch {
  private cached: { at: number; list: Promise<{ id: string; events: SubscriptionEvent[] }[]> } | undefined;

  constructor(
    private readonly store: WebhookStore,
    private readonly deliveries: WebhookDeliveries,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The subscriptions changed on this node. */
  invalidate(): void {
    this.cached = undefined;
  }

  activities(list: readonly Activity[]): void {
    const events = subscriptionEvents(list);
    if (events.length === 0) return;
    void this.queueEvents(events).catch((err: unknown) => this.log.warn({ err, conversationId: list[0]?.conversationId }, 'subscription webhooks not queued'));
  }

  connectorOutbound(o: ConnectorOutbound): void {
    const job = { id: `out_${o.activity.id}_${o.channelSessionId}`, target: { serviceIdentifier: o.serviceIdentifier }, type: 'connector.outbound', body: JSON.stringify(o) };
    void this.deliveries.enqueue(job).catch((err: unknown) => this.log.warn({ err, conversationId: o.activity.conversationId }, 'outbound webhook not queued'));
  }

  private async queueEvents(events: { type: SubscriptionEvent; activity: Activity }[]): Promise<void> {
    const subscriptions = await this.subscriptions();
    for (const { type, activity } of events) {
      for (const s of subscriptions) {
        if (!s.events.includes(type)) continue;
        const body: WebhookEvent = { type, timestamp: activity.at, data: { conversationId: activity.conversationId, activity } };
        await this.deliveries.enqueue({ id: `msg_${s.id}_${type}_${activity.id}`, target: { subscriptionId: s.id }, type, body: JSON.stringify(body) });
      }
    }
  }

  private subscriptions() {
    const now = this.now();
    if (!this.cached || now - this.cached.at > CACHE_MS) {
      const list = this.store.active();
      this.cached = { at: now, list };
      list.catch(() => (this.cached = undefined));
    }
    return this.cached.list;
  }
}

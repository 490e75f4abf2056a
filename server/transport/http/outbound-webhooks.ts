import type { Logger } from 'pino';
import type { ConnectorOutbound } from '@conversation-hub/client-sdk/contract';
import type { ChannelDirectory } from '../../ports.js';
import type { WebhookOutcome } from '../metrics.js';

const ATTEMPTS = 3;
const TIMEOUT_MS = 5_000;

/**
 * POSTs `connector.outbound` payloads to the channel's `outboundWebhookUrl`, for connectors that
 * speak HTTP. Runs on the node that published the activity, so each one is POSTed once; a few
 * retries with backoff, then it is logged and dropped (PROTOCOL.md §6.3; connectors may not call
 * `activities.since`, §8).
 */
export class OutboundWebhooks {
  constructor(
    private readonly channels: ChannelDirectory,
    private readonly log: Logger,
    /** Told of each delivery's outcome and each retry (metrics: `hub_webhook_deliveries_total`). */
    private readonly record: (outcome: WebhookOutcome) => void = () => {},
  ) {}

  deliver(outbound: ConnectorOutbound): void {
    void this.send(outbound).catch((err: unknown) => {
      this.record('failed');
      this.log.warn({ err, serviceIdentifier: outbound.serviceIdentifier, conversationId: outbound.activity.conversationId }, 'outbound webhook failed');
    });
  }

  private async send(outbound: ConnectorOutbound): Promise<void> {
    const channel = await this.channels.byServiceIdentifier(outbound.serviceIdentifier);
    const url = channel?.outboundWebhookUrl;
    if (!url) return;
    const body = JSON.stringify(outbound);
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
        if (res.ok) return this.record('delivered');
        const refused = res.status >= 400 && res.status < 500 && res.status !== 429;
        if (refused) {
          this.log.warn({ status: res.status, serviceIdentifier: outbound.serviceIdentifier, conversationId: outbound.activity.conversationId }, 'outbound webhook refused; not retried');
          return this.record('failed');
        }
        throw new Error(`webhook answered ${res.status}`);
      } catch (err) {
        if (attempt >= ATTEMPTS) throw err;
        this.record('retried');
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }
}

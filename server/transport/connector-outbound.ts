import type { Logger } from 'pino';
import type { ConnectorOutbound } from '@conversation-hub/client-sdk/contract';
import type { ChannelDirectory } from '../ports.js';

/**
 * Where a channel's `connector.outbound` goes besides its socket connectors: the built-in
 * connector's sender (WhatsApp), else the channel's `outboundWebhookUrl` as a signed webhook.
 * Both queue durable Scheduler jobs; a channel with neither has nothing more to do.
 */
export function connectorOutboundSink(
  channels: ChannelDirectory,
  to: { webhooks: { connectorOutbound(o: ConnectorOutbound): void }; whatsapp: { enqueue(o: ConnectorOutbound): Promise<void> } },
  log: Logger,
): (o: ConnectorOutbound) => void {
  return (o) =>
    void (async () => {
      const channel = await channels.byServiceIdentifier(o.serviceIdentifier);
      if (channel?.connector?.provider === 'whatsapp-cloud') await to.whatsapp.enqueue(o);
      else if (channel?.outboundWebhookUrl) to.webhooks.connectorOutbound(o);
    })().catch((err: unknown) => log.warn({ err, conversationId: o.activity.conversationId, serviceIdentifier: o.serviceIdentifier }, 'connector.outbound not queued'));
}

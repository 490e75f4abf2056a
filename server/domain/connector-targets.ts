import type { ConversationDoc } from './conversation.js';

/** An open channel session that a connector serves: activities every customer may see go to it as `connector.outbound`. */
export interface ConnectorTarget {
  serviceIdentifier: string;
  channelSessionId: string;
  customerIdentifier: string;
}

/** The connector-served open sessions of a conversation (their channelData names the customer's identifier). */
export function connectorTargets(doc: ConversationDoc): ConnectorTarget[] {
  const out: ConnectorTarget[] = [];
  for (const s of doc.channelSessions) {
    const customerIdentifier = s.channelData.customerIdentifier;
    if (s.state === 'open' && customerIdentifier !== undefined) out.push({ serviceIdentifier: s.serviceIdentifier, channelSessionId: s.id, customerIdentifier });
  }
  return out;
}

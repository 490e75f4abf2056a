import type { ConversationDoc } from '../domain/conversation.js';
import { HubError } from '../domain/errors.js';
import type { EngineCore } from './core.js';

/**
 * Free text reaches a customer only inside the channel's customer-service window (WhatsApp's 24
 * hours since the customer last wrote); outside it, `window_closed`, and a template is the way to
 * write. Checked for each open session of a channel with a built-in connector.
 */
export async function requireOpenWindow(e: EngineCore, doc: ConversationDoc): Promise<void> {
  const windows = e.d.serviceWindows;
  if (!windows) return;
  for (const s of doc.channelSessions) {
    if (s.state !== 'open') continue;
    const channel = await e.d.channels.byServiceIdentifier(s.serviceIdentifier);
    const who = s.channelData.customerIdentifier;
    if (!channel?.connector || !who) continue;
    if (!(await windows.freeTextOpen(channel.serviceIdentifier, who, e.now()))) {
      throw new HubError('window_closed', `the customer has not written on ${channel.serviceIdentifier} in the last 24 hours: send a template (template.send)`, { serviceIdentifier: channel.serviceIdentifier });
    }
  }
}

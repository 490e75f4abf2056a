import { randomUUID } from 'node:crypto';
import type { OpenSessionInput } from '../../server/domain/conversation.js';

/** Input for `openSession`: a webchat customer's first session, overridable field by field. */
export function openInput(customerId: string, over: Partial<OpenSessionInput> = {}): OpenSessionInput {
  return {
    newConversationId: randomUUID(),
    customer: { id: customerId, name: 'Ada' },
    serviceIdentifier: 'webchat-main',
    channelType: 'webchat',
    channelData: { browser: 'firefox' },
    wrapUp: { enabled: false, timeoutSeconds: 60 },
    now: new Date().toISOString(),
    ...over,
  };
}

import type { ChannelSession, TemplateRef } from '@conversation-hub/client-sdk/contract';
import { isJoinable } from './conversation-state.js';
import { join, openSession, participant, type ConversationDoc, type OpenSessionInput, type Transition } from './conversation.js';

/** A template message's payload: the template for the connector, its name as the text everyone else reads. */
export function templatePayload(t: TemplateRef): { text: string; template: TemplateRef } {
  return { text: `[template ${t.name}]`, template: t };
}

/** The reason on the `participant.joined` of whoever starts an outbound conversation. */
export const OUTBOUND = 'outbound';

export interface StartOutboundInput extends Omit<OpenSessionInput, 'channelData'> {
  customerIdentifier: string;
  starter: { id: string; role: 'agent' | 'supervisor'; name?: string };
}

/**
 * `conversation.start`: the customer's open conversation (or a new one) gets an outbound session on
 * the channel, unless one is open there already, and the starter is in it at once — one write, so the
 * Controller never sees it without them and routes no task for it.
 */
export function startOutbound(input: StartOutboundInput): Transition<ConversationDoc | null, { channelSession: ChannelSession; conversationCreated: boolean }> {
  return (current) => {
    const live = current && isJoinable(current.state) ? current : null;
    const reused = live?.channelSessions.some((s) => s.state === 'open' && s.serviceIdentifier === input.serviceIdentifier) === true;
    const { customerIdentifier, starter, ...open } = input;
    // A session already open on the channel keeps its data: it is the customer's, not this start's.
    const opened = openSession({ ...open, channelData: reused ? {} : { direction: 'outbound', customerIdentifier } })(current);
    const joined = join(participant(starter.id, starter.role, starter.name, input.now), OUTBOUND, input.now)(opened.doc);
    return {
      doc: joined.doc,
      activities: [...opened.activities, ...joined.activities],
      result: { channelSession: opened.result.channelSession, conversationCreated: opened.result.conversationCreated },
    };
  };
}

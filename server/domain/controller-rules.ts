import type { Channel, ParticipantRole, RoutingMode, SessionCloseReason } from '@conversation-hub/client-sdk/contract';
import type { ConversationDoc } from './conversation.js';

/**
 * The Controller (seeds: "a universal participant that stays in the background to control the
 * whole flow of conversation") as a pure rules function: the engine commits an event, then asks
 * what the controller does about it and runs the actions through its own use cases. Actions may
 * cause further events (closing a session yields `session.closed`), which come back here.
 */

/** The channel's controller settings with what the rules also need from the channel. */
export type ControllerConfig = Channel['controller'] & {
  botId?: string;
  routingMode: RoutingMode;
  listId?: string;
  wrapUp: { enabled: boolean; timeoutSeconds: number };
};

export type ControllerEvent =
  | {
      type: 'session.started';
      sessionId: string;
      /** The session opened the conversation (OpenSessionResult.conversationCreated). */
      firstSession: boolean;
      /** The conversation has a task that is not closed (RoutingStore.tasksOf). */
      hasOpenTask: boolean;
    }
  | { type: 'session.closed'; sessionId: string; reason: SessionCloseReason }
  | { type: 'participant.joined'; participantId: string; role: ParticipantRole }
  | { type: 'participant.left'; participantId: string; role: ParticipantRole; reason?: string }
  | { type: 'inactivity.expired'; sessionId: string }
  | { type: 'handoff.requested'; listId?: string; hasOpenTask: boolean }
  | { type: 'wrapup.submitted'; agentId: string }
  | { type: 'wrapup.expired' };

export type ControllerAction =
  /** A `message` from role controller, visibility all. */
  | { type: 'send.message'; text: string }
  | { type: 'close.session'; sessionId: string; reason: SessionCloseReason }
  | { type: 'create.task'; listId?: string }
  /** Close every task of the conversation that is not closed. */
  | { type: 'close.tasks' }
  | { type: 'remove.participant'; participantId: string; reason: string }
  /** The channel's bot joins the conversation (and is sent its view). */
  | { type: 'invite.bot'; botId: string };

export const WRAPUP_SUBMITTED = 'wrapup_submitted';
export const WRAPUP_EXPIRED = 'wrapup_expired';
/** The reason of an agent's leave that hands the conversation on: not "the last agent left". */
export const TRANSFERRED = 'transferred';

const openSessions = (c: ControllerConversation) => c.channelSessions.filter((s) => s.state === 'open');
const agents = (c: ControllerConversation) => c.participants.filter((p) => p.role === 'agent');
const customerPresent = (c: ControllerConversation) => openSessions(c).length > 0;

/**
 * What the controller does after `event`; `conversation` is the doc after the event was committed.
 * Order matters: actions run in the order returned (the survey goes out before the session closes).
 */
export function controllerRules(config: ControllerConfig, conversation: ControllerConversation, event: ControllerEvent): ControllerAction[] {
  const c = conversation;
  // The archive has it: the live conversation is gone, nothing to control.
  if (c.state === 'closed') return [];
  switch (event.type) {
    case 'session.started': {
      const out: ControllerAction[] = [];
      // The channel's bot joins first, on every new session (joining twice changes nothing).
      if (config.botId !== undefined && !c.participants.some((p) => p.id === config.botId)) out.push({ type: 'invite.bot', botId: config.botId });
      // Greeting once per conversation: on the session that opened it, not on a return on another channel.
      if (event.firstSession && config.greeting) out.push({ type: 'send.message', text: config.greeting });
      // With a bot the bot serves first and asks for a human with handoff.request.
      if (config.botId === undefined && agents(c).length === 0 && !event.hasOpenTask && customerPresent(c)) out.push(createTask(config));
      return out;
    }
    case 'handoff.requested':
      // Nobody to hand over once the customer has gone; the engine answers the bot `conflict`.
      return event.hasOpenTask || !customerPresent(c) ? [] : [createTask(config, event.listId)];
    case 'participant.left': {
      if (event.role !== 'agent') return [];
      // Closing: nobody is served any more; whatever task is left closes.
      if (c.state === 'closing') return [{ type: 'close.tasks' }];
      // A transfer hands the conversation on: no survey, no closing.
      if (event.reason === TRANSFERRED || agents(c).length > 0) return [];
      // The last agent left after the customer did: nobody is served any more.
      if (!customerPresent(c)) return [{ type: 'close.tasks' }];
      const out: ControllerAction[] = [];
      if (config.survey) out.push({ type: 'send.message', text: config.survey });
      // Supervisors and apps only watch: they do not keep the customer's session open.
      const botPresent = c.participants.some((p) => p.role === 'bot');
      if (config.closeOnAgentLeave && !botPresent) {
        for (const s of openSessions(c)) out.push({ type: 'close.session', sessionId: s.id, reason: 'controller' });
      }
      return out;
    }
    case 'session.closed':
      return c.state === 'closing' || (!customerPresent(c) && agents(c).length === 0) ? [{ type: 'close.tasks' }] : [];
    case 'inactivity.expired': {
      const s = c.channelSessions.find((x) => x.id === event.sessionId);
      return s?.state === 'open' ? [{ type: 'close.session', sessionId: s.id, reason: 'inactivity' }] : [];
    }
    case 'wrapup.submitted': {
      if (c.state !== 'wrap_up' || !agents(c).some((p) => p.id === event.agentId)) return [];
      return [{ type: 'remove.participant', participantId: event.agentId, reason: WRAPUP_SUBMITTED }];
    }
    case 'wrapup.expired': {
      if (c.state !== 'wrap_up') return [];
      const present = new Set(agents(c).map((p) => p.id));
      return c.wrapUpPending.filter((id) => present.has(id)).map((id) => ({ type: 'remove.participant', participantId: id, reason: WRAPUP_EXPIRED }));
    }
    case 'participant.joined':
      // Nothing yet: an agent joining is the answer to a task, a bot joining is the channel's choice.
      return [];
  }
}

/** The parts of the doc the rules read: a test can build one by hand. */
export type ControllerConversation = Pick<ConversationDoc, 'state' | 'channelSessions' | 'participants' | 'wrapUpPending'>;

function createTask(config: ControllerConfig, listId?: string): ControllerAction {
  const list = listId ?? config.listId;
  return list === undefined ? { type: 'create.task' } : { type: 'create.task', listId: list };
}

/** The channel's settings the rules read; a conversation with no channel gets the defaults. */
export function controllerConfig(channel: Channel | null): ControllerConfig {
  if (!channel) return { closeOnAgentLeave: false, routingMode: 'push', wrapUp: { enabled: false, timeoutSeconds: 60 } };
  return {
    ...channel.controller,
    routingMode: channel.routingMode,
    wrapUp: channel.wrapUp,
    ...(channel.botId ? { botId: channel.botId } : {}),
    ...(channel.listId ? { listId: channel.listId } : {}),
  };
}

import type { Channel, ParticipantRole, RoutingMode, SessionCloseReason, TaskReason } from '@conversation-hub/client-sdk/contract';
import { channelBotId } from './bot-participant.js';
import { isOpenAt, nextOpening } from './business-hours.js';
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
  requiredSkills?: string[];
  queue?: Channel['queue'];
  businessHours?: Channel['businessHours'];
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
  | { type: 'handoff.requested'; listId?: string; skills?: string[]; hasOpenTask: boolean }
  | { type: 'wrapup.submitted'; agentId: string }
  | { type: 'wrapup.expired' }
  /** A customer wrote (an agent-less conversation may need a task again). */
  | { type: 'message.received'; hasOpenTask: boolean }
  /** An agent or supervisor ended the conversation (`conversation.end`). */
  | { type: 'conversation.ended'; text?: string }
  /** The channel's business hours opened for a conversation whose task was deferred. */
  | { type: 'hours.opened'; reason: TaskReason; listId?: string; skills?: string[]; hasOpenTask: boolean }
  /** A task waited `queue.maxWaitSeconds` without being taken. */
  | { type: 'queue.timeout'; taskId: string; listId?: string; skills?: string[] };

export type ControllerAction =
  /** A `message` from role controller, visibility all. */
  | { type: 'send.message'; text: string }
  | { type: 'close.session'; sessionId: string; reason: SessionCloseReason }
  | { type: 'create.task'; reason: TaskReason; listId?: string; requiredSkills?: string[] }
  /** Outside business hours: create the task at `at` (epoch ms), the next opening. */
  | { type: 'defer.task'; at: number; reason: TaskReason; listId?: string; requiredSkills?: string[] }
  /** The task closes and a new one (reason `overflow`) waits on `listId`. */
  | { type: 'move.task'; taskId: string; listId: string; requiredSkills?: string[] }
  /** Close every task of the conversation that is not closed. */
  | { type: 'close.tasks' }
  | { type: 'remove.participant'; participantId: string; reason: string }
  /** The channel's bot joins the conversation (and is sent its view). */
  | { type: 'invite.bot'; botId: string };

export const WRAPUP_SUBMITTED = 'wrapup_submitted';
export const WRAPUP_EXPIRED = 'wrapup_expired';
/** The reason of an agent's leave that hands the conversation on: not "the last agent left". */
export const TRANSFERRED = 'transferred';
/** The reason of the leave of an agent a supervisor took the conversation from (`conversation.reassign`): handed on too. */
export const REASSIGNED = 'reassigned';
/** The reason of the leave of an agent whose conversation was ended without wrap-up. */
export const ENDED = 'conversation_ended';
export const DEFAULT_END_MESSAGE = 'This conversation has been ended.';
export const DEFAULT_OVERFLOW_MESSAGE = 'Sorry, nobody could take your conversation in time. Please try again later.';

const openSessions = (c: ControllerConversation) => c.channelSessions.filter((s) => s.state === 'open');
const agents = (c: ControllerConversation) => c.participants.filter((p) => p.role === 'agent');
const customerPresent = (c: ControllerConversation) => openSessions(c).length > 0;

/**
 * What the controller does after `event`; `conversation` is the doc after the event was committed.
 * Order matters: actions run in the order returned (the survey goes out before the session closes).
 */
export function controllerRules(config: ControllerConfig, conversation: ControllerConversation, event: ControllerEvent, now = 0): ControllerAction[] {
  const c = conversation;
  const need = (reason: TaskReason, listId?: string, skills?: string[]) => needAgent(config, now, reason, listId, skills);
  // The archive has it: the live conversation is gone, nothing to control.
  if (c.state === 'closed') return [];
  switch (event.type) {
    case 'session.started': {
      const out: ControllerAction[] = [];
      // The channel's bot joins first, on every new session (joining twice changes nothing).
      if (config.botId !== undefined && !c.participants.some((p) => p.id === config.botId)) out.push({ type: 'invite.bot', botId: config.botId });
      // Greeting once per conversation: on the session that opened it, not on a return on another channel.
      if (event.firstSession && config.greeting) out.push({ type: 'send.message', text: config.greeting });
      const closed = config.businessHours && !isOpenAt(config.businessHours, now);
      if (event.firstSession && closed) out.push({ type: 'send.message', text: config.businessHours!.closedMessage });
      // With a bot the bot serves first and asks for a human with handoff.request.
      if (config.botId === undefined && agents(c).length === 0 && !event.hasOpenTask && customerPresent(c)) out.push(...need('new'));
      return out;
    }
    case 'handoff.requested': {
      // Nobody to hand over once the customer has gone; the engine answers the bot `conflict`.
      if (event.hasOpenTask || !customerPresent(c)) return [];
      const closed = config.businessHours && !isOpenAt(config.businessHours, now);
      return [...(closed ? [{ type: 'send.message', text: config.businessHours!.closedMessage } as const] : []), ...need('handoff', event.listId, event.skills)];
    }
    case 'message.received':
      // Never stranded: the customer writes, nobody serves (the agent left), nothing waits: a task again.
      if (event.hasOpenTask || !customerPresent(c) || agents(c).length > 0 || c.participants.some((p) => p.role === 'bot')) return [];
      return c.state === 'inactive' || c.state === 'created' ? need('reroute') : [];
    case 'hours.opened':
      if (event.hasOpenTask || !customerPresent(c) || agents(c).length > 0) return [];
      return need(event.reason, event.listId, event.skills);
    case 'queue.timeout': {
      const q = config.queue;
      if (q?.overflowListId !== undefined && q.overflowListId !== event.listId) {
        return [{ type: 'move.task', taskId: event.taskId, listId: q.overflowListId, ...(event.skills?.length ? { requiredSkills: event.skills } : {}) }];
      }
      const out: ControllerAction[] = [{ type: 'send.message', text: q?.overflowMessage ?? DEFAULT_OVERFLOW_MESSAGE }];
      for (const s of openSessions(c)) out.push({ type: 'close.session', sessionId: s.id, reason: 'controller' });
      return [...out, { type: 'close.tasks' }];
    }
    case 'conversation.ended': {
      if (c.state === 'closing') return [];
      const out: ControllerAction[] = [{ type: 'send.message', text: event.text ?? DEFAULT_END_MESSAGE }];
      for (const s of openSessions(c)) out.push({ type: 'close.session', sessionId: s.id, reason: 'controller' });
      // Without wrap-up the agents are done now; with it, the wrap-up rules let them go.
      if (!config.wrapUp.enabled) for (const a of agents(c)) out.push({ type: 'remove.participant', participantId: a.id, reason: ENDED });
      return out;
    }
    case 'participant.left': {
      if (event.role !== 'agent') return [];
      // Closing: nobody is served any more; whatever task is left closes.
      if (c.state === 'closing') return [{ type: 'close.tasks' }];
      // A transfer hands the conversation on: no survey, no closing.
      if (event.reason === TRANSFERRED || event.reason === REASSIGNED || agents(c).length > 0) return [];
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

/** A task for a human now, or at the next opening when the channel is closed (never: none). */
export function needAgent(config: ControllerConfig, now: number, reason: TaskReason, listId?: string, skills?: string[]): ControllerAction[] {
  const list = listId ?? config.listId;
  const requiredSkills = [...new Set([...(config.requiredSkills ?? []), ...(skills ?? [])])];
  const what = { reason, ...(list === undefined ? {} : { listId: list }), ...(requiredSkills.length ? { requiredSkills } : {}) };
  if (config.businessHours && !isOpenAt(config.businessHours, now)) {
    const at = nextOpening(config.businessHours, now);
    return at === null ? [] : [{ type: 'defer.task', at, ...what }];
  }
  return [{ type: 'create.task', ...what }];
}

/** The channel's settings the rules read; a conversation with no channel gets the defaults. */
export function controllerConfig(channel: Channel | null): ControllerConfig {
  if (!channel) return { closeOnAgentLeave: false, routingMode: 'push', wrapUp: { enabled: false, timeoutSeconds: 60 } };
  return {
    ...channel.controller,
    routingMode: channel.routingMode,
    wrapUp: channel.wrapUp,
    ...(channelBotId(channel) ? { botId: channelBotId(channel)! } : {}),
    ...(channel.listId ? { listId: channel.listId } : {}),
    ...(channel.requiredSkills?.length ? { requiredSkills: channel.requiredSkills } : {}),
    ...(channel.queue ? { queue: channel.queue } : {}),
    ...(channel.businessHours ? { businessHours: channel.businessHours } : {}),
  };
}

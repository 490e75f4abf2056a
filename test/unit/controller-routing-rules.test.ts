import { describe, expect, test } from '@jest/globals';
import type { BusinessHours, ChannelSession, ConversationState, ParticipantRole } from '@conversation-hub/client-sdk/contract';
import { controllerRules, DEFAULT_END_MESSAGE, DEFAULT_OVERFLOW_MESSAGE, ENDED, type ControllerConfig, type ControllerConversation } from '../../server/domain/controller-rules.js';
import { participant } from '../../server/domain/conversation.js';

// The Controller's routing rules of issue 12: never stranded, conversation.end, the queue's
// waiting limit, business hours, skills. The clock is an argument.

const T0 = '2026-11-23T10:00:00.000Z'; // a Monday
const MONDAY_10 = Date.parse(T0);
const SUNDAY_10 = Date.parse('2026-11-22T10:00:00.000Z');

const BASE: ControllerConfig = { closeOnAgentLeave: false, routingMode: 'push', wrapUp: { enabled: false, timeoutSeconds: 60 } };
const cfg = (over: Partial<ControllerConfig> = {}): ControllerConfig => ({ ...BASE, ...over });
const HOURS: BusinessHours = { timezone: 'UTC', weekly: [{ day: 'mon', open: '09:00', close: '17:00' }], closedMessage: 'We are closed' };

function session(id: string, state: 'open' | 'closed' = 'open'): ChannelSession {
  return { id, conversationId: 'c', customerId: 'cust', serviceIdentifier: 'web', channelType: 'webchat', channelData: {}, state, openedAt: T0 };
}
function conv(sessions: string[], people: [string, ParticipantRole][], state: ConversationState): ControllerConversation {
  return {
    state,
    channelSessions: sessions.map((s) => (s.startsWith('!') ? session(s.slice(1), 'closed') : session(s))),
    participants: people.map(([id, role]) => participant(id, role, undefined, T0)),
    wrapUpPending: [],
  };
}
const CUSTOMER: [string, ParticipantRole] = ['cust', 'customer'];
const AGENT: [string, ParticipantRole] = ['a1', 'agent'];
const wrote = { type: 'message.received', hasOpenTask: false } as const;

describe('never stranded: a customer writing to nobody gets a task (reroute)', () => {
  test('after the agent left (inactive), with the channel list and skills', () => {
    const c = conv(['s1'], [CUSTOMER], 'inactive');
    expect(controllerRules(cfg({ listId: 'sales', requiredSkills: ['fr'] }), c, wrote, MONDAY_10)).toEqual([{ type: 'create.task', reason: 'reroute', listId: 'sales', requiredSkills: ['fr'] }]);
  });
  test('not while a task is open, an agent or a bot is in it, or the customer has gone', () => {
    expect(controllerRules(cfg(), conv(['s1'], [CUSTOMER], 'inactive'), { type: 'message.received', hasOpenTask: true })).toEqual([]);
    expect(controllerRules(cfg(), conv(['s1'], [CUSTOMER, AGENT], 'active'), wrote)).toEqual([]);
    expect(controllerRules(cfg(), conv(['s1'], [CUSTOMER, ['bot', 'bot']], 'created'), wrote)).toEqual([]);
    expect(controllerRules(cfg(), conv(['!s1'], [CUSTOMER], 'closing'), wrote)).toEqual([]);
  });
  test('outside business hours the task is deferred to the opening', () => {
    const actions = controllerRules(cfg({ businessHours: HOURS }), conv(['s1'], [CUSTOMER], 'inactive'), wrote, SUNDAY_10);
    expect(actions).toEqual([{ type: 'defer.task', at: Date.parse('2026-11-23T09:00:00.000Z'), reason: 'reroute' }]);
  });
});

describe('conversation.end', () => {
  test('tells the customer, closes every open session and, without wrap-up, lets the agents go', () => {
    const c = conv(['s1', '!s0', 's2'], [CUSTOMER, AGENT], 'active');
    expect(controllerRules(cfg(), c, { type: 'conversation.ended', text: 'Bye' })).toEqual([
      { type: 'send.message', text: 'Bye' },
      { type: 'close.session', sessionId: 's1', reason: 'controller' },
      { type: 'close.session', sessionId: 's2', reason: 'controller' },
      { type: 'remove.participant', participantId: 'a1', reason: ENDED },
    ]);
  });
  test('with wrap-up the agents stay for it; the default text without a reason', () => {
    const c = conv(['s1'], [CUSTOMER, AGENT], 'active');
    expect(controllerRules(cfg({ wrapUp: { enabled: true, timeoutSeconds: 30 } }), c, { type: 'conversation.ended' })).toEqual([
      { type: 'send.message', text: DEFAULT_END_MESSAGE },
      { type: 'close.session', sessionId: 's1', reason: 'controller' },
    ]);
  });
  test('a closing conversation is left alone', () => {
    expect(controllerRules(cfg(), conv(['!s1'], [AGENT], 'closing'), { type: 'conversation.ended' })).toEqual([]);
  });
});

describe('the queue waiting limit', () => {
  const c = conv(['s1'], [CUSTOMER], 'created');
  test('moves the task to the overflow list with its skills', () => {
    const config = cfg({ listId: 'sales', queue: { maxWaitSeconds: 60, overflowListId: 'backup' } });
    expect(controllerRules(config, c, { type: 'queue.timeout', taskId: 't1', listId: 'sales', skills: ['fr'] })).toEqual([{ type: 'move.task', taskId: 't1', listId: 'backup', requiredSkills: ['fr'] }]);
  });
  test('without an overflow list (or already on it) the customer is told and let go', () => {
    const told = [{ type: 'send.message', text: 'Try later' }, { type: 'close.session', sessionId: 's1', reason: 'controller' }, { type: 'close.tasks' }];
    expect(controllerRules(cfg({ queue: { maxWaitSeconds: 60, overflowMessage: 'Try later' } }), c, { type: 'queue.timeout', taskId: 't1' })).toEqual(told);
    const onOverflow = cfg({ queue: { maxWaitSeconds: 60, overflowListId: 'backup', overflowMessage: 'Try later' } });
    expect(controllerRules(onOverflow, c, { type: 'queue.timeout', taskId: 't2', listId: 'backup' })).toEqual(told);
    expect(controllerRules(cfg({ queue: { maxWaitSeconds: 60 } }), c, { type: 'queue.timeout', taskId: 't1' })[0]).toEqual({ type: 'send.message', text: DEFAULT_OVERFLOW_MESSAGE });
  });
});

describe('business hours', () => {
  const started = { type: 'session.started', sessionId: 's1', firstSession: true, hasOpenTask: false } as const;
  test('closed: the closed message, and the task deferred to the next opening', () => {
    const actions = controllerRules(cfg({ businessHours: HOURS, greeting: 'Hi', listId: 'l' }), conv(['s1'], [CUSTOMER], 'created'), started, SUNDAY_10);
    expect(actions).toEqual([
      { type: 'send.message', text: 'Hi' },
      { type: 'send.message', text: 'We are closed' },
      { type: 'defer.task', at: Date.parse('2026-11-23T09:00:00.000Z'), reason: 'new', listId: 'l' },
    ]);
  });
  test('open: the task now, no closed message', () => {
    expect(controllerRules(cfg({ businessHours: HOURS }), conv(['s1'], [CUSTOMER], 'created'), started, MONDAY_10)).toEqual([{ type: 'create.task', reason: 'new' }]);
  });
  test('never open: no task to defer to', () => {
    const never = { ...HOURS, weekly: [] };
    expect(controllerRules(cfg({ businessHours: never }), conv(['s1'], [CUSTOMER], 'created'), started, MONDAY_10)).toEqual([{ type: 'send.message', text: 'We are closed' }]);
  });
  test('at the opening the deferred task is created if the customer still waits for one', () => {
    const opened = { type: 'hours.opened', reason: 'new', listId: 'l', hasOpenTask: false } as const;
    expect(controllerRules(cfg({ businessHours: HOURS }), conv(['s1'], [CUSTOMER], 'created'), opened, MONDAY_10)).toEqual([{ type: 'create.task', reason: 'new', listId: 'l' }]);
    expect(controllerRules(cfg({ businessHours: HOURS }), conv(['!s1'], [CUSTOMER], 'closing'), opened, MONDAY_10)).toEqual([]);
    expect(controllerRules(cfg({ businessHours: HOURS }), conv(['s1'], [CUSTOMER], 'created'), { ...opened, hasOpenTask: true }, MONDAY_10)).toEqual([]);
  });
  test("a bot's handoff while closed: the closed message and the deferral, skills merged with the channel's", () => {
    const c = conv(['s1'], [CUSTOMER, ['bot', 'bot']], 'created');
    const actions = controllerRules(cfg({ businessHours: HOURS, botId: 'bot', requiredSkills: ['fr'] }), c, { type: 'handoff.requested', skills: ['billing', 'fr'], hasOpenTask: false }, SUNDAY_10);
    expect(actions).toEqual([
      { type: 'send.message', text: 'We are closed' },
      { type: 'defer.task', at: Date.parse('2026-11-23T09:00:00.000Z'), reason: 'handoff', requiredSkills: ['fr', 'billing'] },
    ]);
  });
});

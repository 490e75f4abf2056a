import { describe, expect, test } from '@jest/globals';
import type { ChannelSession, ConversationState, ParticipantRole } from '@conversation-hub/client-sdk/contract';
import {
  controllerRules,
  REASSIGNED,
  TRANSFERRED,
  WRAPUP_EXPIRED,
  WRAPUP_SUBMITTED,
  type ControllerConfig,
  type ControllerConversation,
  type ControllerEvent,
} from '../../server/domain/controller-rules.js';
import { closeSession, join, leave, openSession, participant } from '../../server/domain/conversation.js';

const T0 = '2024-05-01T10:00:00.000Z';

const BASE: ControllerConfig = { closeOnAgentLeave: false, routingMode: 'push', wrapUp: { enabled: false, timeoutSeconds: 60 } };
const cfg = (over: Partial<ControllerConfig> = {}): ControllerConfig => ({ ...BASE, ...over });

function session(id: string, state: 'open' | 'closed' = 'open'): ChannelSession {
  return { id, conversationId: 'c', customerId: 'cust', serviceIdentifier: `svc-${id}`, channelType: 'webchat', channelData: {}, state, openedAt: T0 };
}

/** A conversation by hand: sessions by id (`!` = closed), participants as [id, role]. */
function conv(
  sessions: string[],
  people: [string, ParticipantRole][],
  state: ConversationState = 'active',
  wrapUpPending: string[] = [],
): ControllerConversation {
  return {
    state,
    channelSessions: sessions.map((s) => (s.startsWith('!') ? session(s.slice(1), 'closed') : session(s))),
    participants: people.map(([id, role]) => participant(id, role, undefined, T0)),
    wrapUpPending,
  };
}

const CUSTOMER: [string, ParticipantRole] = ['cust', 'customer'];
const BOT: [string, ParticipantRole] = ['bot', 'bot'];
const started = (over: Partial<Extract<ControllerEvent, { type: 'session.started' }>> = {}): ControllerEvent => ({
  type: 'session.started',
  sessionId: 's1',
  firstSession: true,
  hasOpenTask: false,
  ...over,
});
const agentLeft: ControllerEvent = { type: 'participant.left', participantId: 'a1', role: 'agent' };

describe('the channel bot', () => {
  test('invited first when a session starts and the bot is not in the conversation, before the greeting', () => {
    const actions = controllerRules(cfg({ greeting: 'Hello!', botId: 'bot' }), conv(['s1'], [CUSTOMER], 'created'), started());
    expect(actions).toEqual([{ type: 'invite.bot', botId: 'bot' }, { type: 'send.message', text: 'Hello!' }]);
  });

  test('invited again on a later session when it has left; not when it is there', () => {
    expect(controllerRules(cfg({ botId: 'bot' }), conv(['!s1', 's2'], [CUSTOMER], 'inactive'), started({ sessionId: 's2', firstSession: false }))).toEqual([{ type: 'invite.bot', botId: 'bot' }]);
    expect(controllerRules(cfg({ botId: 'bot' }), conv(['!s1', 's2'], [CUSTOMER, BOT], 'inactive'), started({ sessionId: 's2', firstSession: false }))).toEqual([]);
  });

  test('a channel without a bot invites none', () => {
    expect(controllerRules(cfg(), conv(['s1'], [CUSTOMER], 'created'), started())).not.toContainEqual(expect.objectContaining({ type: 'invite.bot' }));
  });
});

describe('greeting', () => {
  test('sent when the first customer session starts, if configured', () => {
    const actions = controllerRules(cfg({ greeting: 'Hello!', botId: 'bot' }), conv(['s1'], [CUSTOMER, BOT], 'created'), started());
    expect(actions).toEqual([{ type: 'send.message', text: 'Hello!' }]);
  });

  test('not sent on a later session (the customer came back on another channel)', () => {
    const actions = controllerRules(cfg({ greeting: 'Hello!', botId: 'bot' }), conv(['s1', 's2'], [CUSTOMER, BOT], 'created'), started({ sessionId: 's2', firstSession: false }));
    expect(actions).toEqual([]);
  });

  test('not sent when not configured (nor when empty)', () => {
    expect(controllerRules(cfg({ botId: 'bot' }), conv(['s1'], [CUSTOMER, BOT], 'created'), started())).toEqual([]);
    expect(controllerRules(cfg({ botId: 'bot', greeting: '' }), conv(['s1'], [CUSTOMER, BOT], 'created'), started())).toEqual([]);
  });
});

describe('a customer needing a human', () => {
  test('no bot, no agent, no open task: a task on the channel list, after the greeting', () => {
    const actions = controllerRules(cfg({ greeting: 'Hi', listId: 'sales' }), conv(['s1'], [CUSTOMER], 'created'), started());
    expect(actions).toEqual([{ type: 'send.message', text: 'Hi' }, { type: 'create.task', reason: 'new', listId: 'sales' }]);
  });

  test('a channel without a list makes a task without one', () => {
    expect(controllerRules(cfg(), conv(['s1'], [CUSTOMER], 'created'), started())).toEqual([{ type: 'create.task', reason: 'new' }]);
  });

  test('pull mode makes a task too (agents pull it)', () => {
    expect(controllerRules(cfg({ routingMode: 'pull', listId: 'l' }), conv(['s1'], [CUSTOMER], 'created'), started())).toEqual([{ type: 'create.task', reason: 'new', listId: 'l' }]);
  });

  test('a returning customer in an inactive conversation gets a task again', () => {
    const actions = controllerRules(cfg(), conv(['!s1', 's2'], [CUSTOMER], 'inactive'), started({ sessionId: 's2', firstSession: false }));
    expect(actions).toEqual([{ type: 'create.task', reason: 'new' }]);
  });

  test('not when the channel has a bot: the bot serves and hands off', () => {
    expect(controllerRules(cfg({ botId: 'bot' }), conv(['s1'], [CUSTOMER, BOT], 'created'), started())).toEqual([]);
  });

  test('not when an agent is in the conversation', () => {
    const actions = controllerRules(cfg(), conv(['s1', 's2'], [CUSTOMER, ['a1', 'agent']]), started({ sessionId: 's2', firstSession: false }));
    expect(actions).toEqual([]);
  });

  test('not when a task is open already', () => {
    expect(controllerRules(cfg(), conv(['s1'], [CUSTOMER], 'created'), started({ hasOpenTask: true }))).toEqual([]);
  });

  test('a supervisor in it is not an agent: still a task', () => {
    expect(controllerRules(cfg(), conv(['s1'], [CUSTOMER, ['sup', 'supervisor']], 'created'), started())).toEqual([{ type: 'create.task', reason: 'new' }]);
  });
});

describe('handoff', () => {
  test('a bot asking for a human makes a task, on its list or the channel one', () => {
    const c = conv(['s1'], [CUSTOMER, ['bot', 'bot']], 'created');
    expect(controllerRules(cfg({ botId: 'bot', listId: 'sales' }), c, { type: 'handoff.requested', hasOpenTask: false })).toEqual([{ type: 'create.task', reason: 'handoff', listId: 'sales' }]);
    expect(controllerRules(cfg({ botId: 'bot', listId: 'sales' }), c, { type: 'handoff.requested', listId: 'vip', hasOpenTask: false })).toEqual([{ type: 'create.task', reason: 'handoff', listId: 'vip' }]);
  });

  test('not when a task is open already', () => {
    expect(controllerRules(cfg({ botId: 'bot' }), conv(['s1'], [CUSTOMER], 'created'), { type: 'handoff.requested', hasOpenTask: true })).toEqual([]);
  });

  test('not once the customer has left', () => {
    expect(controllerRules(cfg({ botId: 'bot' }), conv(['!s1'], [['bot', 'bot']], 'closing'), { type: 'handoff.requested', hasOpenTask: false })).toEqual([]);
  });
});

describe('the last agent leaving', () => {
  test('survey when the last agent leaves and the customer is still there', () => {
    expect(controllerRules(cfg({ survey: 'Rate us' }), conv(['s1'], [CUSTOMER], 'inactive'), agentLeft)).toEqual([{ type: 'send.message', text: 'Rate us' }]);
  });

  test('no survey when another agent is still in it', () => {
    expect(controllerRules(cfg({ survey: 'Rate us', closeOnAgentLeave: true }), conv(['s1'], [CUSTOMER, ['a2', 'agent']]), agentLeft)).toEqual([]);
  });

  test('no survey when not configured', () => {
    expect(controllerRules(cfg(), conv(['s1'], [CUSTOMER], 'inactive'), agentLeft)).toEqual([]);
  });

  test('no survey when a supervisor, bot or app leaves', () => {
    for (const role of ['supervisor', 'bot', 'app'] as const) {
      expect(controllerRules(cfg({ survey: 'Rate us', closeOnAgentLeave: true }), conv(['s1'], [CUSTOMER], 'created'), { type: 'participant.left', participantId: 'x', role })).toEqual([]);
    }
  });

  test('closeOnAgentLeave and nobody else: survey, then every open customer session closed by the controller', () => {
    const actions = controllerRules(cfg({ survey: 'Rate us', closeOnAgentLeave: true }), conv(['!s0', 's1', 's2'], [CUSTOMER], 'inactive'), agentLeft);
    expect(actions).toEqual([
      { type: 'send.message', text: 'Rate us' },
      { type: 'close.session', sessionId: 's1', reason: 'controller' },
      { type: 'close.session', sessionId: 's2', reason: 'controller' },
    ]);
  });

  test('closeOnAgentLeave keeps the session when a bot is still in it', () => {
    expect(controllerRules(cfg({ closeOnAgentLeave: true }), conv(['s1'], [CUSTOMER, ['bot', 'bot']], 'inactive'), agentLeft)).toEqual([]);
  });

  test('closeOnAgentLeave: a supervisor or app watching does not keep the session open', () => {
    const actions = controllerRules(cfg({ closeOnAgentLeave: true }), conv(['s1'], [CUSTOMER, ['sup', 'supervisor'], ['app', 'app']], 'inactive'), agentLeft);
    expect(actions).toEqual([{ type: 'close.session', sessionId: 's1', reason: 'controller' }]);
  });

  test('without closeOnAgentLeave the session stays', () => {
    expect(controllerRules(cfg(), conv(['s1'], [CUSTOMER], 'inactive'), agentLeft)).toEqual([]);
  });

  test('an agent who leaves to transfer the conversation is not "the last agent": no survey, no close', () => {
    const transferred: ControllerEvent = { ...agentLeft, reason: TRANSFERRED } as ControllerEvent;
    expect(controllerRules(cfg({ survey: 'Rate us', closeOnAgentLeave: true }), conv(['s1'], [CUSTOMER], 'inactive'), transferred)).toEqual([]);
  });

  test('an agent a supervisor reassigned the conversation from is handed on too: no survey, no close', () => {
    const reassigned: ControllerEvent = { ...agentLeft, reason: REASSIGNED } as ControllerEvent;
    expect(controllerRules(cfg({ survey: 'Rate us', closeOnAgentLeave: true }), conv(['s1'], [CUSTOMER], 'inactive'), reassigned)).toEqual([]);
  });

  test('an agent leaving a closing conversation closes the tasks left, even while another agent is in it', () => {
    expect(controllerRules(cfg({ survey: 'Rate us' }), conv(['!s1'], [['a2', 'agent']], 'closing'), agentLeft)).toEqual([{ type: 'close.tasks' }]);
  });

  test('after the customer left: no survey, no close, the tasks are closed', () => {
    const actions = controllerRules(cfg({ survey: 'Rate us', closeOnAgentLeave: true }), conv(['!s1'], [], 'closing'), agentLeft);
    expect(actions).toEqual([{ type: 'close.tasks' }]);
  });
});

describe('inactivity', () => {
  test('closes that session with reason inactivity', () => {
    expect(controllerRules(cfg(), conv(['s1', 's2'], [CUSTOMER]), { type: 'inactivity.expired', sessionId: 's2' })).toEqual([
      { type: 'close.session', sessionId: 's2', reason: 'inactivity' },
    ]);
  });

  test('nothing when that session is closed already or unknown (a late timer)', () => {
    expect(controllerRules(cfg(), conv(['!s1', 's2'], [CUSTOMER]), { type: 'inactivity.expired', sessionId: 's1' })).toEqual([]);
    expect(controllerRules(cfg(), conv(['s1'], [CUSTOMER]), { type: 'inactivity.expired', sessionId: 'zz' })).toEqual([]);
  });
});

describe('the customer leaving', () => {
  test("the customer's last session closing with no agent in it closes the open tasks", () => {
    expect(controllerRules(cfg(), conv(['!s1'], [['bot', 'bot']], 'closing'), { type: 'session.closed', sessionId: 's1', reason: 'customer_left' })).toEqual([{ type: 'close.tasks' }]);
  });

  test('not while another session of the customer is open', () => {
    expect(controllerRules(cfg(), conv(['!s1', 's2'], [CUSTOMER], 'created'), { type: 'session.closed', sessionId: 's1', reason: 'inactivity' })).toEqual([]);
  });

  test('a session closing in a closing conversation closes the tasks whoever is left', () => {
    expect(controllerRules(cfg(), conv(['!s1'], [['a1', 'agent']], 'closing'), { type: 'session.closed', sessionId: 's1', reason: 'controller' })).toEqual([{ type: 'close.tasks' }]);
  });

  test('not while an agent is in the conversation (customer_left / wrap_up)', () => {
    expect(controllerRules(cfg(), conv(['!s1'], [['a1', 'agent']], 'customer_left'), { type: 'session.closed', sessionId: 's1', reason: 'customer_left' })).toEqual([]);
  });
});

describe('wrap-up', () => {
  const wrap = conv(['!s1'], [['a1', 'agent'], ['a2', 'agent'], ['sup', 'supervisor']], 'wrap_up', ['a1', 'a2']);

  test('when it expires, the agents still pending are removed', () => {
    expect(controllerRules(cfg(), wrap, { type: 'wrapup.expired' })).toEqual([
      { type: 'remove.participant', participantId: 'a1', reason: WRAPUP_EXPIRED },
      { type: 'remove.participant', participantId: 'a2', reason: WRAPUP_EXPIRED },
    ]);
  });

  test('only the pending ones still in it', () => {
    const c = conv(['!s1'], [['a2', 'agent'], ['a3', 'agent']], 'wrap_up', ['a1', 'a2']);
    expect(controllerRules(cfg(), c, { type: 'wrapup.expired' })).toEqual([{ type: 'remove.participant', participantId: 'a2', reason: WRAPUP_EXPIRED }]);
  });

  test('a late timer after the customer came back does nothing', () => {
    expect(controllerRules(cfg(), conv(['s2'], [CUSTOMER, ['a1', 'agent']], 'active'), { type: 'wrapup.expired' })).toEqual([]);
  });

  test('an agent submitting its wrap-up leaves the conversation', () => {
    expect(controllerRules(cfg(), wrap, { type: 'wrapup.submitted', agentId: 'a2' })).toEqual([{ type: 'remove.participant', participantId: 'a2', reason: WRAPUP_SUBMITTED }]);
  });

  test('a wrap-up submitted outside wrap_up, or by someone not in it, removes nobody', () => {
    expect(controllerRules(cfg(), conv(['s1'], [CUSTOMER, ['a1', 'agent']], 'active'), { type: 'wrapup.submitted', agentId: 'a1' })).toEqual([]);
    expect(controllerRules(cfg(), wrap, { type: 'wrapup.submitted', agentId: 'zz' })).toEqual([]);
  });
});

describe('quiet cases', () => {
  test('participant.joined does nothing', () => {
    for (const role of ['agent', 'bot', 'supervisor', 'app'] as const) {
      expect(controllerRules(cfg({ greeting: 'Hi', survey: 'S', closeOnAgentLeave: true }), conv(['s1'], [CUSTOMER, ['x', role]]), { type: 'participant.joined', participantId: 'x', role })).toEqual([]);
    }
  });

  test('a closed conversation gets no actions', () => {
    const c = conv(['!s1'], [], 'closed');
    const all: ControllerEvent[] = [
      started(),
      agentLeft,
      { type: 'session.closed', sessionId: 's1', reason: 'customer_left' },
      { type: 'inactivity.expired', sessionId: 's1' },
      { type: 'handoff.requested', hasOpenTask: false },
      { type: 'wrapup.expired' },
    ];
    for (const e of all) expect(controllerRules(cfg({ greeting: 'Hi', closeOnAgentLeave: true }), c, e)).toEqual([]);
  });
});

describe('with docs from the conversation transitions', () => {
  test('a customer opening, an agent joining and leaving, then the customer leaving', () => {
    const config = cfg({ greeting: 'Hi', survey: 'Bye', closeOnAgentLeave: true, listId: 'sales' });
    const opened = openSession({
      newConversationId: 'c',
      customer: { id: 'cust' },
      serviceIdentifier: 'web',
      channelType: 'webchat',
      channelData: {},
      wrapUp: config.wrapUp,
      now: T0,
    })(null);
    const sid = opened.result.channelSession.id;
    expect(controllerRules(config, opened.doc, started({ sessionId: sid }))).toEqual([
      { type: 'send.message', text: 'Hi' },
      { type: 'create.task', reason: 'new', listId: 'sales' },
    ]);
    const joined = join(participant('a1', 'agent', undefined, T0), undefined, T0)(opened.doc).doc;
    expect(controllerRules(config, joined, { type: 'participant.joined', participantId: 'a1', role: 'agent' })).toEqual([]);
    const left = leave('a1', undefined, T0)(joined).doc;
    expect(controllerRules(config, left, agentLeft)).toEqual([
      { type: 'send.message', text: 'Bye' },
      { type: 'close.session', sessionId: sid, reason: 'controller' },
    ]);
    const closed = closeSession(sid, 'controller', T0)(left).doc;
    expect(closed.state).toBe('closing');
    expect(controllerRules(config, closed, { type: 'session.closed', sessionId: sid, reason: 'controller' })).toEqual([{ type: 'close.tasks' }]);
  });
});

import { describe, expect, test } from '@jest/globals';
import type { ActivityDraft, ConversationState } from '@conversation-hub/client-sdk/contract';
import { computeState, isJoinable, type ConversationFacts } from '../../server/domain/conversation-state.js';
import {
  canSee,
  closeSession,
  join,
  leave,
  closedActivity,
  markClosed,
  openSession,
  participant,
  settle,
  toConversation,
  type ConversationDoc,
  type OpenSessionInput,
} from '../../server/domain/conversation.js';
import { HubError } from '../../server/domain/errors.js';

const T0 = '2024-05-01T10:00:00.000Z';
const T1 = '2024-05-01T10:01:00.000Z';
const WRAP_OFF = { enabled: false, timeoutSeconds: 60 };
const WRAP_ON = { enabled: true, timeoutSeconds: 60 };

function facts(f: Partial<ConversationFacts>): ConversationFacts {
  return { openCustomerSessions: 0, agentsPresent: 0, agentsEverJoined: false, wrapUpEnabled: false, archived: false, ...f };
}

function input(over: Partial<OpenSessionInput> = {}): OpenSessionInput {
  return {
    newConversationId: 'conv-1',
    customer: { id: 'cust-1', name: 'Ada' },
    serviceIdentifier: 'web-1',
    channelType: 'webchat',
    channelData: { browser: 'firefox' },
    wrapUp: WRAP_OFF,
    now: T0,
    ...over,
  };
}

const types = (a: ActivityDraft[]) => a.map((x) => x.type);
const stateChange = (a: ActivityDraft[]) => a.find((x) => x.type === 'state.changed')?.payload;
const agent = (id: string) => participant(id, 'agent', `Agent ${id}`, T0);

/** A conversation with one open webchat session. */
function started(wrapUp = WRAP_OFF): ConversationDoc {
  return openSession(input({ wrapUp }))(null).doc;
}
/** ...and agent a1 in it: `active`. */
function active(wrapUp = WRAP_OFF): ConversationDoc {
  return join(agent('a1'), undefined, T0)(started(wrapUp)).doc;
}
const sessionId = (doc: ConversationDoc, i = 0) => doc.channelSessions[i]!.id;
/** Its first session closed by the customer. */
const customerLeft = (doc: ConversationDoc) => closeSession(sessionId(doc), 'customer_left', T1)(doc).doc;

describe('computeState', () => {
  const cases: [string, Partial<ConversationFacts>, ConversationState][] = [
    ['customer, no agent yet → created', { openCustomerSessions: 1 }, 'created'],
    ['customer and an agent → active', { openCustomerSessions: 1, agentsPresent: 1, agentsEverJoined: true }, 'active'],
    ['two sessions, two agents → active', { openCustomerSessions: 2, agentsPresent: 2, agentsEverJoined: true }, 'active'],
    ['customer, agents joined and left → inactive', { openCustomerSessions: 1, agentsEverJoined: true }, 'inactive'],
    ['no customer, agent, wrap-up off → customer_left', { agentsPresent: 1, agentsEverJoined: true }, 'customer_left'],
    ['no customer, agent, wrap-up on → wrap_up', { agentsPresent: 1, agentsEverJoined: true, wrapUpEnabled: true }, 'wrap_up'],
    ['nobody → closing', { agentsEverJoined: true }, 'closing'],
    ['nobody, no agent ever → closing', {}, 'closing'],
    ['archived → closed', { openCustomerSessions: 1, agentsPresent: 1, archived: true }, 'closed'],
  ];
  test.each(cases)('%s', (_name, f, expected) => {
    expect(computeState(facts(f))).toBe(expected);
  });

  test('wrap-up only matters once the customer is gone', () => {
    expect(computeState(facts({ openCustomerSessions: 1, agentsPresent: 1, wrapUpEnabled: true }))).toBe('active');
  });

  test('recomputes from the facts whatever the previous state was, before closing', () => {
    for (const prev of ['created', 'active', 'inactive', 'customer_left', 'wrap_up'] as const) {
      expect(computeState(facts({ openCustomerSessions: 1, agentsPresent: 1 }), prev)).toBe('active');
      expect(computeState(facts({ openCustomerSessions: 1, agentsEverJoined: true }), prev)).toBe('inactive');
      expect(computeState(facts({ agentsPresent: 1 }), prev)).toBe('customer_left');
    }
  });

  test('closing is sticky: a customer or agent showing up does not revive it', () => {
    expect(computeState(facts({ openCustomerSessions: 1, agentsPresent: 1 }), 'closing')).toBe('closing');
    expect(computeState(facts({ agentsPresent: 1 }), 'closing')).toBe('closing');
  });

  test('closed is terminal', () => {
    expect(computeState(facts({ openCustomerSessions: 1 }), 'closed')).toBe('closed');
    expect(computeState(facts({ archived: true }), 'closing')).toBe('closed');
  });

  test('isJoinable: everything before closing', () => {
    const joinable = (['created', 'active', 'inactive', 'customer_left', 'wrap_up', 'closing', 'closed'] as const).filter(isJoinable);
    expect(joinable).toEqual(['created', 'active', 'inactive', 'customer_left', 'wrap_up']);
  });
});

describe('openSession', () => {
  test('first contact: a new conversation in created, with the session and the customer', () => {
    const { doc, activities, result } = openSession(input())(null);
    expect(doc).toMatchObject({ id: 'conv-1', customerId: 'cust-1', state: 'created', createdAt: T0, agentsEverJoined: false, wrapUpPending: [] });
    expect(doc.channelSessions).toHaveLength(1);
    expect(doc.channelSessions[0]).toMatchObject({ conversationId: 'conv-1', customerId: 'cust-1', serviceIdentifier: 'web-1', state: 'open', openedAt: T0, channelData: { browser: 'firefox' } });
    expect(doc.participants).toEqual([{ id: 'cust-1', role: 'customer', name: 'Ada', joinedAt: T0 }]);
    expect(result).toEqual({ channelSession: doc.channelSessions[0], conversationCreated: true, sessionCreated: true });
    // A new conversation starts in created: no state.changed.
    expect(types(activities)).toEqual(['session.started']);
    expect(activities[0]).toMatchObject({ conversationId: 'conv-1', visibility: 'all', from: { id: 'cust-1', role: 'customer', name: 'Ada' }, payload: { channelSession: doc.channelSessions[0] } });
  });

  test('the same service again (second tab, reconnect) reuses the open session and yields nothing', () => {
    const doc = started();
    const change = openSession(input({ newConversationId: 'ignored' }))(doc);
    expect(change.doc).toBe(doc);
    expect(change.activities).toEqual([]);
    expect(change.result).toEqual({ channelSession: doc.channelSessions[0], conversationCreated: false, sessionCreated: false });
  });

  test('new channel data on the same session is merged, with an agents-only session.updated naming what changed', () => {
    const doc = started();
    const change = openSession(input({ channelData: { locale: 'de' } }))(doc);
    expect(change.activities.map((a) => [a.type, a.visibility, a.payload])).toEqual([['session.updated', 'agents', { channelSession: change.doc.channelSessions[0], changed: ['locale'] }]]);
    expect(change.doc.channelSessions).toHaveLength(1);
    expect(change.doc.channelSessions[0]!.channelData).toEqual({ browser: 'firefox', locale: 'de' });
    expect(change.result.sessionCreated).toBe(false);
    expect(doc.channelSessions[0]!.channelData).toEqual({ browser: 'firefox' });
  });

  test('another channel before closing joins the same conversation with a second session', () => {
    const doc = active();
    const change = openSession(input({ newConversationId: 'conv-2', serviceIdentifier: 'wa-1', channelType: 'whatsapp' }))(doc);
    expect(change.doc.id).toBe('conv-1');
    expect(change.result.conversationCreated).toBe(false);
    expect(change.doc.channelSessions.map((s) => [s.serviceIdentifier, s.state])).toEqual([['web-1', 'open'], ['wa-1', 'open']]);
    expect(change.doc.state).toBe('active');
    expect(types(change.activities)).toEqual(['session.started']);
    // The customer is one participant, not one per session.
    expect(change.doc.participants.filter((p) => p.role === 'customer')).toHaveLength(1);
  });

  test('does not change the doc it is given', () => {
    const doc = started();
    const copy = structuredClone(doc);
    openSession(input({ serviceIdentifier: 'wa-1' }))(doc);
    expect(doc).toEqual(copy);
  });
});

describe('agents, supervisors, bots and apps', () => {
  test('created → active when an agent joins', () => {
    const change = join(agent('a1'), 'accepted', T1)(started());
    expect(change.doc.state).toBe('active');
    expect(change.doc.agentsEverJoined).toBe(true);
    expect(types(change.activities)).toEqual(['participant.joined', 'state.changed']);
    expect(change.activities[0]).toMatchObject({ from: { id: 'a1', role: 'agent' }, payload: { participant: { id: 'a1' }, reason: 'accepted' }, at: T1 });
    expect(stateChange(change.activities)).toEqual({ from: 'created', to: 'active' });
    expect(change.result).toEqual({ joined: true });
  });

  test('joining twice changes nothing', () => {
    const doc = active();
    const change = join(agent('a1'), undefined, T1)(doc);
    expect(change.doc).toBe(doc);
    expect(change.activities).toEqual([]);
    expect(change.result).toEqual({ joined: false });
  });

  test('a second agent joining keeps it active without state.changed', () => {
    const change = join(agent('a2'), undefined, T1)(active());
    expect(change.doc.state).toBe('active');
    expect(types(change.activities)).toEqual(['participant.joined']);
  });

  test.each(['supervisor', 'bot', 'app'] as const)('a %s joining or leaving does not change the state', (role) => {
    const joined = join(participant('x', role, undefined, T0), undefined, T0)(started());
    expect(joined.doc.state).toBe('created');
    expect(joined.doc.agentsEverJoined).toBe(false);
    expect(types(joined.activities)).toEqual(['participant.joined']);
    const left = leave('x', undefined, T1)(joined.doc);
    expect(left.doc.state).toBe('created');
    expect(types(left.activities)).toEqual(['participant.left']);
  });

  test('a supervisor does not keep a conversation out of closing', () => {
    const doc = join(participant('s1', 'supervisor', undefined, T0), undefined, T0)(active()).doc;
    const afterAgent = leave('a1', undefined, T1)(doc).doc;
    const change = closeSession(sessionId(afterAgent), 'customer_left', T1)(afterAgent);
    expect(change.doc.state).toBe('closing');
  });

  test('active → inactive when the last agent leaves and the customer stays', () => {
    const change = leave('a1', 'done', T1)(active());
    expect(change.doc.state).toBe('inactive');
    expect(types(change.activities)).toEqual(['participant.left', 'state.changed']);
    expect(change.activities[0]).toMatchObject({ payload: { participant: { id: 'a1', role: 'agent' }, reason: 'done' } });
    expect(stateChange(change.activities)).toEqual({ from: 'active', to: 'inactive' });
  });

  test('inactive → active when an agent joins again', () => {
    const inactive = leave('a1', undefined, T1)(active()).doc;
    const change = join(agent('a2'), undefined, T1)(inactive);
    expect(change.doc.state).toBe('active');
    expect(stateChange(change.activities)).toEqual({ from: 'inactive', to: 'active' });
  });

  test('one of two agents leaving keeps it active', () => {
    const two = join(agent('a2'), undefined, T0)(active()).doc;
    const change = leave('a1', undefined, T1)(two);
    expect(change.doc.state).toBe('active');
    expect(types(change.activities)).toEqual(['participant.left']);
  });

  test('leaving when not in it, or as the customer, changes nothing', () => {
    const doc = active();
    expect(leave('nobody', undefined, T1)(doc)).toEqual({ doc, activities: [], result: { left: false } });
    expect(leave('cust-1', undefined, T1)(doc)).toEqual({ doc, activities: [], result: { left: false } });
  });
});

describe('the customer leaving and coming back', () => {
  test('active → customer_left when the last session closes and wrap-up is off', () => {
    const doc = active();
    const change = closeSession(sessionId(doc), 'customer_left', T1)(doc);
    expect(change.doc.state).toBe('customer_left');
    expect(change.doc.channelSessions[0]).toMatchObject({ state: 'closed', closedAt: T1, closeReason: 'customer_left' });
    expect(change.doc.participants.map((p) => p.id)).toEqual(['a1']);
    expect(types(change.activities)).toEqual(['session.closed', 'state.changed']);
    expect(change.activities[0]).toMatchObject({ from: { role: 'controller' }, payload: { reason: 'customer_left', channelSession: { state: 'closed' } } });
    expect(stateChange(change.activities)).toEqual({ from: 'active', to: 'customer_left' });
    expect(change.result).toEqual({ closed: true, channelSession: change.doc.channelSessions[0] });
  });

  test('active → wrap_up when wrap-up is on, every present agent owing one', () => {
    const doc = join(agent('a2'), undefined, T0)(active(WRAP_ON)).doc;
    const change = closeSession(sessionId(doc), 'inactivity', T1)(doc);
    expect(change.doc.state).toBe('wrap_up');
    expect(change.doc.wrapUpPending).toEqual(['a1', 'a2']);
    expect(stateChange(change.activities)).toEqual({ from: 'active', to: 'wrap_up' });
  });

  test('closing one of two sessions keeps the state and the customer', () => {
    const doc = openSession(input({ serviceIdentifier: 'wa-1' }))(active()).doc;
    const change = closeSession(sessionId(doc, 0), 'connector', T1)(doc);
    expect(change.doc.state).toBe('active');
    expect(change.doc.participants.some((p) => p.role === 'customer')).toBe(true);
    expect(types(change.activities)).toEqual(['session.closed']);
  });

  test('closing a closed session changes nothing; an unknown one is not_found', () => {
    const doc = customerLeft(active());
    const again = closeSession(sessionId(doc), 'inactivity', T1)(doc);
    expect(again.doc).toBe(doc);
    expect(again.activities).toEqual([]);
    expect(again.result.closed).toBe(false);
    expect(() => closeSession('nope', 'customer_left', T1)(doc)).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  test('customer_left → active when the customer comes back on another channel', () => {
    const left = customerLeft(active());
    const change = openSession(input({ newConversationId: 'conv-2', serviceIdentifier: 'wa-1', channelType: 'whatsapp', now: T1 }))(left);
    expect(change.doc.id).toBe('conv-1');
    expect(change.result.conversationCreated).toBe(false);
    expect(change.doc.state).toBe('active');
    expect(change.doc.channelSessions).toHaveLength(2);
    expect(change.doc.participants.map((p) => p.role).sort()).toEqual(['agent', 'customer']);
    expect(types(change.activities)).toEqual(['session.started', 'state.changed']);
    expect(stateChange(change.activities)).toEqual({ from: 'customer_left', to: 'active' });
  });

  test('wrap_up → active when the customer comes back, and nobody owes a wrap-up any more', () => {
    const doc = active(WRAP_ON);
    const wrap = closeSession(sessionId(doc), 'customer_left', T1)(doc).doc;
    expect(wrap.wrapUpPending).toEqual(['a1']);
    const change = openSession(input({ wrapUp: WRAP_ON, now: T1 }))(wrap);
    expect(change.doc.state).toBe('active');
    expect(change.doc.wrapUpPending).toEqual([]);
    // The same service opens a new session: the old one is closed.
    expect(change.doc.channelSessions.map((s) => s.state)).toEqual(['closed', 'open']);
  });

  test('the channel the customer came back on sets wrap-up', () => {
    const left = customerLeft(active());
    const back = openSession(input({ serviceIdentifier: 'wa-1', wrapUp: WRAP_ON }))(left).doc;
    expect(back.wrapUp).toEqual(WRAP_ON);
    expect(closeSession(sessionId(back, 1), 'customer_left', T1)(back).doc.state).toBe('wrap_up');
  });

  test('a customer leaving while inactive → closing', () => {
    const inactive = leave('a1', undefined, T1)(active()).doc;
    const change = closeSession(sessionId(inactive), 'inactivity', T1)(inactive);
    expect(change.doc.state).toBe('closing');
    expect(stateChange(change.activities)).toEqual({ from: 'inactive', to: 'closing' });
  });

  test('a customer leaving before any agent came (bot only) → closing', () => {
    const withBot = join(participant('bot-1', 'bot', undefined, T0), undefined, T0)(started()).doc;
    const change = closeSession(sessionId(withBot), 'customer_left', T1)(withBot);
    expect(change.doc.state).toBe('closing');
    expect(stateChange(change.activities)).toEqual({ from: 'created', to: 'closing' });
  });

  test('customer_left → closing when the agent leaves', () => {
    const left = customerLeft(active());
    const change = leave('a1', undefined, T1)(left);
    expect(change.doc.state).toBe('closing');
    expect(stateChange(change.activities)).toEqual({ from: 'customer_left', to: 'closing' });
  });

  test('wrap_up → closing when the last agent leaves; one agent leaving of two settles its wrap-up', () => {
    const doc = join(agent('a2'), undefined, T0)(active(WRAP_ON)).doc;
    const wrap = closeSession(sessionId(doc), 'customer_left', T1)(doc).doc;
    const one = leave('a1', 'wrapup_submitted', T1)(wrap);
    expect(one.doc.state).toBe('wrap_up');
    expect(one.doc.wrapUpPending).toEqual(['a2']);
    const both = leave('a2', undefined, T1)(one.doc);
    expect(both.doc.state).toBe('closing');
    expect(both.doc.wrapUpPending).toEqual([]);
  });
});

describe('closing and closed', () => {
  function closing(): ConversationDoc {
    const left = customerLeft(active());
    return leave('a1', undefined, T1)(left).doc;
  }

  test('nobody joins a closing conversation', () => {
    expect(() => join(agent('a2'), undefined, T1)(closing())).toThrow(HubError);
    expect(() => join(agent('a2'), undefined, T1)(closing())).toThrow(expect.objectContaining({ code: 'conflict' }));
  });

  test('a customer coming back after closing gets a new conversation', () => {
    const change = openSession(input({ newConversationId: 'conv-2', now: T1 }))(closing());
    expect(change.doc).toMatchObject({ id: 'conv-2', state: 'created', createdAt: T1, agentsEverJoined: false, wrapUpPending: [] });
    expect(change.doc.channelSessions).toHaveLength(1);
    expect(change.doc.participants.map((p) => p.role)).toEqual(['customer']);
    expect(change.result.conversationCreated).toBe(true);
    expect(change.activities.every((a) => a.conversationId === 'conv-2')).toBe(true);
    expect(types(change.activities)).toEqual(['session.started']);
  });

  test('closing stays closing when a remaining bot leaves', () => {
    const withBot = join(participant('bot-1', 'bot', undefined, T0), undefined, T0)(started()).doc;
    const doc = closeSession(sessionId(withBot), 'customer_left', T1)(withBot).doc;
    const change = leave('bot-1', undefined, T1)(doc);
    expect(change.doc.state).toBe('closing');
    expect(types(change.activities)).toEqual(['participant.left']);
  });

  test('markClosed: closing → closed with state.changed, once', () => {
    const doc = closing();
    const change = markClosed(closedActivity(doc, T1))(doc);
    expect(change.doc.state).toBe('closed');
    expect(types(change.activities)).toEqual(['state.changed']);
    expect(stateChange(change.activities)).toEqual({ from: 'closing', to: 'closed' });
    expect(change.result).toEqual({ closed: true });
    const again = markClosed(closedActivity(change.doc, T1))(change.doc);
    expect(again.doc).toBe(change.doc);
    expect(again.activities).toEqual([]);
    expect(again.result).toEqual({ closed: false });
  });

  test('closed is terminal: no join, and a returning customer gets a new conversation', () => {
    const c = closing();
    const closed = markClosed(closedActivity(c, T1))(c).doc;
    expect(() => join(agent('a2'), undefined, T1)(closed)).toThrow(expect.objectContaining({ code: 'conflict' }));
    expect(openSession(input({ newConversationId: 'conv-3' }))(closed).doc.id).toBe('conv-3');
  });
});

describe('settle', () => {
  test('no state.changed when the facts give the same state', () => {
    const doc = active();
    const change = settle('active', doc, [], 'r', T1);
    expect(change).toEqual({ doc, activities: [], result: 'r' });
  });

  test('appends state.changed from the controller after the given activities', () => {
    const doc = { ...active(), participants: [] };
    const change = settle('active', doc, [], 'r', T1);
    expect(change.doc.state).toBe('inactive');
    expect(change.activities).toHaveLength(1);
    expect(change.activities[0]).toMatchObject({ type: 'state.changed', visibility: 'all', from: { id: 'controller', role: 'controller' }, at: T1, conversationId: 'conv-1' });
  });
});

describe('views', () => {
  test('toConversation is the wire Conversation', () => {
    const doc = active();
    expect(toConversation(doc, 7)).toEqual({
      id: doc.id,
      customerId: doc.customerId,
      state: 'active',
      channelSessions: doc.channelSessions,
      participants: doc.participants,
      lastSeq: 7,
      createdAt: T0,
    });
  });

  test('canSee: agents-only activities never reach a customer or a connector', () => {
    expect(canSee('customer', 'agents')).toBe(false);
    expect(canSee('connector', 'agents')).toBe(false);
    expect(canSee('customer', 'all')).toBe(true);
    for (const role of ['agent', 'supervisor', 'bot', 'app', 'controller'] as const) expect(canSee(role, 'agents')).toBe(true);
  });
});

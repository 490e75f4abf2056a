/**
 * Housekeeping's repairs (server/domain/housekeeping.ts): for each state a live conversation can
 * be in, the follow-ups that must be pending, and nothing for what is settled.
 */
import { describe, expect, test } from '@jest/globals';
import type { AgentTask, ChannelSession, ConversationState, Participant } from '@conversation-hub/client-sdk/contract';
import type { ControllerConfig } from '../../server/domain/controller-rules.js';
import type { ConversationDoc } from '../../server/domain/conversation.js';
import { repairs, type HousekeepingFacts } from '../../server/domain/housekeeping.js';

const NOW = Date.parse('2026-11-22T10:00:00.000Z');
const config: ControllerConfig = { closeOnAgentLeave: false, routingMode: 'push', listId: 'sales', wrapUp: { enabled: false, timeoutSeconds: 60 } };
const session = (id: string, state: 'open' | 'closed' = 'open'): ChannelSession => ({
  id, conversationId: 'c1', customerId: 'cust', serviceIdentifier: 'web', channelType: 'webchat', channelData: {}, state, openedAt: '2026-11-22T09:59:00.000Z',
});
const person = (id: string, role: Participant['role']): Participant => ({ id, role, joinedAt: '2026-11-22T09:59:00.000Z' });
const doc = (state: ConversationState, over: Partial<ConversationDoc> = {}): ConversationDoc => ({
  id: 'c1', customerId: 'cust', state, createdAt: '2026-11-22T09:59:00.000Z', channelSessions: [session('s1')], participants: [person('cust', 'customer')],
  agentsEverJoined: false, wrapUp: { enabled: false, timeoutSeconds: 60 }, wrapUpPending: [], ...over,
});
const task = (state: AgentTask['state'], agentId?: string): AgentTask => ({ id: `t-${state}`, conversationId: 'c1', state, listId: 'sales', createdAt: '2026-11-22T09:59:00.000Z', ...(agentId ? { agentId } : {}) });
const facts = (over: Partial<HousekeepingFacts> = {}): HousekeepingFacts => ({
  now: NOW, sessionActivity: {}, inactivitySeconds: 300, offerTimeoutSeconds: 30, tasks: [], deadLettered: false, botEverJoined: false, ...over,
});

describe('housekeeping repairs', () => {
  test('an open session needs its inactivity timer, due from the last customer activity', () => {
    const out = repairs(config, doc('active', { agentsEverJoined: true }), facts({ sessionActivity: { s1: NOW - 1_000 } }));
    expect(out).toEqual([{ type: 'ensure.timer', kind: 'inactivity', key: 's1', dueAt: NOW - 1_000 + 300_000 }]);
    // With no activity recorded: from the session's opening.
    const fresh = repairs(config, doc('active', { agentsEverJoined: true }), facts());
    expect(fresh).toEqual([{ type: 'ensure.timer', kind: 'inactivity', key: 's1', dueAt: Date.parse('2026-11-22T09:59:00.000Z') + 300_000 }]);
  });

  test('closing needs its archive timer now, unless the archive is dead-lettered (an operator retries it)', () => {
    const closing = doc('closing', { channelSessions: [session('s1', 'closed')], participants: [] });
    expect(repairs(config, closing, facts())).toEqual([{ type: 'ensure.timer', kind: 'archive', key: 'c1', dueAt: NOW }]);
    expect(repairs(config, closing, facts({ deadLettered: true }))).toEqual([]);
  });

  test('closed needs nothing', () => {
    expect(repairs(config, doc('closed'), facts())).toEqual([]);
  });

  test('wrap_up needs its wrap-up timer', () => {
    const d = doc('wrap_up', { channelSessions: [session('s1', 'closed')], participants: [person('a1', 'agent')], agentsEverJoined: true, wrapUp: { enabled: true, timeoutSeconds: 45 } });
    expect(repairs(config, d, facts())).toEqual([{ type: 'ensure.timer', kind: 'wrapup', key: 'c1', dueAt: NOW + 45_000 }]);
  });

  test('a queued task is routed again; an offered one needs its offer timer; accepted and closed ones nothing', () => {
    const d = doc('active', { agentsEverJoined: true, participants: [person('cust', 'customer'), person('a1', 'agent')] });
    const out = repairs(config, d, facts({ tasks: [task('queued'), task('offered', 'a2'), task('accepted', 'a1'), task('closed')] }));
    expect(out.filter((r) => r.type !== 'ensure.timer')).toEqual([
      { type: 'route', task: task('queued') },
      { type: 'ensure.offer', taskId: 't-offered', agentId: 'a2', dueAt: NOW + 30_000 },
    ]);
  });

  test('a waiting customer with nobody serving it and no open task: a task for the channel list', () => {
    expect(repairs(config, doc('created'), facts()).filter((r) => r.type === 'controller')).toEqual([{ type: 'controller', action: { type: 'create.task', reason: 'new', listId: 'sales' } }]);
    const { listId: _, ...noList } = config;
    expect(repairs(noList, doc('created'), facts()).filter((r) => r.type === 'controller')).toEqual([{ type: 'controller', action: { type: 'create.task', reason: 'new' } }]);
  });

  test('with a bot channel: the bot is invited if it never was; if it left, a task', () => {
    const bot = { ...config, botId: 'bot-1' };
    expect(repairs(bot, doc('created'), facts()).filter((r) => r.type === 'controller')).toEqual([{ type: 'controller', action: { type: 'invite.bot', botId: 'bot-1' } }]);
    expect(repairs(bot, doc('created'), facts({ botEverJoined: true })).filter((r) => r.type === 'controller')).toEqual([{ type: 'controller', action: { type: 'create.task', reason: 'new', listId: 'sales' } }]);
  });

  test('nothing for the controller when someone serves the customer or a task is open', () => {
    const cases: [ConversationDoc, AgentTask[]][] = [
      [doc('created', { participants: [person('cust', 'customer'), person('bot-1', 'bot')] }), []],
      [doc('created'), [task('queued')]],
      [doc('created'), [task('offered', 'a1')]],
      [doc('inactive', { agentsEverJoined: true }), []],
      [doc('created', { channelSessions: [session('s1', 'closed')] }), []],
    ];
    for (const [d, tasks] of cases) expect(repairs(config, d, facts({ tasks })).filter((r) => r.type === 'controller')).toEqual([]);
  });
});

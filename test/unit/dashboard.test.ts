import { describe, expect, test } from '@jest/globals';
import type { AgentTask } from '@conversation-hub/client-sdk/contract';
import { buildDashboard, dashboardLists, DASHBOARD_MAX_CONVERSATIONS, type DashboardAgentInput, type DashboardInputs } from '../../server/domain/dashboard.js';
import type { ConversationDoc } from '../../server/domain/conversation.js';

const NOW = Date.parse('2026-11-22T10:00:00.000Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

const agent = (agentId: string, over: Partial<DashboardAgentInput> = {}): DashboardAgentInput => ({
  agentId,
  state: 'ready',
  connected: true,
  capacity: 3,
  load: 0,
  pendingOffers: 0,
  lists: [],
  skills: [],
  idleSince: NOW - 60_000,
  stateSince: NOW - 30_000,
  ...over,
});

const task = (id: string, conversationId: string, createdSecondsAgo: number, listId?: string): AgentTask =>
  ({ id, conversationId, state: 'queued', createdAt: ago(createdSecondsAgo), ...(listId ? { listId } : {}) }) as AgentTask;

const doc = (id: string, createdSecondsAgo: number, over: Partial<ConversationDoc> = {}): ConversationDoc => ({
  id,
  customerId: `cust-${id}`,
  state: 'active',
  createdAt: ago(createdSecondsAgo),
  channelSessions: [],
  participants: [],
  agentsEverJoined: false,
  wrapUp: { enabled: false, timeoutSeconds: 60 },
  wrapUpPending: [],
  ...over,
});

const input = (over: Partial<DashboardInputs> = {}): DashboardInputs => ({ now: NOW, agents: [], waiting: [], conversations: [], serviceLevel: null, ...over });

describe('the dashboard (pure)', () => {
  test('an empty floor: the time, and nothing else', () => {
    expect(buildDashboard(input())).toEqual({ at: '2026-11-22T10:00:00.000Z', queues: [], agents: [], conversations: [] });
  });

  test('agents by id, with state, reason only while not ready, load, capacity and since', () => {
    const d = buildDashboard(
      input({
        agents: [
          agent('b', { state: 'not_ready', notReadyReason: 'break', connected: false, load: 2, stateSince: NOW - 5_000 }),
          agent('a', { notReadyReason: 'stale' }),
          agent('c', { state: 'not_ready' }),
        ],
      }),
    );
    expect(d.agents).toEqual([
      { agentId: 'a', state: 'ready', connected: true, load: 0, capacity: 3, since: ago(30) },
      { agentId: 'b', state: 'not_ready', reason: 'break', connected: false, load: 2, capacity: 3, since: ago(5) },
      { agentId: 'c', state: 'not_ready', connected: true, load: 0, capacity: 3, since: ago(30) },
    ]);
  });

  test('an agent a store answers without stateSince shows since its idle time', () => {
    const a = { ...agent('a'), stateSince: undefined as unknown as number };
    expect(buildDashboard(input({ agents: [a] })).agents[0]!.since).toBe(ago(60));
  });

  test('queues: waiting counts, the oldest wait in whole seconds, lists agents serve, sorted with no list first', () => {
    const d = buildDashboard(
      input({
        agents: [agent('a', { lists: ['sales', 'idle'] })],
        waiting: [
          { listId: 'support', tasks: [task('t1', 'c1', 12.7, 'support'), task('t2', 'c2', 3, 'support')] },
          { listId: null, tasks: [task('t3', 'c3', 1)] },
          { listId: 'sales', tasks: [] },
        ],
      }),
    );
    expect(d.queues.map((q) => [q.listId, q.waiting, q.oldestWaitSeconds])).toEqual([
      [null, 1, 1],
      ['idle', 0, 0],
      ['sales', 0, 0],
      ['support', 2, 12],
    ]);
    expect(d.queues[0]!.serviceLevel).toEqual({ thresholdSeconds: 20, offered: 0, answeredWithin: 0, percent: null });
  });

  test('no "no list" queue when nothing waits without a list and nothing was reported for it', () => {
    expect(buildDashboard(input({ waiting: [{ listId: null, tasks: [] }] })).queues).toEqual([]);
  });

  test('a task created after now (another node’s clock ahead) waits 0 seconds, never less', () => {
    const d = buildDashboard(input({ waiting: [{ listId: 'l', tasks: [task('t', 'c', -5, 'l')] }], conversations: [doc('c', 10)] }));
    expect(d.queues[0]!.oldestWaitSeconds).toBe(0);
    expect(d.conversations[0]!.waitingSeconds).toBe(0);
  });

  test('service level: answered within over offered, as a percent with one decimal; rows add up; a reported list shows without agents', () => {
    const d = buildDashboard(
      input({
        waiting: [{ listId: 'support', tasks: [] }],
        serviceLevel: [
          { listId: 'support', offered: 3, answeredWithin: 2 },
          { listId: 'support', offered: 0, answeredWithin: 0 },
          { listId: 'old', offered: 4, answeredWithin: 4 },
          { listId: null, offered: 0, answeredWithin: 0 },
        ],
        thresholdSeconds: 30,
      }),
    );
    expect(d.queues).toEqual([
      { listId: 'old', waiting: 0, oldestWaitSeconds: 0, serviceLevel: { thresholdSeconds: 30, offered: 4, answeredWithin: 4, percent: 100 } },
      { listId: 'support', waiting: 0, oldestWaitSeconds: 0, serviceLevel: { thresholdSeconds: 30, offered: 3, answeredWithin: 2, percent: 66.7 } },
    ]);
  });

  test('no reports (null): zeros and percent null on every queue', () => {
    const d = buildDashboard(input({ waiting: [{ listId: 'l', tasks: [task('t', 'c', 1, 'l')] }], serviceLevel: null }));
    expect(d.queues[0]!.serviceLevel).toEqual({ thresholdSeconds: 20, offered: 0, answeredWithin: 0, percent: null });
  });

  test('conversations: newest first, closed ones left out, channel of the last session, agents, waiting since the oldest waiting task', () => {
    const session = (serviceIdentifier: string) => ({ id: serviceIdentifier, conversationId: 'x', customerId: 'y', serviceIdentifier, channelType: 'webchat', channelData: {}, state: 'open' as const, openedAt: ago(1) });
    const d = buildDashboard(
      input({
        waiting: [
          { listId: 'l', tasks: [task('t1', 'waits', 40, 'l')] },
          { listId: null, tasks: [task('t2', 'waits', 50)] },
        ],
        conversations: [
          doc('old', 100, { state: 'active', channelSessions: [session('web'), session('whatsapp')], participants: [
            { id: 'cust-old', role: 'customer', joinedAt: ago(100) },
            { id: 'ag1', role: 'agent', joinedAt: ago(90) },
            { id: 'sup', role: 'supervisor', joinedAt: ago(80) },
          ] }),
          doc('waits', 60, { state: 'created' }),
          doc('gone', 10, { state: 'closed' }),
        ],
      }),
    );
    expect(d.conversations).toEqual([
      { conversationId: 'waits', state: 'created', waitingSeconds: 50, agentIds: [] },
      { conversationId: 'old', state: 'active', serviceIdentifier: 'whatsapp', waitingSeconds: 0, agentIds: ['ag1'] },
    ]);
  });

  test(`at most ${DASHBOARD_MAX_CONVERSATIONS} conversations, the newest`, () => {
    const docs = Array.from({ length: DASHBOARD_MAX_CONVERSATIONS + 20 }, (_, i) => doc(`c${String(i).padStart(4, '0')}`, i));
    const d = buildDashboard(input({ conversations: docs }));
    expect(d.conversations).toHaveLength(DASHBOARD_MAX_CONVERSATIONS);
    expect(d.conversations[0]!.conversationId).toBe('c0000');
    expect(d.conversations.at(-1)!.conversationId).toBe(`c0${DASHBOARD_MAX_CONVERSATIONS - 1}`);
  });

  test('the same inputs give the same dashboard (no clock, no randomness inside)', () => {
    const i = input({ agents: [agent('a', { lists: ['l'] })], waiting: [{ listId: 'l', tasks: [task('t', 'c', 5, 'l')] }], conversations: [doc('c', 5)] });
    expect(buildDashboard(i)).toEqual(buildDashboard(i));
  });
});

describe('dashboardLists', () => {
  test('no list, every list with waiting tasks and every list an agent serves, once each', () => {
    expect(dashboardLists([{ lists: ['a', 'b'] }, { lists: ['b'] }], [{ listId: 'c' }, { listId: null }, { listId: 'a' }])).toEqual([null, 'c', 'a', 'b']);
  });
});

import { describe, expect, test } from '@jest/globals';
import type { AgentTask } from '@conversation-hub/client-sdk/contract';
import {
  acceptTask,
  closeTask,
  compareTasks,
  expireTask,
  hasFreeCapacity,
  hasSkills,
  isOpen,
  isPending,
  mayTake,
  newTask,
  nextTaskFor,
  offerTask,
  pickAgent,
  pickRetryAgent,
  pullTask,
  rejectTask,
  requeueTask,
  type AgentPresence,
  type RoutedTask,
} from '../../server/domain/routing-rules.js';

const NOW = Date.parse('2024-05-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function agent(agentId: string, over: Partial<AgentPresence> = {}): AgentPresence {
  return { agentId, state: 'ready', connected: true, capacity: 1, load: 0, pendingOffers: 0, lists: ['sales'], skills: [], idleSince: 1000, ...over };
}

function task(id: string, over: Partial<AgentTask> = {}): AgentTask {
  return { id, conversationId: `conv-${id}`, state: 'queued', listId: 'sales', reason: 'new', createdAt: iso(NOW), ...over };
}

function routed(t: AgentTask, over: Partial<RoutedTask> = {}): RoutedTask {
  return { task: t, mode: 'push', excluded: [], ...over };
}

const conflict = expect.objectContaining({ code: 'conflict' });

describe('pickAgent', () => {
  test('picks the agent idle longest (smallest idleSince)', () => {
    const agents = [agent('a', { idleSince: 300 }), agent('b', { idleSince: 100 }), agent('c', { idleSince: 200 })];
    expect(pickAgent(task('t'), agents)?.agentId).toBe('b');
  });

  test('ties are broken by agentId, whatever the input order', () => {
    const agents = [agent('c', { idleSince: 100 }), agent('a', { idleSince: 100 }), agent('b', { idleSince: 100 })];
    expect(pickAgent(task('t'), agents)?.agentId).toBe('a');
    expect(pickAgent(task('t'), [...agents].reverse())?.agentId).toBe('a');
  });

  test('skips agents that are not ready', () => {
    expect(pickAgent(task('t'), [agent('a', { state: 'not_ready', idleSince: 1 }), agent('b')])?.agentId).toBe('b');
  });

  test('skips disconnected agents', () => {
    expect(pickAgent(task('t'), [agent('a', { connected: false, idleSince: 1 }), agent('b')])?.agentId).toBe('b');
  });

  test('skips agents at capacity, counting pending offers', () => {
    const agents = [
      agent('full', { idleSince: 1, capacity: 2, load: 2 }),
      agent('offered', { idleSince: 2, capacity: 2, load: 1, pendingOffers: 1 }),
      agent('free', { idleSince: 3, capacity: 2, load: 1 }),
    ];
    expect(pickAgent(task('t'), agents)?.agentId).toBe('free');
  });

  test('an agent with capacity above its load gets a second conversation', () => {
    expect(pickAgent(task('t'), [agent('a', { capacity: 3, load: 2 })])?.agentId).toBe('a');
  });

  test('a task on a list goes only to agents serving that list', () => {
    const agents = [agent('a', { lists: ['support'], idleSince: 1 }), agent('b', { lists: ['support', 'sales'], idleSince: 2 })];
    expect(pickAgent(task('t', { listId: 'sales' }), agents)?.agentId).toBe('b');
    expect(pickAgent(task('t', { listId: 'billing' }), agents)).toBeNull();
  });

  test('a task without a list goes to any agent, even one with no lists', () => {
    const { listId: _l, ...noList } = task('t');
    expect(pickAgent(noList, [agent('a', { lists: [] })])?.agentId).toBe('a');
  });

  test('excluded agents (rejected, expired) are skipped', () => {
    const agents = [agent('a', { idleSince: 1 }), agent('b', { idleSince: 2 })];
    expect(pickAgent(task('t'), agents, { exclude: ['a'] })?.agentId).toBe('b');
    expect(pickAgent(task('t'), agents, { exclude: ['a', 'b'] })).toBeNull();
  });

  test('only: a named agent or nobody', () => {
    const agents = [agent('a', { idleSince: 1 }), agent('b', { idleSince: 2 })];
    expect(pickAgent(task('t'), agents, { only: 'b' })?.agentId).toBe('b');
    expect(pickAgent(task('t'), [agent('a'), agent('b', { state: 'not_ready' })], { only: 'b' })).toBeNull();
  });

  test('null when there are no agents', () => {
    expect(pickAgent(task('t'), [])).toBeNull();
  });

  test('a task with required skills goes only to agents with all of them, whoever is idle longer', () => {
    const agents = [agent('none', { idleSince: 1 }), agent('fr', { idleSince: 2, skills: ['fr'] }), agent('both', { idleSince: 3, skills: ['vip', 'fr'] })];
    expect(pickAgent(task('t', { requiredSkills: ['fr', 'vip'] }), agents)?.agentId).toBe('both');
    expect(pickAgent(task('t', { requiredSkills: ['fr'] }), agents)?.agentId).toBe('fr');
    expect(pickAgent(task('t', { requiredSkills: ['de'] }), agents)).toBeNull();
    expect(pickAgent(task('t', { requiredSkills: ['fr'] }), agents, { only: 'none' })).toBeNull();
    expect(pickAgent(task('t'), agents)?.agentId).toBe('none');
  });

  test('hasSkills: every required skill, exactly (case matters); none required: anyone', () => {
    expect(hasSkills(agent('a'), task('t'))).toBe(true);
    expect(hasSkills(agent('a'), task('t', { requiredSkills: [] }))).toBe(true);
    expect(hasSkills(agent('a', { skills: ['fr', 'vip', 'x'] }), task('t', { requiredSkills: ['vip', 'fr'] }))).toBe(true);
    expect(hasSkills(agent('a', { skills: ['fr'] }), task('t', { requiredSkills: ['vip', 'fr'] }))).toBe(false);
    expect(hasSkills(agent('a', { skills: ['FR'] }), task('t', { requiredSkills: ['fr'] }))).toBe(false);
  });

  test('hasFreeCapacity', () => {
    expect(hasFreeCapacity(agent('a'))).toBe(true);
    expect(hasFreeCapacity(agent('a', { load: 1 }))).toBe(false);
    expect(hasFreeCapacity(agent('a', { pendingOffers: 1 }))).toBe(false);
    expect(hasFreeCapacity(agent('a', { state: 'not_ready' }))).toBe(false);
    expect(hasFreeCapacity(agent('a', { connected: false }))).toBe(false);
  });
});

describe('nextTaskFor', () => {
  test('the oldest queued task by createdAt', () => {
    const tasks = [routed(task('x', { createdAt: iso(NOW + 2) })), routed(task('y', { createdAt: iso(NOW) })), routed(task('z', { createdAt: iso(NOW + 1) }))];
    expect(nextTaskFor(agent('a'), tasks)?.task.id).toBe('y');
  });

  test('then by id when created at the same time', () => {
    const tasks = [routed(task('t2')), routed(task('t1')), routed(task('t3'))];
    expect(nextTaskFor(agent('a'), tasks)?.task.id).toBe('t1');
  });

  test('only tasks of lists the agent serves', () => {
    const tasks = [routed(task('old', { listId: 'support', createdAt: iso(NOW - 1) })), routed(task('new'))];
    expect(nextTaskFor(agent('a'), tasks)?.task.id).toBe('new');
  });

  test('not a task the agent rejected or let expire', () => {
    const tasks = [routed(task('old', { createdAt: iso(NOW - 1) }), { excluded: ['a'] }), routed(task('new'))];
    expect(nextTaskFor(agent('a'), tasks)?.task.id).toBe('new');
  });

  test('not pull-mode tasks: agents take those themselves', () => {
    expect(nextTaskFor(agent('a'), [routed(task('t'), { mode: 'pull' })])).toBeNull();
  });

  test('not tasks that are not queued', () => {
    expect(nextTaskFor(agent('a'), [routed(task('t', { state: 'offered', agentId: 'b' }))])).toBeNull();
  });

  test('not a task for another named agent', () => {
    expect(nextTaskFor(agent('a'), [routed(task('t'), { targetAgentId: 'b' })])).toBeNull();
    expect(nextTaskFor(agent('b'), [routed(task('t'), { targetAgentId: 'b' })])?.task.id).toBe('t');
  });

  test('nothing for an agent that cannot take one (not ready, disconnected, full)', () => {
    const tasks = [routed(task('t'))];
    expect(nextTaskFor(agent('a', { state: 'not_ready' }), tasks)).toBeNull();
    expect(nextTaskFor(agent('a', { connected: false }), tasks)).toBeNull();
    expect(nextTaskFor(agent('a', { load: 1 }), tasks)).toBeNull();
  });

  test('null when the queue is empty', () => {
    expect(nextTaskFor(agent('a'), [])).toBeNull();
  });

  test('not a task needing a skill the agent lacks', () => {
    const tasks = [routed(task('old', { createdAt: iso(NOW - 1), requiredSkills: ['vip'] })), routed(task('new'))];
    expect(nextTaskFor(agent('a'), tasks)?.task.id).toBe('new');
    expect(nextTaskFor(agent('a', { skills: ['vip'] }), tasks)?.task.id).toBe('old');
  });

  test('mayTake agrees with nextTaskFor', () => {
    expect(mayTake(agent('a'), routed(task('t')))).toBe(true);
    expect(mayTake(agent('a'), routed(task('t'), { excluded: ['a'] }))).toBe(false);
    expect(mayTake(agent('a'), routed(task('t', { requiredSkills: ['fr'] })))).toBe(false);
    expect(mayTake(agent('a', { skills: ['fr'] }), routed(task('t', { requiredSkills: ['fr'] })))).toBe(true);
    expect(mayTake(agent('a', { load: 1 }), routed(task('t')))).toBe(false);
    expect(mayTake(agent('a'), routed(task('t'), { mode: 'pull' }))).toBe(false);
    expect(mayTake(agent('a'), routed(task('t'), { targetAgentId: 'b' }))).toBe(false);
    expect(mayTake(agent('a'), routed(task('t', { listId: 'support' })))).toBe(false);
  });
});

describe('pickRetryAgent', () => {
  const agents = [agent('a', { idleSince: 1 }), agent('b', { idleSince: 2 }), agent('c', { idleSince: 3 })];

  test('the earliest refuser that fits now, though another is idle longer', () => {
    expect(pickRetryAgent(task('t'), agents, ['c', 'b'])?.agentId).toBe('c');
  });

  test('refusers that do not fit now are passed over (busy, away, another list, a skill, the target)', () => {
    const busy = [agent('a', { idleSince: 1 }), agent('b', { idleSince: 2, load: 1 }), agent('c', { idleSince: 3 })];
    expect(pickRetryAgent(task('t'), busy, ['b', 'c'])?.agentId).toBe('c');
    expect(pickRetryAgent(task('t', { requiredSkills: ['fr'] }), [agent('x', { skills: ['fr'], idleSince: 9 }), agent('y')], ['y'])?.agentId).toBe('x');
    expect(pickRetryAgent(task('t'), agents, ['c', 'b'], 'b')?.agentId).toBe('b');
    expect(pickRetryAgent(task('t', { listId: 'support' }), agents, ['c'])).toBeNull();
  });

  test('no refuser fits: pickAgent among everyone; unknown refusers ignored', () => {
    expect(pickRetryAgent(task('t'), agents, ['gone'])?.agentId).toBe('a');
    expect(pickRetryAgent(task('t'), agents, [])?.agentId).toBe('a');
    expect(pickRetryAgent(task('t'), agents, [], 'c')?.agentId).toBe('c');
    expect(pickRetryAgent(task('t'), [agent('a', { state: 'not_ready' })], ['a'])).toBeNull();
  });

  test('compareTasks orders by createdAt then id', () => {
    const sorted = [task('b'), task('a', { createdAt: iso(NOW + 1) }), task('a')].sort(compareTasks);
    expect(sorted.map((t) => [t.id, t.createdAt])).toEqual([['a', iso(NOW)], ['b', iso(NOW)], ['a', iso(NOW + 1)]]);
  });
});

describe('task transitions', () => {
  const t0 = newTask({ id: 't', conversationId: 'c', listId: 'sales', reason: 'new' }, NOW);

  test('newTask is queued, with its reason, and its list when given', () => {
    expect(t0).toEqual({ id: 't', conversationId: 'c', state: 'queued', listId: 'sales', reason: 'new', createdAt: iso(NOW) });
    expect(newTask({ id: 't', conversationId: 'c', reason: 'transfer' }, NOW)).toEqual({ id: 't', conversationId: 'c', state: 'queued', reason: 'transfer', createdAt: iso(NOW) });
  });

  test('newTask keeps required skills only when there are some, as a copy', () => {
    const skills = ['fr'];
    const t = newTask({ id: 't', conversationId: 'c', reason: 'overflow', requiredSkills: skills }, NOW);
    skills.push('x');
    expect(t.requiredSkills).toEqual(['fr']);
    expect(newTask({ id: 't', conversationId: 'c', reason: 'new', requiredSkills: [] }, NOW)).not.toHaveProperty('requiredSkills');
  });

  test('reason and required skills survive every transition', () => {
    const t = newTask({ id: 't', conversationId: 'c', reason: 'handoff', requiredSkills: ['fr'] }, NOW);
    for (const next of [offerTask(t, 'a', NOW), pullTask(t, 'a', NOW), requeueTask(rejectTask(offerTask(t, 'a', NOW), 'a')), closeTask(t, NOW)]) {
      expect(next).toMatchObject({ reason: 'handoff', requiredSkills: ['fr'] });
    }
  });

  test('queued → offered → accepted, with timestamps', () => {
    const offered = offerTask(t0, 'a', NOW + 1);
    expect(offered).toEqual({ ...t0, state: 'offered', agentId: 'a', offeredAt: iso(NOW + 1) });
    const accepted = acceptTask(offered, 'a', NOW + 2);
    expect(accepted).toEqual({ ...offered, state: 'accepted', acceptedAt: iso(NOW + 2) });
    expect(t0.state).toBe('queued');
  });

  test('offered → rejected → queued again without the agent', () => {
    const rejected = rejectTask(offerTask(t0, 'a', NOW), 'a');
    expect(rejected.state).toBe('rejected');
    const queued = requeueTask(rejected);
    expect(queued).toEqual(t0);
  });

  test('offered → expired → queued, then offered to someone else', () => {
    const expired = expireTask(offerTask(t0, 'a', NOW), 'a');
    expect(expired.state).toBe('expired');
    const again = offerTask(requeueTask(expired), 'b', NOW + 5);
    expect(again).toMatchObject({ state: 'offered', agentId: 'b', offeredAt: iso(NOW + 5) });
  });

  test('queued → accepted by a pull', () => {
    expect(pullTask(t0, 'a', NOW + 1)).toEqual({ ...t0, state: 'accepted', agentId: 'a', acceptedAt: iso(NOW + 1) });
  });

  test.each(['queued', 'offered', 'accepted', 'rejected', 'expired'] as const)('%s → closed', (state) => {
    const closed = closeTask({ ...t0, state }, NOW + 9);
    expect(closed).toMatchObject({ state: 'closed', closedAt: iso(NOW + 9) });
  });

  describe('invalid transitions are conflicts', () => {
    const offered = offerTask(t0, 'a', NOW);
    const accepted = acceptTask(offered, 'a', NOW);
    const closed = closeTask(t0, NOW);

    test('only queued tasks are offered or pulled', () => {
      for (const t of [offered, accepted, closed]) {
        expect(() => offerTask(t, 'b', NOW)).toThrow(conflict);
        expect(() => pullTask(t, 'b', NOW)).toThrow(conflict);
      }
    });

    test('accept, reject and expire only by the agent it is offered to', () => {
      for (const fn of [(t: AgentTask, a: string) => acceptTask(t, a, NOW), rejectTask, expireTask]) {
        expect(() => fn(offered, 'b')).toThrow(conflict);
        expect(() => fn(t0, 'a')).toThrow(conflict);
        expect(() => fn(accepted, 'a')).toThrow(conflict);
        expect(() => fn(closed, 'a')).toThrow(conflict);
      }
    });

    test('only rejected or expired tasks are requeued', () => {
      for (const t of [t0, offered, accepted, closed]) expect(() => requeueTask(t)).toThrow(conflict);
    });

    test('closed is terminal', () => {
      expect(() => closeTask(closed, NOW)).toThrow(conflict);
    });

    test('the conflict says which task and state', () => {
      expect(() => acceptTask(closed, 'a', NOW)).toThrow(expect.objectContaining({ details: { taskId: 't', state: 'closed' } }));
    });
  });

  test('isPending and isOpen', () => {
    expect(['queued', 'offered', 'accepted', 'rejected', 'expired', 'closed'].map((state) => isPending({ ...t0, state } as AgentTask))).toEqual([true, true, false, false, false, false]);
    expect(isOpen(t0)).toBe(true);
    expect(isOpen(closeTask(t0, NOW))).toBe(false);
  });
});

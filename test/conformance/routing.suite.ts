import { beforeEach, describe, expect, test } from '@jest/globals';
import type { RoutingStore } from '../../server/ports.js';
import { EXP, iso, routingContext, T, type CreateRoutingFixture, type TaskOptions } from './routing-helpers.js';

export type { RoutingFixture } from './routing-helpers.js';

/**
 * What every RoutingStore must do, run against each implementation (like socket.io's redis
 * adapter `testSuite(createAdapter)` and test/conformance/store.suite.ts).
 */
export function routingSuite(name: string, createFixture: CreateRoutingFixture): void {
  describe(`RoutingStore conformance: ${name}`, () => {
    const ctx = routingContext(createFixture);
    let store: RoutingStore;
    beforeEach(() => {
      store = ctx.store;
    });
    const conflict = expect.objectContaining({ code: 'conflict' });
    const agent = (agentId: string, idleSince: number, opts: { capacity?: number; lists?: string[] } = {}) => ctx.agent(agentId, idleSince, opts);
    const task = (id: string, opts: TaskOptions = {}) => ctx.task(id, opts);
    const load = async (agentId: string) => (await store.getAgent(agentId))!.load;

    describe('agents', () => {
      test('unknown agent: null', async () => {
        expect(await store.getAgent('nobody')).toBeNull();
      });

      test('setAgentState creates the agent, disconnected, capacity 1, no lists', async () => {
        const a = await store.setAgentState('a', { state: 'not_ready' }, T);
        expect(a).toEqual({ agentId: 'a', state: 'not_ready', connected: false, capacity: 1, load: 0, pendingOffers: 0, lists: [], skills: [], idleSince: T, stateSince: T, conversationIds: [], offeredTaskIds: [] });
        expect(await store.getAgent('a')).toEqual(a);
      });

      test('setConnected creates the agent not ready', async () => {
        expect(await store.setConnected('a', true, T)).toMatchObject({ state: 'not_ready', connected: true });
        expect(await store.setConnected('a', false, T)).toMatchObject({ connected: false });
      });

      test('capacity and lists are kept when omitted', async () => {
        await store.setAgentState('a', { state: 'ready', capacity: 3, lists: ['x', 'y'] }, T);
        expect(await store.setAgentState('a', { state: 'not_ready' }, T + 1)).toMatchObject({ state: 'not_ready', capacity: 3, lists: ['x', 'y'] });
      });

      test('becoming ready starts the idle clock; staying ready does not', async () => {
        await store.setAgentState('a', { state: 'not_ready' }, T);
        expect((await store.setAgentState('a', { state: 'ready' }, T + 10)).idleSince).toBe(T + 10);
        expect((await store.setAgentState('a', { state: 'ready', capacity: 2 }, T + 20)).idleSince).toBe(T + 10);
      });

      test('answers copies: changing one does not change the store', async () => {
        const a = await store.setAgentState('a', { state: 'ready', lists: ['sales'] }, T);
        a.lists.push('hacked');
        a.conversationIds.push('c');
        const lists = ['vip'];
        await store.setAgentState('b', { state: 'ready', lists }, T);
        lists.push('hacked');
        expect(await store.getAgent('a')).toMatchObject({ lists: ['sales'], conversationIds: [], load: 0 });
        expect((await store.getAgent('b'))!.lists).toEqual(['vip']);
      });
    });

    describe('tasks', () => {
      test('createTask makes a queued task', async () => {
        const { task: t, created } = await store.createTask({ id: 't1', conversationId: 'c1', listId: 'sales', mode: 'push', reason: 'new' }, T);
        expect(created).toBe(true);
        expect(t).toEqual({ id: 't1', conversationId: 'c1', state: 'queued', listId: 'sales', reason: 'new', createdAt: iso(T) });
        expect(await store.getTask('t1')).toEqual(t);
        expect(await store.getTask('nope')).toBeNull();
      });

      test('queueLengths counts the waiting tasks of each list that has any, both modes', async () => {
        expect(await store.queueLengths()).toEqual([]);
        await task('s1');
        await task('s2', { mode: 'pull' });
        await task('n1', { listId: null });
        await task('q1', { listId: 'odd*list' });
        const byList = async () => Object.fromEntries((await store.queueLengths()).map((q) => [String(q.listId), q.queued]));
        expect(await byList()).toEqual({ sales: 2, null: 1, 'odd*list': 1 });
        await agent('a', T);
        await store.pull('s2', 'a', T + 1);
        await store.closeTask('q1', T + 2);
        expect(await byList()).toEqual({ sales: 1, null: 1 });
      });

      test('waiting lists the queued and offered tasks of the list, oldest first; accepted, pulled and closed ones leave it (the dashboard)', async () => {
        await agent('a', T, { capacity: 3 });
        await task('old', { at: T - 20 });
        await task('mid', { at: T - 10 });
        await task('new', { at: T });
        await task('other', { listId: null });
        await store.offerNext('old', T, EXP);
        expect((await store.waiting('sales')).map((t) => [t.id, t.state])).toEqual([
          ['old', 'offered'],
          ['mid', 'queued'],
          ['new', 'queued'],
        ]);
        expect((await store.waiting(null)).map((t) => t.id)).toEqual(['other']);
        await store.accept('old', 'a', T + 1);
        await store.pull('mid', 'a', T + 2);
        await store.closeTask('new', T + 3);
        expect(await store.waiting('sales')).toEqual([]);
      });

      test('the same id twice is a conflict', async () => {
        await task('t1');
        await expect(task('t1')).rejects.toMatchObject({ code: 'conflict' });
      });

      test('unlessPending answers the task already waiting for an agent', async () => {
        const first = await task('t1', { conversationId: 'c' });
        const again = await store.createTask({ id: 't2', conversationId: 'c', mode: 'push', reason: 'new', unlessPending: true }, T + 1);
        expect(again).toEqual({ task: first, created: false });
        expect(await store.getTask('t2')).toBeNull();
      });

      test('unlessPending makes a new one once the old one is accepted or closed', async () => {
        await agent('a', T);
        await task('t1', { conversationId: 'c' });
        await store.offerNext('t1', T, EXP);
        await store.accept('t1', 'a', T);
        expect((await store.createTask({ id: 't2', conversationId: 'c', mode: 'push', reason: 'new', unlessPending: true }, T)).created).toBe(true);
        await store.closeTask('t2', T);
        expect((await store.createTask({ id: 't3', conversationId: 'c', mode: 'push', reason: 'new', unlessPending: true }, T)).created).toBe(true);
      });

      test('tasksOf: every task of the conversation, oldest first', async () => {
        await task('b', { conversationId: 'c', at: T + 1 });
        await task('a', { conversationId: 'c', at: T + 2 });
        await task('x', { conversationId: 'other' });
        await store.closeTask('b', T + 3);
        expect((await store.tasksOf('c')).map((t) => [t.id, t.state])).toEqual([['b', 'closed'], ['a', 'queued']]);
        expect(await store.tasksOf('none')).toEqual([]);
      });

      test('queued: tasks queued on the list, oldest first, both modes; null for tasks without a list', async () => {
        await task('late', { at: T + 5 });
        await task('early', { at: T + 1, mode: 'pull' });
        await task('same-b', { at: T + 3 });
        await task('same-a', { at: T + 3 });
        await task('other', { listId: 'support' });
        await task('nolist', { listId: null });
        await task('gone', { at: T });
        await store.closeTask('gone', T);
        expect((await store.queued('sales')).map((t) => t.id)).toEqual(['early', 'same-a', 'same-b', 'late']);
        expect((await store.queued(null)).map((t) => t.id)).toEqual(['nolist']);
        expect(await store.queued('empty')).toEqual([]);
      });

      test('answers copies of tasks', async () => {
        const t = await task('t1');
        t.state = 'closed';
        expect((await store.getTask('t1'))!.state).toBe('queued');
      });

      test('unknown tasks are not_found', async () => {
        const notFound = expect.objectContaining({ code: 'not_found' });
        await expect(store.offerNext('nope', T, EXP)).rejects.toEqual(notFound);
        await expect(store.accept('nope', 'a', T)).rejects.toEqual(notFound);
        await expect(store.reject('nope', 'a', T)).rejects.toEqual(notFound);
        await expect(store.pull('nope', 'a', T)).rejects.toEqual(notFound);
        await expect(store.closeTask('nope', T)).rejects.toEqual(notFound);
        expect(await store.expire('nope', 'a', T)).toBeNull();
      });
    });

    describe('push: offers', () => {
      test('offered to the agent idle longest', async () => {
        await agent('recent', T - 100);
        await agent('longest', T - 300);
        await agent('middle', T - 200);
        await task('t1');
        const offer = await store.offerNext('t1', T, EXP);
        expect(offer).toEqual({
          agentId: 'longest',
          expiresAt: EXP,
          task: { id: 't1', conversationId: 'conv-t1', state: 'offered', listId: 'sales', reason: 'new', agentId: 'longest', createdAt: iso(T), offeredAt: iso(T) },
        });
        expect(await store.getTask('t1')).toEqual(offer!.task);
        expect(await store.getAgent('longest')).toMatchObject({ pendingOffers: 1, offeredTaskIds: ['t1'], load: 0 });
      });

      test('ties go to the smallest agentId', async () => {
        await agent('b', T - 100);
        await agent('a', T - 100);
        await task('t1');
        expect((await store.offerNext('t1', T, EXP))!.agentId).toBe('a');
      });

      test('never to an agent that is not ready or not connected', async () => {
        await agent('away', T - 500);
        await store.setAgentState('away', { state: 'not_ready' }, T);
        await agent('gone', T - 400);
        await store.setConnected('gone', false, T);
        await agent('here', T);
        await task('t1');
        expect((await store.offerNext('t1', T, EXP))!.agentId).toBe('here');
      });

      test('capacity is respected, a pending offer holding a slot', async () => {
        await agent('a', T - 200, { capacity: 2 });
        await agent('b', T - 100, { capacity: 1 });
        for (const id of ['t1', 't2', 't3', 't4']) await task(id);
        const picks = [];
        for (const id of ['t1', 't2', 't3', 't4']) picks.push((await store.offerNext(id, T, EXP))?.agentId ?? null);
        expect(picks).toEqual(['a', 'a', 'b', null]);
        expect((await store.getTask('t4'))!.state).toBe('queued');
        expect(await store.getAgent('a')).toMatchObject({ pendingOffers: 2, load: 0 });
      });

      test('accept turns the offer into load', async () => {
        await agent('a', T);
        await task('t1');
        await store.offerNext('t1', T, EXP);
        const accepted = await store.accept('t1', 'a', T + 5);
        expect(accepted).toMatchObject({ state: 'accepted', agentId: 'a', acceptedAt: iso(T + 5) });
        expect(await store.getAgent('a')).toMatchObject({ load: 1, pendingOffers: 0, conversationIds: ['conv-t1'], offeredTaskIds: [] });
      });

      test('only the agent it is offered to accepts, once', async () => {
        await agent('a', T - 10);
        await agent('b', T);
        await task('t1');
        await store.offerNext('t1', T, EXP);
        await expect(store.accept('t1', 'b', T)).rejects.toEqual(conflict);
        await store.accept('t1', 'a', T);
        await expect(store.accept('t1', 'a', T)).rejects.toEqual(conflict);
        expect(await load('a')).toBe(1);
        expect(await load('b')).toBe(0);
      });

      test('a queued task cannot be accepted', async () => {
        await agent('a', T);
        await task('t1');
        await expect(store.accept('t1', 'a', T)).rejects.toEqual(conflict);
      });

      test('the same list only; a task without a list goes to anyone', async () => {
        await agent('support', T - 100, { lists: ['support'] });
        await agent('sales', T, { lists: ['sales'] });
        await task('t1', { listId: 'sales' });
        expect((await store.offerNext('t1', T, EXP))!.agentId).toBe('sales');
        await task('t2', { listId: 'billing' });
        expect(await store.offerNext('t2', T, EXP)).toBeNull();
        await task('t3', { listId: null });
        expect((await store.offerNext('t3', T, EXP))!.agentId).toBe('support');
      });

      test('a task for a named agent goes to that agent only', async () => {
        await agent('a', T - 100);
        await agent('b', T);
        await task('t1', { targetAgentId: 'b' });
        expect((await store.offerNext('t1', T, EXP))!.agentId).toBe('b');
        await task('t2', { targetAgentId: 'b' });
        expect(await store.offerNext('t2', T, EXP)).toBeNull();
      });

      test('nothing is offered for pull-mode tasks, nor for tasks that are not queued', async () => {
        await agent('a', T, { capacity: 5 });
        await task('p', { mode: 'pull' });
        expect(await store.offerNext('p', T, EXP)).toBeNull();
        expect((await store.getTask('p'))!.state).toBe('queued');
        await task('t1');
        await store.offerNext('t1', T, EXP);
        expect(await store.offerNext('t1', T, EXP)).toBeNull();
        await store.closeTask('t1', T);
        expect(await store.offerNext('t1', T, EXP)).toBeNull();
      });

      test('concurrent offers never exceed capacity', async () => {
        await agent('a', T - 3);
        await agent('b', T - 2);
        await agent('c', T - 1);
        const ids = Array.from({ length: 10 }, (_, i) => `t${i}`);
        for (const id of ids) await task(id);
        const offers = await Promise.all(ids.map((id) => store.offerNext(id, T, EXP)));
        const made = offers.filter((o) => o !== null);
        expect(made.map((o) => o!.agentId).sort()).toEqual(['a', 'b', 'c']);
        expect((await store.queued('sales')).length).toBe(7);
      });
    });

    describe('push: reject and expire', () => {
      test('reject: back to queued, the next offer goes to someone else', async () => {
        await agent('a', T - 10);
        await agent('b', T);
        await task('t1');
        await store.offerNext('t1', T, EXP);
        const requeued = await store.reject('t1', 'a', T + 1);
        expect(requeued).toEqual({
          agentId: 'a',
          offeredAt: iso(T),
          targeted: false,
          task: { id: 't1', conversationId: 'conv-t1', state: 'queued', listId: 'sales', reason: 'new', createdAt: iso(T) },
        });
        expect(await store.getAgent('a')).toMatchObject({ pendingOffers: 0, offeredTaskIds: [] });
        expect((await store.offerNext('t1', T + 1, EXP))!.agentId).toBe('b');
      });

      test('expire: the same as reject', async () => {
        await agent('a', T - 10);
        await agent('b', T);
        await task('t1');
        await store.offerNext('t1', T, EXP);
        expect(await store.expire('t1', 'a', EXP)).toMatchObject({ agentId: 'a', task: { state: 'queued' } });
        await expect(store.accept('t1', 'a', EXP)).rejects.toEqual(conflict);
        expect((await store.offerNext('t1', EXP, EXP + 30_000))!.agentId).toBe('b');
      });

      test('when everyone said no the task stays queued', async () => {
        await agent('a', T);
        await task('t1');
        await store.offerNext('t1', T, EXP);
        await store.reject('t1', 'a', T);
        expect(await store.offerNext('t1', T, EXP)).toBeNull();
        expect(await store.nextTaskForAgent('a', T, EXP)).toBeNull();
        expect((await store.getTask('t1'))!.state).toBe('queued');
      });

      test('only the agent it is offered to rejects', async () => {
        await agent('a', T - 10);
        await agent('b', T);
        await task('t1');
        await store.offerNext('t1', T, EXP);
        await expect(store.reject('t1', 'b', T)).rejects.toEqual(conflict);
        await store.accept('t1', 'a', T);
        await expect(store.reject('t1', 'a', T)).rejects.toEqual(conflict);
      });

      test('a late expiry changes nothing', async () => {
        await agent('a', T);
        await task('t1');
        await store.offerNext('t1', T, EXP);
        await store.accept('t1', 'a', T + 1);
        expect(await store.expire('t1', 'a', EXP)).toBeNull();
        expect(await store.getTask('t1')).toMatchObject({ state: 'accepted', agentId: 'a' });
        expect(await store.expire('t1', 'b', EXP)).toBeNull();
      });

      test('an expired offer frees the slot for another task', async () => {
        await agent('a', T);
        await task('t1', { at: T });
        await task('t2', { at: T + 1 });
        await store.offerNext('t1', T, EXP);
        expect(await store.offerNext('t2', T, EXP)).toBeNull();
        await store.expire('t1', 'a', EXP);
        expect(await store.nextTaskForAgent('a', EXP, EXP + 30_000)).toMatchObject({ agentId: 'a', task: { id: 't2', state: 'offered' } });
      });
    });

    describe('push: an agent becoming free', () => {
      test('no agent: the task stays queued and is offered when one becomes ready', async () => {
        await task('t1');
        expect(await store.offerNext('t1', T, EXP)).toBeNull();
        expect((await store.getTask('t1'))!.state).toBe('queued');
        await store.setConnected('a', true, T);
        expect(await store.nextTaskForAgent('a', T, EXP)).toBeNull();
        await store.setAgentState('a', { state: 'ready', lists: ['sales'] }, T + 1);
        const offer = await store.nextTaskForAgent('a', T + 1, EXP);
        expect(offer).toMatchObject({ agentId: 'a', expiresAt: EXP, task: { id: 't1', state: 'offered', agentId: 'a', offeredAt: iso(T + 1) } });
      });

      test('oldest first, only its lists, no pull-mode tasks, until its slots are full', async () => {
        await task('new', { at: T + 3 });
        await task('old', { at: T + 1 });
        await task('pull', { at: T, mode: 'pull' });
        await task('other', { at: T, listId: 'support' });
        await task('mid', { at: T + 2 });
        await agent('a', T + 10, { capacity: 2 });
        expect((await store.nextTaskForAgent('a', T + 10, EXP))!.task.id).toBe('old');
        expect((await store.nextTaskForAgent('a', T + 10, EXP))!.task.id).toBe('mid');
        expect(await store.nextTaskForAgent('a', T + 10, EXP)).toBeNull();
        expect((await store.getTask('new'))!.state).toBe('queued');
      });

      test('nothing for an unknown agent', async () => {
        await task('t1');
        expect(await store.nextTaskForAgent('ghost', T, EXP)).toBeNull();
      });

      test('closing an accepted task frees capacity for the next one', async () => {
        await agent('a', T);
        await task('t1', { at: T });
        await task('t2', { at: T + 1 });
        await store.offerNext('t1', T, EXP);
        await store.accept('t1', 'a', T);
        expect(await store.offerNext('t2', T, EXP)).toBeNull();
        const closed = await store.closeTask('t1', T + 50);
        expect(closed).toMatchObject({ changed: true, freedAgentId: 'a', task: { state: 'closed', closedAt: iso(T + 50) } });
        expect(await store.getAgent('a')).toMatchObject({ load: 0, idleSince: T + 50 });
        expect((await store.nextTaskForAgent('a', T + 50, EXP))!.task.id).toBe('t2');
      });

      test('the agent freed last waits behind the one idle longer', async () => {
        await agent('a', T - 100);
        await agent('b', T - 50);
        await task('t1');
        await store.offerNext('t1', T, EXP);
        await store.accept('t1', 'a', T);
        await store.closeTask('t1', T + 10);
        await task('t2');
        expect((await store.offerNext('t2', T + 20, EXP))!.agentId).toBe('b');
      });
    });

    describe('pull', () => {
      test('an agent takes a queued task: accepted, load +1', async () => {
        await agent('a', T);
        await task('t1', { mode: 'pull' });
        const t = await store.pull('t1', 'a', T + 1);
        expect(t).toMatchObject({ state: 'accepted', agentId: 'a', acceptedAt: iso(T + 1) });
        expect(await store.getAgent('a')).toMatchObject({ load: 1, conversationIds: ['conv-t1'] });
        expect(await store.queued('sales')).toEqual([]);
      });

      test('10 concurrent pulls: exactly one wins, the others get conflict', async () => {
        const agents = Array.from({ length: 10 }, (_, i) => `a${i}`);
        for (const a of agents) await agent(a, T);
        await task('t1', { mode: 'pull' });
        const results = await Promise.allSettled(agents.map((a) => store.pull('t1', a, T + 1)));
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(9);
        for (const r of lost) expect(r.reason).toEqual(conflict);
        const winner = (await store.getTask('t1'))!.agentId!;
        let total = 0;
        for (const a of agents) total += await load(a);
        expect(total).toBe(1);
        expect(await load(winner)).toBe(1);
      });

      test('a task offered or accepted already cannot be pulled', async () => {
        await agent('a', T - 1);
        await agent('b', T);
        await task('t1');
        await store.offerNext('t1', T, EXP);
        await expect(store.pull('t1', 'b', T)).rejects.toEqual(conflict);
      });

      test('only agents serving the list, with a free slot', async () => {
        await agent('support', T, { lists: ['support'] });
        await agent('busy', T);
        await task('t1', { mode: 'pull' });
        await task('t2', { mode: 'pull' });
        await expect(store.pull('t1', 'support', T)).rejects.toMatchObject({ code: 'forbidden' });
        await store.pull('t1', 'busy', T);
        await expect(store.pull('t2', 'busy', T)).rejects.toEqual(conflict);
        await expect(store.pull('t2', 'ghost', T)).rejects.toMatchObject({ code: 'not_found' });
        expect((await store.getTask('t2'))!.state).toBe('queued');
      });
    });

    describe('closing and releasing', () => {
      test('closing an offered task revokes the offer and frees its slot', async () => {
        await agent('a', T);
        await task('t1');
        await store.offerNext('t1', T, EXP);
        expect(await store.closeTask('t1', T + 1)).toMatchObject({ changed: true, revokedAgentId: 'a', task: { state: 'closed' } });
        expect(await store.getAgent('a')).toMatchObject({ pendingOffers: 0, load: 0 });
        await expect(store.accept('t1', 'a', T + 2)).rejects.toEqual(conflict);
      });

      test('closing a queued task takes it off the queue', async () => {
        await task('t1');
        const closed = await store.closeTask('t1', T);
        expect(closed.changed).toBe(true);
        expect(closed.revokedAgentId).toBeUndefined();
        expect(closed.freedAgentId).toBeUndefined();
        expect(await store.queued('sales')).toEqual([]);
      });

      test('closing twice changes nothing the second time', async () => {
        await task('t1');
        const first = await store.closeTask('t1', T);
        expect(await store.closeTask('t1', T + 5)).toEqual({ task: first.task, changed: false });
      });

      test('releaseAgent frees the conversation once; closing its task later frees nothing more', async () => {
        await agent('a', T, { capacity: 2 });
        await task('t1', { conversationId: 'c1' });
        await task('t2', { conversationId: 'c2' });
        await store.offerNext('t1', T, EXP);
        await store.offerNext('t2', T, EXP);
        await store.accept('t1', 'a', T);
        await store.accept('t2', 'a', T);
        expect(await load('a')).toBe(2);
        expect(await store.releaseAgent('a', 'c1', T + 5)).toMatchObject({ load: 1, conversationIds: ['c2'], idleSince: T });
        expect(await store.releaseAgent('a', 'c1', T + 6)).toMatchObject({ load: 1 });
        const closed = await store.closeTask('t1', T + 7);
        expect(closed.changed).toBe(true);
        expect(closed.freedAgentId).toBeUndefined();
        expect(await load('a')).toBe(1);
        expect(await store.releaseAgent('a', 'c2', T + 8)).toMatchObject({ load: 0, idleSince: T + 8 });
        expect(await store.releaseAgent('ghost', 'c2', T)).toBeNull();
      });

      test('forgetConversation closes what is open and drops the tasks', async () => {
        await agent('a', T - 1);
        await agent('b', T);
        await task('t1', { conversationId: 'c', at: T });
        await task('t2', { conversationId: 'c', at: T + 1 });
        await task('t3', { conversationId: 'c', at: T + 2 });
        await store.offerNext('t1', T, EXP);
        await store.accept('t1', 'a', T);
        await store.offerNext('t2', T, EXP);
        await store.closeTask('t3', T);
        const closed = await store.forgetConversation('c', T + 9);
        expect(closed.map((c) => [c.task.id, c.freedAgentId ?? c.revokedAgentId])).toEqual([['t1', 'a'], ['t2', 'b']]);
        expect(await store.tasksOf('c')).toEqual([]);
        expect(await store.getTask('t1')).toBeNull();
        expect(await store.getAgent('a')).toMatchObject({ load: 0 });
        expect(await store.getAgent('b')).toMatchObject({ pendingOffers: 0 });
      });
    });

    describe('two nodes', () => {
      /** Runs `fn` with a second node when the store has one. */
      async function withPeer(fn: (other: RoutingStore) => Promise<void>): Promise<void> {
        if (!ctx.peer) return; // in-process stores have no second node
        const other = await ctx.peer();
        try {
          await fn(other);
        } finally {
          await other.close();
        }
      }

      test('pulls from both nodes: exactly one wins', async () => {
        await withPeer(async (other) => {
          const agents = Array.from({ length: 10 }, (_, i) => `a${i}`);
          for (const a of agents) await agent(a, T);
          for (let round = 0; round < 10; round++) {
            await task(`t${round}`, { mode: 'pull' });
            const nodes = [store, other];
            const results = await Promise.allSettled(agents.map((a, i) => nodes[i % 2]!.pull(`t${round}`, a, T)));
            expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
            await store.closeTask(`t${round}`, T);
          }
        });
      });

      test('offers from both nodes never exceed capacity', async () => {
        await withPeer(async (other) => {
          await agent('a', T - 2, { capacity: 2 });
          await agent('b', T - 1);
          const ids = Array.from({ length: 12 }, (_, i) => `t${i}`);
          for (const id of ids) await task(id);
          const nodes = [store, other];
          const offers = await Promise.all(ids.map((id, i) => nodes[i % 2]!.offerNext(id, T, EXP)));
          expect(offers.filter((o) => o !== null).map((o) => o!.agentId).sort()).toEqual(['a', 'a', 'b']);
          expect(await other.getAgent('a')).toMatchObject({ pendingOffers: 2 });
        });
      });

      test('accept on one node racing expiry on the other: one of them wins', async () => {
        await withPeer(async (other) => {
          await agent('a', T);
          for (let round = 0; round < 10; round++) {
            await task(`t${round}`);
            await store.offerNext(`t${round}`, T, EXP);
            const [accepted, expired] = await Promise.allSettled([store.accept(`t${round}`, 'a', T), other.expire(`t${round}`, 'a', EXP)]);
            const acceptWon = accepted.status === 'fulfilled';
            const expireWon = expired.status === 'fulfilled' && expired.value !== null;
            expect(acceptWon !== expireWon).toBe(true);
            expect(await load('a')).toBe(acceptWon ? 1 : 0);
            await store.closeTask(`t${round}`, T);
          }
        });
      });

      test('createTask with unlessPending from both nodes: one task', async () => {
        await withPeer(async (other) => {
          for (let round = 0; round < 10; round++) {
            const nodes = [store, other];
            const results = await Promise.all(
              Array.from({ length: 6 }, (_, i) =>
                nodes[i % 2]!.createTask({ id: `t${round}-${i}`, conversationId: `c${round}`, listId: 'sales', mode: 'push', reason: 'new', unlessPending: true }, T + i),
              ),
            );
            expect(results.filter((r) => r.created)).toHaveLength(1);
            expect(new Set(results.map((r) => r.task.id)).size).toBe(1);
            expect(await other.tasksOf(`c${round}`)).toHaveLength(1);
          }
          expect(await store.queued('sales')).toHaveLength(10);
        });
      });

      test('agents filling their slots from both nodes: each task offered once, capacity kept', async () => {
        await withPeer(async (other) => {
          const ids = Array.from({ length: 8 }, (_, i) => `t${i}`);
          for (const [i, id] of ids.entries()) await task(id, { at: T + i });
          await agent('a', T, { capacity: 3 });
          await agent('b', T, { capacity: 2 });
          const nodes = [store, other];
          // Each agent asks on both nodes at once, more often than it has slots.
          const calls = ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b'].map((agentId, i) => nodes[i % 2]!.nextTaskForAgent(agentId, T, EXP));
          const offers = (await Promise.all(calls)).filter((o) => o !== null);
          expect(offers).toHaveLength(5);
          expect(new Set(offers.map((o) => o!.task.id)).size).toBe(5);
          expect(offers.map((o) => o!.task.id).sort()).toEqual(['t0', 't1', 't2', 't3', 't4']);
          expect(await other.getAgent('a')).toMatchObject({ pendingOffers: 3 });
          expect(await store.getAgent('b')).toMatchObject({ pendingOffers: 2 });
          expect((await other.queued('sales')).map((t) => t.id)).toEqual(['t5', 't6', 't7']);
        });
      });

      test('offerNext on one node racing nextTaskForAgent on the other: one offer, one slot', async () => {
        await withPeer(async (other) => {
          await agent('a', T);
          for (let round = 0; round < 10; round++) {
            await task(`t${round}`, { at: T + round });
            const [byTask, byAgent] = await Promise.all([store.offerNext(`t${round}`, T, EXP), other.nextTaskForAgent('a', T, EXP)]);
            expect([byTask, byAgent].filter((o) => o !== null)).toHaveLength(1);
            expect(await store.getAgent('a')).toMatchObject({ pendingOffers: 1, offeredTaskIds: [`t${round}`] });
            await other.closeTask(`t${round}`, T);
          }
        });
      });

      test('closing on one node racing accept on the other: the load ends right', async () => {
        await withPeer(async (other) => {
          await agent('a', T);
          for (let round = 0; round < 10; round++) {
            await task(`t${round}`, { conversationId: `c${round}` });
            await store.offerNext(`t${round}`, T, EXP);
            const [accepted, closed] = await Promise.allSettled([store.accept(`t${round}`, 'a', T), other.closeTask(`t${round}`, T)]);
            expect(closed.status).toBe('fulfilled');
            const c = (closed as PromiseFulfilledResult<Awaited<ReturnType<RoutingStore['closeTask']>>>).value;
            // Accepted first: closing frees the load; closed first: the offer was revoked, accept failed.
            expect(accepted.status === 'fulfilled' ? c.freedAgentId : c.revokedAgentId).toBe('a');
            expect(await other.getAgent('a')).toMatchObject({ load: 0, pendingOffers: 0 });
          }
        });
      });
    });
  });
}

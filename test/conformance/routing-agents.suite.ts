import { describe, expect, test } from '@jest/globals';
import { routingContext, T, type CreateRoutingFixture } from './routing-helpers.js';

/** Agents as issue 12 made them: default capacity, skills, not-ready reasons, stateSince, listAgents. */
export function routingAgentsSuite(name: string, createFixture: CreateRoutingFixture): void {
  describe(`RoutingStore conformance, agents: ${name}`, () => {
    const ctx = routingContext(createFixture);

    describe('default capacity', () => {
      test('an agent seen the first time gets the store default, by either call', async () => {
        const store = await ctx.make({ defaultCapacity: 3 });
        expect((await store.setAgentState('a', { state: 'ready' }, T)).capacity).toBe(3);
        expect((await store.setConnected('b', true, T)).capacity).toBe(3);
        expect((await store.setAgentState('c', { state: 'ready', capacity: 2 }, T)).capacity).toBe(2);
      });

      test('a known agent keeps its capacity; the default fills three slots', async () => {
        const store = await ctx.make({ defaultCapacity: 3 });
        await store.setAgentState('a', { state: 'ready', capacity: 1, lists: ['sales'] }, T);
        expect((await store.setConnected('a', true, T)).capacity).toBe(1);
        await store.setConnected('b', true, T);
        await store.setAgentState('b', { state: 'ready', lists: ['sales'] }, T + 1);
        for (const id of ['t1', 't2', 't3', 't4']) await store.createTask({ id, conversationId: `c-${id}`, listId: 'sales', mode: 'push', reason: 'new' }, T);
        const offers = [];
        for (let i = 0; i < 4; i++) offers.push((await store.nextTaskForAgent('b', T + 2, T + 9))?.task.id ?? null);
        expect(offers).toEqual(['t1', 't2', 't3', null]);
      });

      test('default 1 without the option', async () => {
        expect((await ctx.store.setConnected('a', true, T)).capacity).toBe(1);
      });
    });

    describe('skills', () => {
      test('none at first, set when given, kept when omitted, copied', async () => {
        expect((await ctx.store.setConnected('a', true, T)).skills).toEqual([]);
        const skills = ['fr', 'vip'];
        const a = await ctx.store.setAgentState('a', { state: 'ready', skills }, T);
        skills.push('hacked');
        a.skills.push('hacked');
        expect((await ctx.store.setAgentState('a', { state: 'not_ready' }, T + 1)).skills).toEqual(['fr', 'vip']);
        expect((await ctx.store.setAgentState('a', { state: 'ready', skills: [] }, T + 2)).skills).toEqual([]);
      });
    });

    describe('not-ready reason and stateSince', () => {
      test('stateSince is the creation time of a new agent, by either call', async () => {
        expect((await ctx.store.setConnected('a', true, T + 5)).stateSince).toBe(T + 5);
        expect((await ctx.store.setAgentState('b', { state: 'ready' }, T + 6)).stateSince).toBe(T + 6);
      });

      test('the reason is kept while not ready with one, and each change of state or reason moves stateSince', async () => {
        const s = ctx.store;
        await s.setConnected('a', true, T);
        const lunch = await s.setAgentState('a', { state: 'not_ready', reason: 'lunch' }, T + 1);
        expect(lunch).toMatchObject({ state: 'not_ready', notReadyReason: 'lunch', stateSince: T + 1 });
        expect(await s.setAgentState('a', { state: 'not_ready', reason: 'lunch', capacity: 2 }, T + 2)).toMatchObject({ notReadyReason: 'lunch', stateSince: T + 1 });
        expect(await s.setAgentState('a', { state: 'not_ready', reason: 'training' }, T + 3)).toMatchObject({ notReadyReason: 'training', stateSince: T + 3 });
        const plain = await s.setAgentState('a', { state: 'not_ready' }, T + 4);
        expect(plain.stateSince).toBe(T + 4);
        expect(plain).not.toHaveProperty('notReadyReason');
        const ready = await s.setAgentState('a', { state: 'ready', reason: 'ignored' }, T + 5);
        expect(ready).toMatchObject({ state: 'ready', stateSince: T + 5, idleSince: T + 5 });
        expect(ready).not.toHaveProperty('notReadyReason');
        expect((await s.setAgentState('a', { state: 'ready' }, T + 6)).stateSince).toBe(T + 5);
        expect((await s.setConnected('a', false, T + 7)).stateSince).toBe(T + 5);
        expect(await s.getAgent('a')).toMatchObject({ state: 'ready', stateSince: T + 5 });
      });

      test('connecting or disconnecting keeps the reason', async () => {
        await ctx.store.setAgentState('a', { state: 'not_ready', reason: 'break' }, T);
        expect(await ctx.store.setConnected('a', true, T + 1)).toMatchObject({ notReadyReason: 'break', stateSince: T });
      });
    });

    describe('listAgents', () => {
      test('none: empty', async () => {
        expect(await ctx.store.listAgents()).toEqual([]);
      });

      test('every agent, by agentId, as getAgent answers each', async () => {
        await ctx.agent('m', T, { skills: ['fr'] });
        await ctx.store.setAgentState('B', { state: 'not_ready', reason: 'away' }, T + 1);
        await ctx.store.setConnected('a', true, T + 2);
        await ctx.store.setConnected('z', false, T + 3);
        const all = await ctx.store.listAgents();
        expect(all.map((a) => a.agentId)).toEqual(['B', 'a', 'm', 'z']);
        for (const a of all) expect(await ctx.store.getAgent(a.agentId)).toEqual(a);
        all[0]!.lists.push('hacked');
        expect((await ctx.store.getAgent('B'))!.lists).toEqual([]);
      });
    });
  });
}

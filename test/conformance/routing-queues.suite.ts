import { describe, expect, test } from '@jest/globals';
import { EXP, routingContext, T, type CreateRoutingFixture } from './routing-helpers.js';

/** Queues as issue 12 made them: waiting, customers' positions, recent waits. */
export function routingQueuesSuite(name: string, createFixture: CreateRoutingFixture): void {
  describe(`RoutingStore conformance, queues: ${name}`, () => {
    const ctx = routingContext(createFixture);
    const ids = (tasks: { id: string }[]) => tasks.map((t) => t.id);
    const told = async (listId: string | null, now: number, interval = 5_000) => {
      const notes = await ctx.store.notePositions(listId, now, interval);
      return { ...notes, changed: notes.changed.map((c) => [c.task.id, c.position]) };
    };

    describe('waiting', () => {
      test('queued or offered tasks of the list, oldest first, both modes', async () => {
        await ctx.agent('a', T, { capacity: 3 });
        await ctx.task('late', { at: T + 5 });
        await ctx.task('pull', { at: T + 1, mode: 'pull' });
        await ctx.task('b', { at: T + 3 });
        await ctx.task('a', { at: T + 3 });
        await ctx.task('other', { listId: 'support' });
        await ctx.task('nolist', { listId: null });
        await ctx.task('taken', { at: T - 2 });
        await ctx.task('pulled', { at: T - 1, mode: 'pull' });
        await ctx.task('closed', { at: T });
        await ctx.store.offerNext('taken', T, EXP);
        await ctx.store.accept('taken', 'a', T);
        await ctx.store.pull('pulled', 'a', T);
        await ctx.store.closeTask('closed', T);
        await ctx.store.offerNext('late', T + 6, EXP);
        const waiting = await ctx.store.waiting('sales');
        expect(ids(waiting)).toEqual(['pull', 'a', 'b', 'late']);
        expect(waiting[3]).toMatchObject({ state: 'offered', agentId: 'a' });
        expect(ids(await ctx.store.waiting(null))).toEqual(['nolist']);
        expect(await ctx.store.waiting('empty')).toEqual([]);
        await ctx.store.reject('late', 'a', T + 7);
        expect(ids(await ctx.store.waiting('sales'))).toEqual(['pull', 'a', 'b', 'late']);
      });
    });

    describe('notePositions', () => {
      test('first time: everyone is told; unchanged: nobody', async () => {
        for (const [i, id] of ['t1', 't2', 't3'].entries()) await ctx.task(id, { at: T + i });
        expect(await told('sales', T + 10)).toEqual({ changed: [['t1', 1], ['t2', 2], ['t3', 3]], averageWaitSeconds: null });
        expect(await told('sales', T + 20_000)).toEqual({ changed: [], averageWaitSeconds: null });
        const notes = await ctx.store.notePositions('sales', T + 30_000, 5_000);
        expect(notes.changed).toEqual([]);
        expect(await told('other', T)).toEqual({ changed: [], averageWaitSeconds: null });
      });

      test('a change told less than the interval ago is held back until retryAt', async () => {
        for (const [i, id] of ['t1', 't2', 't3'].entries()) await ctx.task(id, { at: T + i });
        await told('sales', T + 10);
        await ctx.store.closeTask('t1', T + 100);
        expect(await told('sales', T + 1_000)).toEqual({ changed: [], retryAt: T + 5_010, averageWaitSeconds: null });
        expect(await told('sales', T + 5_009)).toMatchObject({ changed: [], retryAt: T + 5_010 });
        const at = await told('sales', T + 5_010);
        expect(at).toEqual({ changed: [['t2', 1], ['t3', 2]], averageWaitSeconds: null });
      });

      test('a newcomer is told at once, others held back; retryAt is the earliest', async () => {
        await ctx.task('t1', { at: T });
        await ctx.task('t2', { at: T + 2 });
        await told('sales', T + 10);
        await ctx.task('t3', { at: T + 20 });
        await told('sales', T + 20);
        await ctx.task('t0', { at: T - 5 });
        // t1, t2 told at T+10, t3 at T+20: every one moved; only the newcomer is told.
        expect(await told('sales', T + 30)).toEqual({ changed: [['t0', 1]], retryAt: T + 5_010, averageWaitSeconds: null });
        expect(await told('sales', T + 5_010)).toMatchObject({ changed: [['t1', 2], ['t2', 3]], retryAt: T + 5_020 });
        expect(await told('sales', T + 5_020)).toEqual({ changed: [['t3', 4]], averageWaitSeconds: null });
      });

      test('offered tasks keep their place; lists without a list are null', async () => {
        await ctx.agent('a', T);
        await ctx.task('t1', { at: T, listId: null });
        await ctx.task('t2', { at: T + 1, listId: null });
        await ctx.store.offerNext('t1', T, EXP);
        expect((await told(null, T + 10)).changed).toEqual([['t1', 1], ['t2', 2]]);
        await ctx.store.accept('t1', 'a', T + 4_000);
        expect(await told(null, T + 10_000)).toEqual({ changed: [['t2', 1]], averageWaitSeconds: 4 });
      });
    });

    describe('averageWaitSeconds', () => {
      test('accept and pull note the wait for the list; the last 20 count', async () => {
        await ctx.agent('a', T, { capacity: 30 });
        await ctx.task('t1', { at: T });
        await ctx.store.offerNext('t1', T + 1_000, EXP);
        await ctx.store.accept('t1', 'a', T + 4_000);
        await ctx.task('p1', { at: T + 1_000, mode: 'pull' });
        await ctx.store.pull('p1', 'a', T + 3_500);
        expect((await ctx.store.notePositions('sales', T + 5_000, 1)).averageWaitSeconds).toBe(3.25);
        expect((await ctx.store.notePositions('support', T + 5_000, 1)).averageWaitSeconds).toBeNull();
        for (let i = 0; i < 20; i++) {
          await ctx.task(`q${i}`, { at: T + 10_000, mode: 'pull' });
          await ctx.store.pull(`q${i}`, 'a', T + 10_500);
        }
        expect((await ctx.store.notePositions('sales', T + 20_000, 1)).averageWaitSeconds).toBe(0.5);
      });
    });

    describe('forgetConversation', () => {
      test('cleans the waiting index and the notes: the same id later starts afresh', async () => {
        await ctx.task('t1', { conversationId: 'c' });
        await told('sales', T + 10);
        await ctx.store.forgetConversation('c', T + 20);
        expect(await ctx.store.waiting('sales')).toEqual([]);
        await ctx.task('t1', { conversationId: 'c', at: T + 30 });
        expect((await told('sales', T + 40)).changed).toEqual([['t1', 1]]);
      });
    });
  });
}

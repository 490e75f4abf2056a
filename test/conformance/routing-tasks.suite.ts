import { describe, expect, test } from '@jest/globals';
import { EXP, iso, routingContext, T, type CreateRoutingFixture } from './routing-helpers.js';

/** Tasks as issue 12 made them: reasons, skills, exclusions, what a revoked offer says, retryOffer and retarget. */
export function routingTasksSuite(name: string, createFixture: CreateRoutingFixture): void {
  describe(`RoutingStore conformance, tasks: ${name}`, () => {
    const ctx = routingContext(createFixture);
    const conflict = expect.objectContaining({ code: 'conflict' });
    const offered = async (id: string) => (await ctx.store.getTask(id))?.agentId;

    describe('reason and required skills', () => {
      test('kept on the task; no requiredSkills when none are required', async () => {
        const s = ctx.store;
        const { task } = await s.createTask({ id: 't1', conversationId: 'c', mode: 'push', reason: 'transfer', requiredSkills: ['fr', 'vip'] }, T);
        expect(task).toEqual({ id: 't1', conversationId: 'c', state: 'queued', reason: 'transfer', requiredSkills: ['fr', 'vip'], createdAt: iso(T) });
        expect(await s.getTask('t1')).toEqual(task);
        const none = (await s.createTask({ id: 't2', conversationId: 'c2', mode: 'pull', reason: 'handoff', requiredSkills: [] }, T)).task;
        expect(none).not.toHaveProperty('requiredSkills');
        expect(none.reason).toBe('handoff');
      });

      test('offerNext skips agents lacking a skill, walking on to the next idle one', async () => {
        await ctx.agent('none', T - 300);
        await ctx.agent('fr', T - 200, { skills: ['fr'] });
        await ctx.agent('both', T - 100, { skills: ['vip', 'fr'] });
        await ctx.task('t1', { requiredSkills: ['fr', 'vip'] });
        expect((await ctx.store.offerNext('t1', T, EXP))!.agentId).toBe('both');
        await ctx.task('t2', { requiredSkills: ['fr'] });
        expect((await ctx.store.offerNext('t2', T, EXP))!.agentId).toBe('fr');
        await ctx.task('t3', { requiredSkills: ['de'] });
        expect(await ctx.store.offerNext('t3', T, EXP)).toBeNull();
        await ctx.task('t4');
        expect((await ctx.store.offerNext('t4', T, EXP))!.agentId).toBe('none');
      });

      test('a targeted task still needs the skills', async () => {
        await ctx.agent('a', T);
        await ctx.task('t1', { targetAgentId: 'a', requiredSkills: ['fr'] });
        expect(await ctx.store.offerNext('t1', T, EXP)).toBeNull();
        await ctx.store.setAgentState('a', { state: 'ready', skills: ['fr'] }, T + 1);
        expect((await ctx.store.offerNext('t1', T + 1, EXP))!.agentId).toBe('a');
      });

      test('nextTaskForAgent passes over tasks needing a skill it lacks', async () => {
        await ctx.task('old', { at: T, requiredSkills: ['vip'] });
        await ctx.task('new', { at: T + 1 });
        await ctx.agent('a', T + 2, { capacity: 2 });
        expect((await ctx.store.nextTaskForAgent('a', T + 2, EXP))!.task.id).toBe('new');
        expect(await ctx.store.nextTaskForAgent('a', T + 2, EXP)).toBeNull();
        await ctx.agent('v', T + 3, { skills: ['vip'] });
        expect((await ctx.store.nextTaskForAgent('v', T + 3, EXP))!.task.id).toBe('old');
      });

      test('pull: forbidden without the skills, accepted with them', async () => {
        await ctx.agent('a', T);
        await ctx.agent('b', T, { skills: ['fr'] });
        await ctx.task('t1', { mode: 'pull', requiredSkills: ['fr'] });
        await expect(ctx.store.pull('t1', 'a', T)).rejects.toMatchObject({ code: 'forbidden', message: 'agent lacks a required skill' });
        expect(await ctx.store.pull('t1', 'b', T + 1)).toMatchObject({ state: 'accepted', agentId: 'b' });
      });
    });

    describe('exclusions and revoked offers', () => {
      test('exclude at creation: never offered to them', async () => {
        await ctx.agent('a', T - 100);
        await ctx.agent('b', T);
        await ctx.task('t1', { exclude: ['a', 'a'] });
        expect(await ctx.store.nextTaskForAgent('a', T, EXP)).toBeNull();
        expect((await ctx.store.offerNext('t1', T, EXP))!.agentId).toBe('b');
      });

      test('reject and expire name the revoked offer and whether the task had a target', async () => {
        await ctx.agent('a', T);
        await ctx.task('t1', { targetAgentId: 'a' });
        await ctx.store.offerNext('t1', T + 1, EXP);
        expect(await ctx.store.reject('t1', 'a', T + 2)).toMatchObject({ agentId: 'a', offeredAt: iso(T + 1), targeted: true });
        await ctx.task('t2');
        await ctx.store.setAgentState('a', { state: 'ready', capacity: 2 }, T + 3);
        await ctx.store.offerNext('t2', T + 3, EXP);
        expect(await ctx.store.expire('t2', 'a', EXP)).toMatchObject({ agentId: 'a', offeredAt: iso(T + 3), targeted: false });
      });

      test('closing an offered task says when the revoked offer was made; forgetting too', async () => {
        await ctx.agent('a', T, { capacity: 2 });
        await ctx.task('t1');
        await ctx.task('t2', { conversationId: 'c2' });
        await ctx.store.offerNext('t1', T + 1, EXP);
        await ctx.store.offerNext('t2', T + 2, EXP);
        expect(await ctx.store.closeTask('t1', T + 3)).toMatchObject({ revokedAgentId: 'a', revokedOfferedAt: iso(T + 1) });
        const [forgotten] = await ctx.store.forgetConversation('c2', T + 4);
        expect(forgotten).toMatchObject({ revokedAgentId: 'a', revokedOfferedAt: iso(T + 2) });
        await ctx.task('t3');
        expect(await ctx.store.closeTask('t3', T + 5)).not.toHaveProperty('revokedOfferedAt');
      });
    });

    describe('retryOffer', () => {
      /** t1 refused by b then a (a idle longest, busy with an offer of t0 when b refused). */
      async function refusedByBThenA() {
        await ctx.agent('a', T - 300);
        await ctx.agent('b', T - 200);
        await ctx.task('t0', { at: T - 1 });
        await ctx.store.offerNext('t0', T, EXP);
        await ctx.task('t1');
        expect((await ctx.store.offerNext('t1', T, EXP))!.agentId).toBe('b');
        await ctx.store.reject('t1', 'b', T + 1);
        await ctx.store.reject('t0', 'a', T + 2);
        expect((await ctx.store.offerNext('t1', T + 3, EXP))!.agentId).toBe('a');
        await ctx.store.reject('t1', 'a', T + 4);
        expect(await ctx.store.offerNext('t1', T + 5, EXP)).toBeNull();
        await ctx.store.closeTask('t0', T + 5);
      }

      test('the agent that refused first gets it again, though another is idle longer', async () => {
        await refusedByBThenA();
        expect(await ctx.store.retryOffer('t1', T + 10, EXP)).toMatchObject({ agentId: 'b', expiresAt: EXP, task: { state: 'offered', agentId: 'b', offeredAt: iso(T + 10) } });
        // Refusals forgotten: b refusing again leaves only b excluded, so a may have it.
        await ctx.store.reject('t1', 'b', T + 11);
        expect(await ctx.store.nextTaskForAgent('b', T + 12, EXP)).toBeNull();
        expect((await ctx.store.nextTaskForAgent('a', T + 12, EXP))!.task.id).toBe('t1');
        expect(await ctx.store.nextTaskForAgent('a', T + 12, EXP)).toBeNull(); // at capacity
      });

      test('a refuser that does not fit now is passed over; with none, the normal pick', async () => {
        await refusedByBThenA();
        await ctx.store.setAgentState('b', { state: 'not_ready' }, T + 6);
        expect((await ctx.store.retryOffer('t1', T + 10, EXP))!.agentId).toBe('a');
        await ctx.store.reject('t1', 'a', T + 11);
        await ctx.store.setAgentState('a', { state: 'not_ready' }, T + 12);
        await ctx.agent('c', T + 13);
        expect((await ctx.store.retryOffer('t1', T + 14, EXP))!.agentId).toBe('c');
      });

      test('nobody fits: null, the refusals forgotten all the same', async () => {
        await refusedByBThenA();
        await ctx.store.setAgentState('a', { state: 'not_ready' }, T + 6);
        await ctx.store.setAgentState('b', { state: 'not_ready' }, T + 6);
        expect(await ctx.store.retryOffer('t1', T + 10, EXP)).toBeNull();
        expect((await ctx.store.getTask('t1'))!.state).toBe('queued');
        await ctx.store.setAgentState('b', { state: 'ready' }, T + 11);
        expect((await ctx.store.nextTaskForAgent('b', T + 11, EXP))!.task.id).toBe('t1');
      });

      test('not a queued push-mode task: null, refusals forgotten; unknown: not_found', async () => {
        await refusedByBThenA();
        await ctx.agent('c', T + 6);
        await ctx.store.offerNext('t1', T + 7, EXP);
        expect(await offered('t1')).toBe('c');
        expect(await ctx.store.retryOffer('t1', T + 8, EXP)).toBeNull();
        await ctx.store.reject('t1', 'c', T + 9);
        expect((await ctx.store.offerNext('t1', T + 10, EXP))!.agentId).toBe('a');
        await ctx.task('p', { mode: 'pull' });
        expect(await ctx.store.retryOffer('p', T, EXP)).toBeNull();
        await expect(ctx.store.retryOffer('nope', T, EXP)).rejects.toMatchObject({ code: 'not_found' });
      });
    });

    describe('retarget', () => {
      test('a refused transfer joins another list, without its target, refusers and exclude kept out', async () => {
        await ctx.agent('x', T - 300, { lists: ['support'] });
        await ctx.agent('y', T - 200, { lists: ['sales', 'support'] });
        await ctx.agent('z', T - 100, { lists: ['support'] });
        await ctx.task('t1', { targetAgentId: 'y', exclude: ['x'] });
        await ctx.store.offerNext('t1', T, EXP);
        const requeued = await ctx.store.reject('t1', 'y', T + 1);
        expect(requeued.targeted).toBe(true);
        const moved = await ctx.store.retarget('t1', { listId: 'support', mode: 'push', exclude: ['x'] }, T + 2);
        expect(moved).toMatchObject({ id: 't1', state: 'queued', listId: 'support', reason: 'new' });
        expect(await ctx.store.queued('sales')).toEqual([]);
        expect(await ctx.store.waiting('sales')).toEqual([]);
        expect((await ctx.store.queued('support')).map((t) => t.id)).toEqual(['t1']);
        expect((await ctx.store.waiting('support')).map((t) => t.id)).toEqual(['t1']);
        const offer = await ctx.store.offerNext('t1', T + 3, EXP);
        expect(offer!.agentId).toBe('z');
        await ctx.store.reject('t1', 'z', T + 4);
        await expect(ctx.store.reject('t1', 'z', T + 4)).rejects.toEqual(conflict);
        expect(await ctx.store.offerNext('t1', T + 5, EXP)).toBeNull();
      });

      test('to pull mode without a list: no offers, pulled by anyone', async () => {
        await ctx.agent('a', T);
        await ctx.task('t1', { targetAgentId: 'b' });
        const moved = await ctx.store.retarget('t1', { mode: 'pull', exclude: [] }, T + 1);
        expect(moved).not.toHaveProperty('listId');
        expect((await ctx.store.queued(null)).map((t) => t.id)).toEqual(['t1']);
        expect(await ctx.store.offerNext('t1', T + 2, EXP)).toBeNull();
        expect(await ctx.store.nextTaskForAgent('a', T + 2, EXP)).toBeNull();
        expect(await ctx.store.pull('t1', 'a', T + 3)).toMatchObject({ state: 'accepted', agentId: 'a' });
      });

      test('conflict unless queued; not_found when unknown', async () => {
        await ctx.agent('a', T);
        await ctx.task('t1', { targetAgentId: 'a' });
        await ctx.store.offerNext('t1', T, EXP);
        await expect(ctx.store.retarget('t1', { listId: 'sales', mode: 'push', exclude: [] }, T)).rejects.toEqual(conflict);
        await expect(ctx.store.retarget('nope', { mode: 'push', exclude: [] }, T)).rejects.toMatchObject({ code: 'not_found' });
        expect(await ctx.store.getTask('t1')).toMatchObject({ state: 'offered', agentId: 'a' });
      });
    });
  });
}

import { describe, expect, it } from '@jest/globals';
import type { ReportEvent } from '../../server/reporting/report-events.js';
import type { ReportOutbox } from '../../server/reporting/outbox.js';

export interface OutboxFixture {
  outbox: ReportOutbox;
  /** Another node's outbox over the same entries (its own connection), for shared ones (Redis). */
  peer?: () => Promise<ReportOutbox>;
  teardown(): Promise<void>;
}

const state = (n: number, extra: Partial<Extract<ReportEvent, { type: 'agent.state' }>> = {}): ReportEvent => ({
  type: 'agent.state',
  id: `s${n}`,
  agentId: 'a1',
  state: n % 2 ? 'ready' : 'not_ready',
  at: new Date(Date.UTC(2026, 0, 1, 9, 0, n)).toISOString(),
  ...extra,
});
const states = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => state(from + i));

/** The report outbox (server/reporting/outbox.ts): every implementation answers alike. */
export function reportOutboxSuite(name: string, make: () => Promise<OutboxFixture>) {
  describe(`${name} report outbox`, () => {
    const withOutbox = (fn: (f: OutboxFixture) => Promise<void>) => async () => {
      const f = await make();
      try {
        await fn(f);
      } finally {
        await f.teardown();
      }
    };

    it('keeps events in order; peek leaves them, drop removes exactly the batch', withOutbox(async ({ outbox }) => {
      expect(await outbox.peek(10)).toEqual({ events: [], head: null });
      await outbox.push([]);
      expect(await outbox.size()).toBe(0);
      await outbox.push(states(0, 3));
      await outbox.push(states(3, 5));
      expect(await outbox.size()).toBe(5);
      const first = await outbox.peek(3);
      expect(first.events).toEqual(states(0, 3));
      expect((await outbox.peek(3)).events).toEqual(states(0, 3)); // peek again: still there
      expect(await outbox.drop(first)).toBe(3);
      expect(await outbox.size()).toBe(2);
      expect((await outbox.peek(10)).events).toEqual(states(3, 5));
    }));

    it('a batch dropped twice (two flushers) removes it once, never the events after it', withOutbox(async ({ outbox }) => {
      await outbox.push(states(0, 4));
      const a = await outbox.peek(2);
      const b = await outbox.peek(2);
      expect(await outbox.drop(a)).toBe(2);
      expect(await outbox.drop(b)).toBe(0);
      expect(await outbox.drop(a)).toBe(0);
      expect((await outbox.peek(10)).events).toEqual(states(2, 4));
      expect(await outbox.drop({ events: [], head: null })).toBe(0);
    }));

    it('the same event pushed twice is two entries (each batch is named by its own first entry)', withOutbox(async ({ outbox }) => {
      await outbox.push([state(1), state(1), state(1)]);
      const one = await outbox.peek(1);
      expect(await outbox.drop(one)).toBe(1);
      expect(await outbox.drop(one)).toBe(0);
      expect(await outbox.size()).toBe(2);
    }));

    it('every kind of event comes back as it went in, and changing an answer changes nothing stored', withOutbox(async ({ outbox }) => {
      const events: ReportEvent[] = [
        { type: 'task', channelId: 'web', task: { id: 't1', conversationId: 'c1', state: 'queued', listId: 'sales', reason: 'new', requiredSkills: ['fr'], createdAt: '2026-01-01T09:00:00.000Z' } },
        { type: 'offer.made', taskId: 't1', conversationId: 'c1', agentId: 'a1', listId: 'sales', offeredAt: '2026-01-01T09:00:01.000Z' },
        { type: 'offer.ended', taskId: 't1', agentId: 'a1', offeredAt: '2026-01-01T09:00:01.000Z', outcome: 'accepted', endedAt: '2026-01-01T09:00:05.000Z' },
        state(7, { reason: 'lunch ☕ "quoted", comma' }),
      ];
      await outbox.push(events);
      const got = await outbox.peek(10);
      expect(got.events).toEqual(events);
      (got.events[0] as Extract<ReportEvent, { type: 'task' }>).task.state = 'closed';
      expect((await outbox.peek(10)).events).toEqual(events);
    }));

    it('takes large pushes, and peeks at most `max`', withOutbox(async ({ outbox }) => {
      await outbox.push(states(0, 1_200));
      const batch = await outbox.peek(500);
      expect(batch.events).toHaveLength(500);
      expect(batch.events[499]).toEqual(state(499));
      expect(await outbox.drop(batch)).toBe(500);
      expect((await outbox.peek(1)).events).toEqual([state(500)]);
      expect(await outbox.size()).toBe(700);
    }));

    it('is shared by every node: another node sees, peeks and drops the same entries', withOutbox(async ({ outbox, peer }) => {
      if (!peer) return;
      const other = await peer();
      await outbox.push(states(0, 2));
      await other.push(states(2, 3));
      const batch = await other.peek(10);
      expect(batch.events).toEqual(states(0, 3));
      expect(await outbox.drop(batch)).toBe(3);
      expect(await other.size()).toBe(0);
    }));
  });
}

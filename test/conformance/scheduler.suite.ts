import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Scheduler, Timer, TimerOutcome } from '../../server/ports.js';

export interface SchedulerFixture {
  /**
   * A started-later scheduler on the fixture's backend. For a shared backend (BullMQ) every call
   * is another node on the same queue; the suite closes what it creates.
   */
  create(): Promise<Scheduler>;
  teardown(): Promise<void>;
}

/** Fired timers, with a way to wait for the next ones. */
class Fired {
  readonly all: { timer: Timer; at: number }[] = [];
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];

  record(timer: Timer): void {
    this.all.push({ timer, at: Date.now() });
    this.waiters = this.waiters.filter((w) => (w.pred() ? (w.resolve(), false) : true));
  }

  of(key: string) {
    return this.all.filter((f) => f.timer.key === key);
  }

  /** Resolves once `pred` holds; fails the test after `ms` (a guard, not a sleep). */
  until(pred: () => boolean, ms = 10_000, what = 'timers to fire'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      this.waiters.push({
        pred,
        resolve: () => {
          clearTimeout(guard);
          resolve();
        },
      });
    });
  }

  count(key: string): Promise<void> {
    return this.until(() => this.of(key).length > 0, 10_000, key);
  }
}

const LATE_MS = 500;

/**
 * The Scheduler contract (server/scheduler/scheduler.ts), run against every implementation. "Fires
 * only once" is checked by waiting for a later sentinel timer, never by sleeping.
 */
export function schedulerSuite(
  name: string,
  createFixture: () => Promise<SchedulerFixture>,
  /** `distributed`: timers live outside the process (they outlive a node; nodes share them): adds the cross-node tests. */
  options: { distributed: boolean },
): void {
  describe(`Scheduler conformance: ${name}`, () => {
    let fx: SchedulerFixture;
    let fired: Fired;
    const open: Scheduler[] = [];

    async function node(handler?: (t: Timer) => Promise<TimerOutcome>, start = true): Promise<Scheduler> {
      const s = await fx.create();
      open.push(s);
      const fn = handler ?? (async () => undefined);
      for (const kind of ['inactivity', 'offer', 'wrapup'] as const) {
        s.handle(kind, async (t) => {
          const outcome = await fn(t);
          fired.record(t);
          return outcome;
        }, { attempts: 3, backoffMs: 50, maxBackoffMs: 200 });
      }
      if (start) await s.start();
      return s;
    }

    /** Sets a sentinel due `ms` after the last timer of interest and waits for it. */
    async function settle(s: Scheduler, ms = 400): Promise<void> {
      const key = `sentinel-${Math.random()}`;
      await s.set('wrapup', key, Date.now() + ms, {});
      await fired.count(key);
    }

    beforeEach(async () => {
      fx = await createFixture();
      fired = new Fired();
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
      await fx.teardown();
    });

    it('fires at the due time, with its data, once', async () => {
      const s = await node();
      const dueAt = Date.now() + 300;
      await s.set('offer', 'o1', dueAt, { taskId: 't1', n: [1, 2] });
      await fired.count('o1');
      const [f] = fired.of('o1');
      expect(f!.timer).toMatchObject({ kind: 'offer', key: 'o1', data: { taskId: 't1', n: [1, 2] }, dueAt, attempt: 1 });
      expect(f!.at).toBeGreaterThanOrEqual(dueAt - 5);
      expect(f!.at - dueAt).toBeLessThan(LATE_MS);
      await settle(s);
      expect(fired.of('o1')).toHaveLength(1);
    });

    it('set again moves it later: fires once, at the later time', async () => {
      const s = await node();
      await s.set('inactivity', 'i1', Date.now() + 200, { v: 1 });
      const later = Date.now() + 700;
      await s.set('inactivity', 'i1', later, { v: 2 });
      await fired.count('i1');
      const [f] = fired.of('i1');
      expect(f!.at).toBeGreaterThanOrEqual(later - 5);
      expect(f!.at - later).toBeLessThan(LATE_MS);
      expect(f!.timer.data).toEqual({ v: 2 });
      await settle(s);
      expect(fired.of('i1')).toHaveLength(1);
    });

    it('set again moves it earlier', async () => {
      const s = await node();
      await s.set('inactivity', 'i2', Date.now() + 5_000, {});
      const sooner = Date.now() + 250;
      await s.set('inactivity', 'i2', sooner, {});
      await fired.count('i2');
      expect(fired.of('i2')[0]!.at - sooner).toBeLessThan(LATE_MS);
      await settle(s);
      expect(fired.of('i2')).toHaveLength(1);
    });

    it('ensure arms a timer that is not armed, and leaves an armed one where it is', async () => {
      const s = await node();
      await s.ensure('offer', 'e1', Date.now() + 200, { v: 1 });
      const armedAt = Date.now() + 600;
      await s.set('inactivity', 'e2', armedAt, { v: 'set' });
      await s.ensure('inactivity', 'e2', Date.now() + 100, { v: 'ensure' });
      await fired.until(() => fired.of('e1').length > 0 && fired.of('e2').length > 0, 10_000, 'e1 and e2');
      expect(fired.of('e1')[0]!.timer.data).toEqual({ v: 1 });
      const [e2] = fired.of('e2');
      expect(e2!.timer.data).toEqual({ v: 'set' });
      expect(e2!.at).toBeGreaterThanOrEqual(armedAt - 5);
      // Once fired and finished (a later sentinel fired) it is gone: ensure arms it again. While its
      // handler runs it still counts as armed: the handler decides (the class comments).
      await settle(s);
      await s.ensure('inactivity', 'e2', Date.now() + 100, { v: 'again' });
      await fired.until(() => fired.of('e2').length === 2, 10_000, 'e2 again');
      expect(fired.of('e2')[1]!.timer.data).toEqual({ v: 'again' });
    });

    it('a due time in the past fires at once', async () => {
      const s = await node();
      const dueAt = Date.now() - 1_000;
      await s.set('offer', 'past', dueAt, {});
      await fired.count('past');
      expect(Date.now() - fired.of('past')[0]!.at).toBeLessThan(LATE_MS);
    });

    it('cancel prevents firing', async () => {
      const s = await node();
      await s.set('offer', 'c1', Date.now() + 200, {});
      await s.cancel('offer', 'c1');
      await s.cancel('offer', 'never-set');
      await settle(s, 600);
      expect(fired.of('c1')).toHaveLength(0);
    });

    it('a handler answering rearmAt fires again then', async () => {
      let runs = 0;
      let rearmAt = 0;
      const s = await node(async (t) => {
        if (t.key !== 'r1') return;
        runs++;
        if (runs === 1) {
          rearmAt = Date.now() + 300;
          return { rearmAt };
        }
        return;
      });
      await s.set('inactivity', 'r1', Date.now() + 100, { keep: true });
      await fired.until(() => fired.of('r1').length >= 2);
      const second = fired.of('r1')[1]!;
      expect(second.at).toBeGreaterThanOrEqual(rearmAt - 5);
      expect(second.at - rearmAt).toBeLessThan(LATE_MS);
      expect(second.timer).toMatchObject({ key: 'r1', data: { keep: true }, attempt: 1 });
      await settle(s);
      expect(fired.of('r1')).toHaveLength(2);
    });

    it('a throwing handler is retried with backoff, then succeeds', async () => {
      const attempts: number[] = [];
      const s = await node(async (t) => {
        if (t.key !== 'x1') return;
        attempts.push(t.attempt);
        if (t.attempt < 3) throw new Error(`boom ${t.attempt}`);
      });
      await s.set('offer', 'x1', Date.now() + 50, {});
      await fired.count('x1');
      expect(attempts).toEqual([1, 2, 3]);
      await settle(s);
      expect(attempts).toEqual([1, 2, 3]);
    });

    it('gives up after the kind’s attempts', async () => {
      const attempts: number[] = [];
      const s = await node(async (t) => {
        if (t.key !== 'x2') return;
        attempts.push(t.attempt);
        throw new Error('always');
      });
      await s.set('offer', 'x2', Date.now() + 50, {});
      await settle(s, 1_000);
      expect(attempts).toEqual([1, 2, 3]);
    });

    it('the same key can be armed again after it fired', async () => {
      const s = await node();
      await s.set('offer', 'again', Date.now() + 50, { n: 1 });
      await fired.count('again');
      await s.set('offer', 'again', Date.now() + 50, { n: 2 });
      await fired.until(() => fired.of('again').length === 2);
      expect(fired.of('again').map((f) => f.timer.data)).toEqual([{ n: 1 }, { n: 2 }]);
    });

    it('fires 500 timers, each exactly once', async () => {
      const s = await node();
      const base = Date.now() + 300;
      await Promise.all(Array.from({ length: 500 }, (_, i) => s.set('inactivity', `m${i}`, base + (i % 50) * 4, { i })));
      await fired.until(() => fired.all.filter((f) => f.timer.key.startsWith('m')).length >= 500, 20_000);
      const late = Math.max(...fired.all.filter((f) => f.timer.key.startsWith('m')).map((f) => f.at - f.timer.dueAt));
      // A failure guard, not a speed figure (that is `npm run bench`'s timers rung): on a busy
      // 2-core machine a burst of 500 ran 2.6 s late; a lost or stuck timer would never fire at all.
      expect(late).toBeLessThan(10_000);
      await settle(s);
      const counts = new Map<string, number>();
      for (const f of fired.all) counts.set(f.timer.key, (counts.get(f.timer.key) ?? 0) + 1);
      for (let i = 0; i < 500; i++) expect(counts.get(`m${i}`)).toBe(1);
    });

    const acrossNodes = options.distributed ? it : null;

    acrossNodes?.('a timer set by a node that died fires on another node, once', async () => {
      const dead = await node();
      await dead.set('offer', 'orphan', Date.now() + 600, { from: 'dead' });
      await dead.close(); // the node dies before the timer is due
      const alive = await node();
      await fired.count('orphan');
      expect(fired.of('orphan')[0]!.timer.data).toEqual({ from: 'dead' });
      await settle(alive);
      expect(fired.of('orphan')).toHaveLength(1);
    });

    acrossNodes?.('two nodes on the same queue fire each timer once', async () => {
      const a = await node();
      const b = await node();
      const base = Date.now() + 300;
      await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).set('offer', `d${i}`, base + i, {})));
      // Node b moves half of a's timers: still one timer each.
      await Promise.all(Array.from({ length: 50 }, (_, i) => b.set('offer', `d${2 * i + 1}`, base + 200, {})));
      await fired.until(() => fired.all.filter((f) => f.timer.key.startsWith('d')).length >= 100);
      await settle(a);
      for (let i = 0; i < 100; i++) expect(fired.of(`d${i}`)).toHaveLength(1);
    });
  });
}

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Logger } from 'pino';
import type { HubRedisClient } from '../../server/redis/connect.js';
import { MemoryRoutingStore } from '../../server/routing/memory-routing-store.js';
import { RedisRoutingStore } from '../../server/routing/redis-routing-store.js';
import type { RoutingStore } from '../../server/routing/routing-store.js';
import { routingSuite } from '../conformance/routing.suite.js';
import { closeRedis, connectTestRedis, deleteKeys, randomName, redisFixture } from '../helpers/redis.js';

routingSuite(
  'redis',
  redisFixture('routing', (client, prefix) => new RedisRoutingStore(client, { prefix }), (url, prefix) => RedisRoutingStore.connect(url, { prefix })),
);

describe('RedisRoutingStore specifics', () => {
  const T = 1_700_000_000_000;
  const EXP = T + 30_000;
  let client: HubRedisClient;
  const prefixes: string[] = [];
  const fresh = () => {
    const prefix = `${randomName('routing')}:`;
    prefixes.push(prefix);
    return new RedisRoutingStore(client, { prefix });
  };

  beforeAll(async () => {
    client = await connectTestRedis();
  });
  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeys(client, prefix);
    await closeRedis(client);
  });

  async function readyAgent(store: RoutingStore, agentId: string, idleSince: number, capacity = 1, lists = ['sales']) {
    await store.setConnected(agentId, true, idleSince);
    await store.setAgentState(agentId, { state: 'ready', capacity, lists }, idleSince);
  }

  it('offerNext is one round trip, and survives SCRIPT FLUSH (NOSCRIPT falls back to EVAL)', async () => {
    const store = fresh();
    await readyAgent(store, 'a', T, 5);
    await store.createTask({ id: 't1', conversationId: 'c1', listId: 'sales', mode: 'push' }, T);
    await store.createTask({ id: 't2', conversationId: 'c2', listId: 'sales', mode: 'push' }, T);
    await client.scriptFlush();
    expect(await store.offerNext('t1', T, EXP)).toMatchObject({ agentId: 'a' });

    const calls: string[] = [];
    const counting = new Proxy(client, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(prop));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const counted = new RedisRoutingStore(counting, { prefix: prefixes.at(-1)! });
    expect(await counted.offerNext('t2', T, EXP)).toMatchObject({ agentId: 'a', task: { id: 't2', state: 'offered' } });
    expect(calls).toEqual(['evalSha']);
  });

  it('keys carry the prefix only', async () => {
    const store = fresh();
    const prefix = prefixes.at(-1)!;
    await readyAgent(store, 'a', T);
    await store.createTask({ id: 't1', conversationId: 'c1', listId: 'sales', mode: 'push' }, T);
    await store.offerNext('t1', T, EXP);
    const keys = await client.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith(prefix))).toBe(true);
  });

  it('offerNext skips and repairs a stale entry of the free-agent index', async () => {
    const warnings: unknown[] = [];
    const log = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger;
    const prefix = `${randomName('routing')}:`;
    prefixes.push(prefix);
    const store = new RedisRoutingStore(client, { prefix, log });
    await readyAgent(store, 'busy', T - 100);
    await readyAgent(store, 'free', T);
    await store.setAgentState('busy', { state: 'not_ready' }, T);
    // Only a script that died half-way could leave this behind.
    await client.zAdd(`${prefix}free:sales`, { score: T - 100, value: 'busy' });
    await store.createTask({ id: 't1', conversationId: 'c1', listId: 'sales', mode: 'push' }, T);
    expect((await store.offerNext('t1', T, EXP))!.agentId).toBe('free');
    expect(await client.zScore(`${prefix}free:sales`, 'busy')).toBeNull();
    expect(warnings).toHaveLength(1);
  });

  it('does exactly what the memory store does, over random sequences of calls', async () => {
    for (const seed of [1, 2, 3]) {
      const redis = fresh();
      const memory = new MemoryRoutingStore();
      await differential(seed, memory, redis);
    }
  });

  it('figures: 1,000 offerNext, and 2,000 conversations offered to 200 agents', async () => {
    const store = fresh();
    const lines: string[] = [];

    // 1,000 agents x 2 slots on one list, 2,000 tasks: each offerNext picks the agent idle longest.
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => readyAgent(store, `a${String(i).padStart(4, '0')}`, T + i, 2)));
    const ids = Array.from({ length: 2_000 }, (_, i) => `t${i}`);
    await Promise.all(ids.map((id, i) => store.createTask({ id, conversationId: `c${i}`, listId: 'sales', mode: 'push' }, T)));
    let t0 = performance.now();
    for (const id of ids.slice(0, 1_000)) await store.offerNext(id, T, EXP);
    lines.push(`1,000 sequential offerNext (1,000 agents): ${(performance.now() - t0).toFixed(0)} ms`);
    t0 = performance.now();
    const offers = await Promise.all(ids.slice(1_000).map((id) => store.offerNext(id, T, EXP)));
    lines.push(`1,000 concurrent offerNext (1,000 agents): ${(performance.now() - t0).toFixed(0)} ms`);
    expect(offers.every((o) => o !== null)).toBe(true);
    expect(await store.getAgent('a0999')).toMatchObject({ pendingOffers: 2 });

    // The hub's bench shape: 2,000 conversations, each createTask + offerNext, 200 agents x 5 slots.
    const bench = fresh();
    for (let i = 0; i < 200; i++) await readyAgent(bench, `b${i}`, T + i, 5);
    t0 = performance.now();
    const made = await Promise.all(
      Array.from({ length: 2_000 }, async (_, i) => {
        const { task } = await bench.createTask({ id: `q${i}`, conversationId: `conv${i}`, listId: 'sales', mode: 'push', unlessPending: true }, T + i);
        return bench.offerNext(task.id, T + i, EXP);
      }),
    );
    lines.push(`2,000 concurrent createTask + offerNext (200 agents x 5): ${(performance.now() - t0).toFixed(0)} ms`);
    expect(made.filter((o) => o !== null)).toHaveLength(1_000);
    expect(await bench.queued('sales')).toHaveLength(1_000);

    process.stdout.write(`redis routing store:\n  ${lines.join('\n  ')}\n`);
  });
});

/** A small seeded PRNG (mulberry32): the same sequence of calls on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a call answered, or the HubError it threw, comparable across stores. */
async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await call() };
  } catch (err) {
    const e = err as { code?: string; message: string; details?: unknown };
    if (e.code === undefined) throw err;
    return { code: e.code, message: e.message, details: e.details };
  }
}

/** Runs the same random calls on both stores and compares every answer and, after each, the whole state. */
async function differential(seed: number, memory: RoutingStore, redis: RoutingStore): Promise<void> {
  const rnd = prng(seed);
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(rnd() * xs.length)]!;
  const agents = ['a1', 'a2', 'a3', 'a4', 'b'];
  const convs = ['c1', 'c2', 'c3', 'c4', 'c5'];
  const lists = ['sales', 'support'];
  const tasks: string[] = [];
  let now = 1_700_000_000_000;
  let next = 0;

  for (let step = 0; step < 250; step++) {
    if (rnd() < 0.6) now += Math.floor(rnd() * 3); // equal times often: ties must break alike
    const a = pick(agents);
    // Every random draw happens here, before the call runs on either store.
    const stateInput = {
      state: rnd() < 0.7 ? ('ready' as const) : ('not_ready' as const),
      ...(rnd() < 0.5 ? { capacity: 1 + Math.floor(rnd() * 3) } : {}),
      ...(rnd() < 0.5 ? { lists: lists.filter(() => rnd() < 0.6) } : {}),
    };
    const connected = rnd() < 0.8;
    // Mostly tasks in the state the call is about (read from the memory store, the reference), so
    // calls succeed often enough; sometimes any task, the wrong agent or an unknown id.
    const live = (await Promise.all(convs.map((id) => memory.tasksOf(id)))).flat();
    const inState = (state: string) => live.filter((x) => x.state === state);
    const anyTask = () => (tasks.length && rnd() < 0.95 ? pick(tasks) : 'ghost');
    const choose = (state: string) => {
      const xs = inState(state);
      return xs.length && rnd() < 0.7 ? pick(xs) : null;
    };
    const offered = choose('offered');
    const queuedTask = choose('queued');
    const t = anyTask();
    const offeredId = offered?.id ?? t;
    const offeredTo = offered && rnd() < 0.85 ? offered.agentId! : a;
    const queuedId = queuedTask?.id ?? t;
    const ops: Array<[string, (s: RoutingStore) => Promise<unknown>]> = [
      ['setAgentState', (s) => s.setAgentState(a, stateInput, now)],
      ['setConnected', (s) => s.setConnected(a, connected, now)],
    ];
    const c = pick(convs);
    const r1 = rnd();
    const r2 = rnd();
    const r3 = rnd();
    const r4 = rnd();
    const list = pick(lists);
    const target = pick(agents);
    ops.push(
      [
        'createTask',
        (s) =>
          s.createTask(
            {
              id: `t${next}`,
              conversationId: c,
              mode: r1 < 0.75 ? 'push' : 'pull',
              ...(r2 < 0.8 ? { listId: list } : {}),
              ...(r3 < 0.15 ? { targetAgentId: target } : {}),
              unlessPending: r4 < 0.5,
            },
            now,
          ),
      ],
      ['offerNext', (s) => s.offerNext(queuedId, now, now + 30_000)],
      ['nextTaskForAgent', (s) => s.nextTaskForAgent(a, now, now + 30_000)],
      ['accept', (s) => s.accept(offeredId, offeredTo, now)],
      ['reject', (s) => s.reject(offeredId, offeredTo, now)],
      ['expire', (s) => s.expire(offeredId, offeredTo, now)],
      ['pull', (s) => s.pull(queuedId, a, now)],
      ['closeTask', (s) => s.closeTask(t, now)],
      ['releaseAgent', (s) => s.releaseAgent(a, c, now)],
      ['forgetConversation', (s) => s.forgetConversation(c, now)],
    );
    // Creating and offering more often than the rest, so there is something to decide about.
    const weights = [2, 2, 3, 3, 3, 2, 1, 1, 2, 2, 1, 0.2];
    let x = rnd() * weights.reduce((sum, w) => sum + w, 0);
    let i = 0;
    while ((x -= weights[i]!) > 0) i++;
    const [name, op] = ops[i]!;
    if (name === 'createTask') tasks.push(`t${next++}`);

    const expected = await outcome(() => op(memory));
    const actual = await outcome(() => op(redis));
    expect({ seed, step, name, result: actual }).toEqual({ seed, step, name, result: expected });

    const snapshot = (s: RoutingStore) =>
      Promise.all([...agents.map((id) => s.getAgent(id)), ...convs.map((id) => s.tasksOf(id)), ...[...lists, null].map((l) => s.queued(l))]);
    expect({ seed, step, name, state: await snapshot(redis) }).toEqual({ seed, step, name, state: await snapshot(memory) });
  }
}

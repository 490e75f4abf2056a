import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Logger } from 'pino';
import type { HubRedisClient } from '../../server/redis/connect.js';
import { RedisRoutingStore } from '../../server/routing/redis-routing-store.js';
import type { RoutingStore } from '../../server/ports.js';
import type { CreateRoutingFixture } from '../conformance/routing-helpers.js';
import { routingAgentsSuite } from '../conformance/routing-agents.suite.js';
import { routingQueuesSuite } from '../conformance/routing-queues.suite.js';
import { routingTasksSuite } from '../conformance/routing-tasks.suite.js';
import { routingSuite } from '../conformance/routing.suite.js';
import { closeRedis, connectTestRedis, deleteKeys, randomName, redisFixture, testRedisTargets } from '../helpers/redis.js';

// On one Redis and on the local Redis Cluster (the prefix a hash tag: routing's keys share a slot).
for (const { name, target } of testRedisTargets) {
  const fixture: CreateRoutingFixture = (options = {}) =>
    redisFixture(
      'routing',
      (client, prefix) => new RedisRoutingStore(client, { prefix, ...options }),
      (at, prefix) => RedisRoutingStore.connect(at, { prefix, ...options }),
      target,
      true,
    )();

  routingSuite(name, fixture);
  routingAgentsSuite(name, fixture);
  routingTasksSuite(name, fixture);
  routingQueuesSuite(name, fixture);
}

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
    await store.createTask({ id: 't1', conversationId: 'c1', listId: 'sales', mode: 'push', reason: 'new' }, T);
    await store.createTask({ id: 't2', conversationId: 'c2', listId: 'sales', mode: 'push', reason: 'new' }, T);
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
    await store.createTask({ id: 't1', conversationId: 'c1', listId: 'sales', mode: 'push', reason: 'new' }, T);
    await store.offerNext('t1', T, EXP);
    const keys = await client.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith(prefix))).toBe(true);
  });

  it('forgetConversation leaves no key of its tasks behind: hashes, queues, waiting indexes, notes', async () => {
    const store = fresh();
    const prefix = prefixes.at(-1)!;
    await readyAgent(store, 'a', T, 2);
    await store.createTask({ id: 't1', conversationId: 'c', listId: 'sales', mode: 'push', reason: 'new' }, T);
    await store.createTask({ id: 't2', conversationId: 'c', listId: 'sales', mode: 'pull', reason: 'new', requiredSkills: ['fr'] }, T + 1);
    await store.createTask({ id: 't3', conversationId: 'c', mode: 'push', reason: 'transfer', targetAgentId: 'b' }, T + 2);
    await store.offerNext('t1', T, EXP);
    await store.notePositions('sales', T + 3, 0);
    await store.notePositions(null, T + 3, 0);
    await store.forgetConversation('c', T + 4);
    const left = (await client.keys(`${prefix}*`)).map((k) => k.slice(prefix.length)).sort();
    expect(left).toEqual(['agent:a', 'agents', 'free-all', 'free:sales']);
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
    await store.createTask({ id: 't1', conversationId: 'c1', listId: 'sales', mode: 'push', reason: 'new' }, T);
    expect((await store.offerNext('t1', T, EXP))!.agentId).toBe('free');
    expect(await client.zScore(`${prefix}free:sales`, 'busy')).toBeNull();
    expect(warnings).toHaveLength(1);
  });

  it('figures: 1,000 offerNext, and 2,000 conversations offered to 200 agents', async () => {
    const store = fresh();
    const lines: string[] = [];

    // 1,000 agents x 2 slots on one list, 2,000 tasks: each offerNext picks the agent idle longest.
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => readyAgent(store, `a${String(i).padStart(4, '0')}`, T + i, 2)));
    const ids = Array.from({ length: 2_000 }, (_, i) => `t${i}`);
    await Promise.all(ids.map((id, i) => store.createTask({ id, conversationId: `c${i}`, listId: 'sales', mode: 'push', reason: 'new' }, T)));
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
        const { task } = await bench.createTask({ id: `q${i}`, conversationId: `conv${i}`, listId: 'sales', mode: 'push', reason: 'new', unlessPending: true }, T + i);
        return bench.offerNext(task.id, T + i, EXP);
      }),
    );
    lines.push(`2,000 concurrent createTask + offerNext (200 agents x 5): ${(performance.now() - t0).toFixed(0)} ms`);
    expect(made.filter((o) => o !== null)).toHaveLength(1_000);
    expect(await bench.queued('sales')).toHaveLength(1_000);

    process.stdout.write(`redis routing store:\n  ${lines.join('\n  ')}\n`);
  });
});


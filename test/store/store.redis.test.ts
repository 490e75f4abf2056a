import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { HubRedisClient } from '../../server/redis/connect.js';
import { RedisConversationStore } from '../../server/store/redis-store.js';
import { draft, openSession } from '../../server/domain/conversation.js';
import { storeSuite } from '../conformance/store.suite.js';
import { openInput } from '../helpers/conversations.js';
import { closeRedis, connectTestRedis, deleteKeys, randomName, redisFixture, testRedisTargets } from '../helpers/redis.js';

// On one Redis and on the local Redis Cluster.
for (const { name, target } of testRedisTargets) {
  storeSuite(
    name,
    redisFixture('store', (client, prefix) => new RedisConversationStore(client, { prefix }), (at, prefix) => RedisConversationStore.connect(at, { prefix }), target),
    { shared: true },
  );
}

describe('RedisConversationStore specifics', () => {
  let client: HubRedisClient;
  const prefix = `${randomName('store')}:`;
  beforeAll(async () => {
    client = await connectTestRedis();
  });
  afterAll(async () => {
    await deleteKeys(client, prefix);
    await closeRedis(client);
  });

  it('appends in one round trip, and survives SCRIPT FLUSH (NOSCRIPT falls back to EVAL)', async () => {
    const store = new RedisConversationStore(client, { prefix });
    const customerId = randomUUID();
    const { doc } = await store.updateForCustomer(customerId, openSession(openInput(customerId)));
    await client.scriptFlush();
    const msg = () => draft(doc.id, 'message', 'all', { id: customerId, role: 'customer' }, { text: 'hi' }, new Date().toISOString());
    await store.append(doc.id, msg());

    // Count the calls one append makes on the client: a single EVALSHA.
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
    const counted = new RedisConversationStore(counting, { prefix });
    await counted.append(doc.id, msg());
    expect(calls).toEqual(['evalSha']);

    const n = 1_000;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, () => store.append(doc.id, msg())));
    const ms = performance.now() - t0;
    expect((await store.since(doc.id, 0, 1)).lastSeq).toBe(n + 3);
    process.stdout.write(`redis store: ${n} concurrent appends in ${ms.toFixed(0)} ms\n`);
  });

  it('keys carry the prefix only', async () => {
    const keys = await client.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith(prefix))).toBe(true);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { draft, openSession } from '../../server/domain/conversation.js';
import { closeRedis, connectRedis, type HubRedisClient } from '../../server/redis/connect.js';
import { BullMQScheduler } from '../../server/scheduler/bullmq-scheduler.js';
import type { Timer } from '../../server/scheduler/scheduler.js';
import { RedisConversationStore } from '../../server/store/redis-store.js';
import { openInput } from '../helpers/conversations.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';

// A private redis-server, killed and started again: the hub's node-redis clients and BullMQ must
// carry on by themselves. AOF on, as in docker/compose.

let redis: PrivateRedis;

function once(client: HubRedisClient, event: string): Promise<void> {
  return new Promise((resolve) => client.once(event, () => resolve()));
}

beforeAll(async () => {
  redis = await startPrivateRedis();
});

afterAll(() => redis.stop());

it('the store and the scheduler recover when Redis restarts; an armed timer survives it (AOF)', async () => {
  const client = await connectRedis(redis.url);
  const store = new RedisConversationStore(client, { prefix: 'r:' });
  const scheduler = new BullMQScheduler(client, { queueName: 'restart' });
  const fired: Timer[] = [];
  let onFire: (() => void) | undefined;
  scheduler.handle('offer', async (t) => {
    fired.push(t);
    onFire?.();
  });
  await scheduler.start();
  try {
    const customerId = randomUUID();
    const { doc } = await store.updateForCustomer(customerId, openSession(openInput(customerId)));
    const msg = () => draft(doc.id, 'message', 'all', { id: customerId, role: 'customer' }, { text: 'hi' }, new Date().toISOString());
    await store.append(doc.id, msg());
    const dueAt = Date.now() + 1_500;
    await scheduler.set('offer', 'before-restart', dueAt, { n: 1 });

    const back = once(client, 'ready');
    await redis.kill();
    await redis.restart();
    await back;

    // Same data (AOF), new scripts cache (NOSCRIPT → EVAL), same client.
    const after = await store.append(doc.id, msg());
    expect(after.activity.seq).toBe(3);
    const firedOnce = new Promise<void>((resolve) => {
      onFire = () => fired.length >= 2 && resolve();
      onFire();
    });
    await scheduler.set('offer', 'after-restart', Date.now() + 200, { n: 2 });
    await firedOnce;
    expect(fired.map((t) => t.key).sort()).toEqual(['after-restart', 'before-restart']);
  } finally {
    await scheduler.close();
    await closeRedis(client);
  }
}, 30_000);

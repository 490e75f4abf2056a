import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { closeRedis, connectRedis, duplicateRedis, type HubRedisClient } from '../../server/redis/connect.js';
import { watchRedisReturns } from '../../server/transport/resync.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';

// server/transport/resync.ts on real node-redis clients and a private redis-server that is killed
// and started again: one `resync` per outage, only once every connection is ready, and a
// subscriber that is ready again hears publishes again.

let redis: PrivateRedis;
beforeAll(async () => {
  redis = await startPrivateRedis();
});
afterAll(() => redis.stop());

it('calls back once per outage, when every watched connection is ready again and the subscriber resubscribed', async () => {
  const main = await connectRedis(redis.url, { name: 'returns-main' });
  const pub = await duplicateRedis(main, { name: 'returns-pub' });
  const sub = await duplicateRedis(main, { name: 'returns-sub', commandTimeoutMs: 0 });
  const clients: HubRedisClient[] = [main, pub, sub];
  const heard: string[] = [];
  let onMessage: (() => void) | undefined;
  await sub.subscribe('returns', (message) => {
    heard.push(message);
    onMessage?.();
  });
  const returns: boolean[][] = [];
  let onReturn: (() => void) | undefined;
  const stop = watchRedisReturns(clients, () => {
    returns.push(clients.map((c) => c.isReady));
    onReturn?.();
  });
  try {
    expect(returns).toHaveLength(0); // connections that were never lost
    for (const round of [1, 2]) {
      const back = new Promise<void>((resolve) => (onReturn = resolve));
      await redis.kill();
      await redis.restart();
      await back;
      expect(returns).toHaveLength(round);
      expect(returns.at(-1)).toEqual([true, true, true]);
      // The subscription is back by the time of the call: a publish now reaches it.
      const got = new Promise<void>((resolve) => (onMessage = resolve));
      expect(await pub.publish('returns', `round ${round}`)).toBe(1);
      await got;
    }
    expect(heard).toEqual(['round 1', 'round 2']);
  } finally {
    stop();
    for (const c of clients) await closeRedis(c);
  }
}, 30_000);

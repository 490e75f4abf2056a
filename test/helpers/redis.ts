import { randomBytes } from 'node:crypto';
import { closeRedis, createRedis, type HubRedisClient } from '../../server/redis/connect.js';

/** Redis for tests: 127.0.0.1:6379 unless TEST_REDIS_URL says otherwise. A test that needs it fails without it. */
export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh prefix / queue name per test, so tests (and hubs) sharing one Redis never see each other. */
export function randomName(kind: string): string {
  return `test-${kind}-${randomBytes(6).toString('hex')}`;
}

export async function connectTestRedis(): Promise<HubRedisClient> {
  // Fail fast (no endless reconnecting) when Redis is absent.
  const client = createRedis(testRedisUrl, { name: 'test' });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis not reachable at ${testRedisUrl}`)), 5_000);
      }),
    ]);
  } catch (err) {
    client.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/** Deletes every key starting with `prefix` (SCAN, not KEYS). */
export async function deleteKeys(client: HubRedisClient, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const reply = await client.scan(cursor, { MATCH: `${prefix}*`, COUNT: 500 });
    cursor = String(reply.cursor);
    if (reply.keys.length) await client.del(reply.keys);
  } while (cursor !== '0');
}

export { closeRedis };

/**
 * A conformance-suite fixture for a Redis implementation: a store on its own fresh prefix, a
 * `peer` (another node: its own connection, same prefix), and a teardown that deletes its keys.
 */
export function redisFixture<S extends { close(): Promise<void> }>(
  kind: string,
  make: (client: HubRedisClient, prefix: string) => S,
  connectPeer: (url: string, prefix: string) => Promise<S>,
) {
  return async () => {
    const prefix = `${randomName(kind)}:`;
    const client = await connectTestRedis();
    const store = make(client, prefix);
    return {
      store,
      peer: () => connectPeer(testRedisUrl, prefix),
      teardown: async () => {
        await store.close();
        await deleteKeys(client, prefix);
        await closeRedis(client);
      },
    };
  };
}

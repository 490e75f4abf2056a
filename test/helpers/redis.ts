import { randomBytes } from 'node:crypto';
import { closeRedis, createRedisFor, isCluster, type HubRedisClient, type RedisTarget } from '../../server/redis/connect.js';

/** Redis for tests: 127.0.0.1:6379 unless TEST_REDIS_URL says otherwise. A test that needs it fails without it. */
export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The local three-master Redis Cluster jest's global set-up starts (redis-cluster-setup.ts),
 * as `REDIS_CLUSTER_NODES` takes it.
 */
export function testClusterNodes(): string[] {
  const nodes = process.env.TEST_REDIS_CLUSTER_NODES;
  if (!nodes) throw new Error('no local Redis Cluster: TEST_REDIS_CLUSTER_NODES is unset (jest global set-up starts one)');
  return nodes.split(',');
}

/**
 * Where tests' Redis is: the single Redis, or the local Redis Cluster when `HUB_TEST_REDIS=cluster`
 * (the `integration-redis-cluster` jest project sets it).
 */
export function testRedisTarget(): RedisTarget {
  return process.env.HUB_TEST_REDIS === 'cluster' ? { clusterNodes: testClusterNodes() } : { url: testRedisUrl };
}

/** Both, for the conformance suites: each Redis implementation runs on one Redis and on a Redis Cluster. */
export const testRedisTargets: { name: string; target: () => RedisTarget }[] = [
  { name: 'redis', target: () => ({ url: testRedisUrl }) },
  { name: 'redis cluster', target: () => ({ clusterNodes: testClusterNodes() }) },
];

/** The hub's environment for a target: `REDIS_URL` or `REDIS_CLUSTER_NODES`. */
export function redisEnv(target: RedisTarget = testRedisTarget()): Record<string, string> {
  return 'url' in target ? { REDIS_URL: target.url } : { REDIS_CLUSTER_NODES: target.clusterNodes.join(',') };
}

/** A fresh prefix / queue name per test, so tests (and hubs) sharing one Redis never see each other. */
export function randomName(kind: string): string {
  return `test-${kind}-${randomBytes(6).toString('hex')}`;
}

export async function connectTestRedis(target: RedisTarget = testRedisTarget()): Promise<HubRedisClient> {
  // Fail fast (no endless reconnecting) when Redis is absent.
  const client = createRedisFor(target, { name: 'test' });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis not reachable at ${JSON.stringify(target)}`)), 5_000);
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

type ClusterNodes = { masters: unknown[]; nodeClient(node: unknown): Promise<HubRedisClient> };

/** Every key starting with `prefix` (SCAN, not KEYS; on each master of a cluster). */
export async function keysOf(client: HubRedisClient, prefix: string): Promise<string[]> {
  const cluster = client as unknown as ClusterNodes;
  const nodes = isCluster(client) ? await Promise.all(cluster.masters.map((m) => cluster.nodeClient(m))) : [client];
  const keys: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const reply = await node.scan(cursor, { MATCH: `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, COUNT: 500 });
      cursor = String(reply.cursor);
      keys.push(...reply.keys);
    } while (cursor !== '0');
  }
  return keys;
}

/** Deletes every key starting with `prefix` (one DEL per key: on a cluster they are in many slots). */
export async function deleteKeys(client: HubRedisClient, prefix: string): Promise<void> {
  const keys = await keysOf(client, prefix);
  await Promise.all(keys.map((k) => client.del(k)));
}

export { closeRedis };

/**
 * A conformance-suite fixture for a Redis implementation: a store on its own fresh prefix, a
 * `peer` (another node: its own connection, same prefix), and a teardown that deletes its keys.
 */
export function redisFixture<S extends { close(): Promise<void> }>(
  kind: string,
  make: (client: HubRedisClient, prefix: string) => S,
  connectPeer: (target: RedisTarget, prefix: string) => Promise<S>,
  target: () => RedisTarget = testRedisTarget,
  /** The prefix as a hash tag (`{name}:`), for stores whose keys must share one cluster slot (routing). */
  tagged = false,
) {
  return async () => {
    const prefix = tagged ? `{${randomName(kind)}}:` : `${randomName(kind)}:`;
    const client = await connectTestRedis(target());
    const store = make(client, prefix);
    return {
      store,
      peer: () => connectPeer(target(), prefix),
      teardown: async () => {
        await store.close();
        await deleteKeys(client, prefix);
        await closeRedis(client);
      },
    };
  };
}

// jest's globalTeardown: stops the Redis Cluster redis-cluster-setup.ts started.
import type { LocalRedisCluster } from './redis-cluster-setup.js';

export default async function teardown(): Promise<void> {
  await (globalThis as { __hubRedisCluster?: LocalRedisCluster }).__hubRedisCluster?.stop();
}

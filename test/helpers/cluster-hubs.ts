import pg from 'pg';
import { startHub, type Parts, type RunningHub } from '../../server/app.js';
import type { HubConfig } from '../../server/config.js';
import { TEST_DATABASE_URL } from './database.js';
import { removeTestDataDir } from './data-dir.js';
import type { RedisTarget } from '../../server/redis/connect.js';
import { connectTestRedis, closeRedis, deleteKeys, randomName, redisEnv, testRedisTarget } from './redis.js';

/** Two (or more) hubs in this process, in cluster mode, as one hub: one Redis prefix, one Postgres schema. */
export interface ClusterHubs {
  instances: RunningHub[];
  prefix: string;
  schema: string;
  /** Closes every instance, then deletes the prefix's keys and drops the schema. */
  close(): Promise<void>;
}

/**
 * Starts `size` hubs with `makeConfig`'s config plus the cluster settings: the machine's Redis and
 * Postgres, a fresh key prefix and a fresh schema (made here, once, so the instances do not race
 * on CREATE SCHEMA; the migrations they run at start-up take kysely's lock). They start together,
 * as nodes of a real cluster may. `parts`, when given, makes each instance's parts from its config.
 */
export async function startClusterHubs(
  size: number,
  makeConfig: (clusterEnv: Record<string, string>) => HubConfig,
  parts?: (config: HubConfig, index: number) => Promise<Parts>,
  /** One Redis or the local Redis Cluster; unset: as the jest project says (HUB_TEST_REDIS). */
  target: RedisTarget = testRedisTarget(),
): Promise<ClusterHubs> {
  const prefix = randomName('hub');
  const schema = prefix.replaceAll('-', '_');
  const config = makeConfig({ ...redisEnv(target), DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, HUB_REDIS_PREFIX: prefix });
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  await pool.query(`create schema "${schema}"`);

  const cleanUp = async () => {
    const redis = await connectTestRedis(target);
    try {
      await deleteKeys(redis, prefix);
    } finally {
      await closeRedis(redis);
    }
    await pool.query(`drop schema if exists "${schema}" cascade`);
    await pool.end();
    // The data folder testHubConfig made for these instances (attachments); a folder the caller named stays.
    removeTestDataDir(config.dataDir);
  };

  const started = await Promise.allSettled(
    Array.from({ length: size }, async (_, i) => startHub(config, parts ? { parts: await parts(config, i) } : {})),
  );
  const instances = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  // One after the other: the redis adapter of a node still up then counts only live nodes, so the
  // disconnect handlers of the last one (fetchSockets) do not wait out a timeout for a closed node.
  const closeInstances = async () => {
    for (const h of [...instances].reverse()) await h.close();
  };
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await closeInstances();
    await cleanUp();
    throw failed.reason;
  }

  let closing: Promise<void> | undefined;
  return {
    instances,
    prefix,
    schema,
    close: () =>
      (closing ??= (async () => {
        try {
          await closeInstances();
        } finally {
          await cleanUp();
        }
      })()),
  };
}

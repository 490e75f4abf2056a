import { createAdapter } from '@socket.io/redis-adapter';
import type { Parts } from '../ports.js';
import type { HubConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { PartsMetrics } from '../transport/metrics.js';
import { createDatabase } from '../persistence/create-database.js';
import { bullmqClusterConnection } from '../redis/bullmq-cluster.js';
import { closeRedis, connectRedisTo, duplicateRedis, type RedisTarget } from '../redis/connect.js';
import { RedisReportOutbox } from '../reporting/redis-outbox.js';
import { RedisRoutingStore } from '../routing/redis-routing-store.js';
import { BullMQScheduler } from '../scheduler/bullmq-scheduler.js';
import { resyncingAdapter } from '../transport/resync.js';
import { shardedAdapter } from '../transport/sharded-adapter.js';
import { RedisArchiveFailures } from '../store/archive-failures.js';
import { RedisConversationStore } from '../store/redis-store.js';
import { runChecks } from '../readiness.js';
import { postgresDependency, redisDependency, waitForDependencies } from '../startup.js';
import { databaseParts } from './database.js';

/**
 * Any number of nodes as one hub: live state and routing in Redis (Lua), fan-out through the
 * Redis adapter, timers as BullMQ delayed jobs, the record in Postgres. One Redis or a Redis
 * Cluster (`REDIS_CLUSTER_NODES`), the same code on both: every Lua script touches one slot, and
 * BullMQ's keys share the hash tag of its prefix. node-redis for all of it, but BullMQ on a
 * cluster, which takes ioredis (redis/bullmq-cluster.ts).
 */
export async function clusterParts(config: HubConfig, log: Logger, metrics?: PartsMetrics): Promise<Parts> {
  const target: RedisTarget = config.redisClusterNodes ? { clusterNodes: config.redisClusterNodes } : { url: config.redisUrl! };
  const prefix = config.redisPrefix;
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((err: unknown) => log.warn({ err }, 'close failed'));
  };
  try {
    // Postgres and Redis may come up after this node: wait for both, bounded (server/startup.ts).
    const connectBy = await waitForDependencies([postgresDependency(config.databaseUrl!), redisDependency(target)], { timeoutSeconds: config.startupTimeoutSeconds, log });
    const onError = metrics?.postgresError;
    const database = await createDatabase({ kind: 'postgres', url: config.databaseUrl!, ...(config.databaseSchema ? { schema: config.databaseSchema } : {}), logger: log, ...(onError ? { onError } : {}) });
    closers.push(() => database.close());
    const record = await databaseParts(database, log, { webchatBot: config.webchatBot });

    const onRedisError = metrics?.redisError;
    const watched = { connectBy, log, ...(onRedisError ? { onError: onRedisError } : {}) };
    const redis = await connectRedisTo(target, { name: `${prefix}-main`, ...watched });
    closers.push(() => closeRedis(redis));
    // Pub/sub needs connections of its own; no command timeout on the subscriber.
    const pub = await duplicateRedis(redis, { name: `${prefix}-pub`, ...watched });
    closers.push(() => closeRedis(pub));
    const sub = await duplicateRedis(redis, { name: `${prefix}-sub`, commandTimeoutMs: 0, ...watched });
    closers.push(() => closeRedis(sub));

    const store = new RedisConversationStore(redis, { prefix: `${prefix}:`, log });
    closers.push(() => store.close());
    // Routing decides over every agent and queue at once, so all of its keys share one slot (one hash tag).
    const routing = new RedisRoutingStore(redis, { prefix: `{${prefix}:routing}:`, log, defaultCapacity: config.agentCapacity });
    closers.push(() => routing.close());
    const connection = 'clusterNodes' in target ? await bullmqClusterConnection(target.clusterNodes, log, metrics?.redisError) : undefined;
    const scheduler = new BullMQScheduler(redis, {
      queueName: `${prefix}-timers`,
      prefix: `{${prefix}:bull}`,
      log,
      ...(connection ? { connection } : {}),
      ...(metrics ? { lateness: metrics.timerLateness, onRedisError: metrics.redisError } : {}),
    });
    closers.push(() => scheduler.close());

    return {
      store,
      routing,
      scheduler,
      channels: record.channels,
      customers: record.customers,
      archive: record.archive,
      admin: record.admin,
      // Sharded Pub/Sub (Redis 7), one channel per room: a node hears only the rooms it has sockets in,
      // so a message's cost does not grow with the number of nodes (issue 15). After a Redis outage,
      // this node's sockets are told to catch up (transport/resync.ts).
      adapter: resyncingAdapter(
        (config.redisAdapter === 'classic' ? createAdapter(pub, sub, { key: `${prefix}:socket.io` }) : shardedAdapter(pub, sub, `${prefix}:socket.io`)) as NonNullable<Parts['adapter']>,
        {
          clients: [redis, pub, sub],
          log,
        },
      ),
      limiterStore: { redis, prefix: `${prefix}:limits:` },
      archiveFailures: new RedisArchiveFailures(redis, `${prefix}:`),
      reportOutbox: new RedisReportOutbox(redis, { prefix: `${prefix}:`, log }),
      ready: async () => {
        await redis.ping();
        await record.ready();
      },
      checks: () => runChecks({ redis: () => (redis.isReady ? redis.ping() : Promise.reject(new Error('not connected (reconnecting)'))), postgres: record.ready }),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}


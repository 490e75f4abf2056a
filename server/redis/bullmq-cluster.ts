import type { Logger } from 'pino';
import { reconnectDelay, watchConnection } from './connect.js';

/**
 * BullMQ's connection on a Redis Cluster. BullMQ 6's node-redis client does not speak cluster (its
 * `isCluster` is hard-wired false), so timers on a cluster use ioredis' Cluster, which BullMQ
 * supports; loaded only then. Every queue key shares the hash tag of the scheduler's prefix
 * (`{hub:bull}`), as BullMQ's scripts need. ioredis retries per request for ever
 * (`maxRetriesPerRequest: null`), which BullMQ's workers require.
 */
export interface BullMQClusterConnection {
  /** An ioredis Cluster, for BullMQ's `connection`. */
  client: unknown;
  close(): Promise<void>;
}

export async function bullmqClusterConnection(nodes: readonly string[], log?: Logger, onError?: () => void): Promise<BullMQClusterConnection> {
  const { Cluster } = await import('ioredis');
  const client = new Cluster(
    nodes.map((n) => {
      const at = n.lastIndexOf(':');
      return { host: n.slice(0, at), port: Number(n.slice(at + 1)) };
    }),
    { redisOptions: { maxRetriesPerRequest: null, connectionName: 'hub-bullmq' }, clusterRetryStrategy: (times) => reconnectDelay(times) },
  );
  watchConnection(client, { fail: ['error'], ready: ['ready'] }, log, 'bullmq', onError);
  return {
    client,
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

import { Queue } from 'bullmq';
import { describe, expect, it } from '@jest/globals';
import { BullMQScheduler, timerJobId } from '../../server/scheduler/bullmq-scheduler.js';
import { bullmqConnection } from '../../server/redis/connect.js';
import { schedulerSuite } from '../conformance/scheduler.suite.js';
import { closeRedis, connectTestRedis, deleteKeys, randomName, testClusterNodes } from '../helpers/redis.js';
import { bullmqClusterConnection } from '../../server/redis/bullmq-cluster.js';

schedulerSuite('bullmq', async () => {
  const client = await connectTestRedis();
  const queueName = randomName('timers');
  const prefix = 'hubtest';
  return {
    // Every scheduler is another node on the same queue.
    create: async () => new BullMQScheduler(client, { queueName, prefix }),
    teardown: async () => {
      await deleteKeys(client, `${prefix}:${queueName}:`);
      await closeRedis(client);
    },
  };
}, { distributed: true });

// The same on the local Redis Cluster: BullMQ on ioredis' Cluster, its keys under one hash tag.
schedulerSuite('bullmq on redis cluster', async () => {
  const target = { clusterNodes: testClusterNodes() };
  const client = await connectTestRedis(target);
  const queueName = randomName('timers');
  const prefix = '{hubtest}';
  return {
    create: async () => new BullMQScheduler(client, { queueName, prefix, connection: await bullmqClusterConnection(target.clusterNodes) }),
    teardown: async () => {
      await deleteKeys(client, `${prefix}:${queueName}:`);
      await closeRedis(client);
    },
  };
}, { distributed: true });

describe('BullMQScheduler specifics', () => {
  it('job ids are BullMQ-safe and tell timers apart', () => {
    expect(timerJobId('offer', 'conv:1:agent:2')).toBe('offer|conv%3A1%3Aagent%3A2');
    expect(timerJobId('offer', 'a|b')).not.toBe(timerJobId('offer', 'a') + '|b');
  });

  it('keeps one job per timer however often it is set, and removes it once fired', async () => {
    const client = await connectTestRedis();
    const queueName = randomName('timers');
    const s = new BullMQScheduler(client, { queueName, prefix: 'hubtest' });
    const conn = bullmqConnection(client);
    const q = new Queue(queueName, { connection: conn, prefix: 'hubtest' });
    try {
      for (let i = 0; i < 20; i++) await s.set('inactivity', 'sess-1', Date.now() + 60_000 + i, { i });
      expect(await q.getDelayedCount()).toBe(1);
      const job = await q.getJob(timerJobId('inactivity', 'sess-1'));
      expect(job?.data).toMatchObject({ key: 'sess-1', data: { i: 19 } });

      // Hot path cost: moving an armed timer.
      const n = 200;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await s.set('inactivity', 'sess-1', Date.now() + 60_000, { i });
      process.stdout.write(`bullmq scheduler: moving an armed timer takes ${((performance.now() - t0) / n).toFixed(2)} ms\n`);
      await s.cancel('inactivity', 'sess-1');
      expect(await q.getDelayedCount()).toBe(0);
    } finally {
      await s.close();
      await q.close();
      await closeRedis(conn);
      await deleteKeys(client, `hubtest:${queueName}:`);
      await closeRedis(client);
    }
  });
});

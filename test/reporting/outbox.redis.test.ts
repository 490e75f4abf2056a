import { afterAll, beforeAll } from '@jest/globals';
import type { HubRedisClient } from '../../server/redis/connect.js';
import { RedisReportOutbox } from '../../server/reporting/redis-outbox.js';
import { reportOutboxSuite } from '../conformance/report-outbox.suite.js';
import { closeRedis, connectTestRedis, deleteKeys, randomName, testRedisTargets } from '../helpers/redis.js';

// A real Redis (TEST_REDIS_URL), and the local Redis Cluster; each test on its own key prefix, deleted after it.
for (const { name, target } of testRedisTargets) {
  let client: HubRedisClient;
  let peerClient: HubRedisClient;
  beforeAll(async () => {
    client = await connectTestRedis(target());
    peerClient = await connectTestRedis(target());
  });
  afterAll(async () => {
    await closeRedis(client);
    await closeRedis(peerClient);
  });

  reportOutboxSuite(name, async () => {
    const prefix = `${randomName('report-outbox')}:`;
    return {
      outbox: new RedisReportOutbox(client, { prefix }),
      peer: async () => new RedisReportOutbox(peerClient, { prefix }),
      teardown: () => deleteKeys(client, prefix),
    };
  });
}

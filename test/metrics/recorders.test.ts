import { sql } from 'kysely';
import { describe, expect, test } from '@jest/globals';
import { createDatabase } from '../../server/persistence/create-database.js';
import { createRedis } from '../../server/redis/connect.js';
import { createMetrics } from '../../server/transport/metrics.js';

/** The connection code's error hooks, on real connections: what `hub_redis_errors_total` and `hub_postgres_errors_total` count. */
describe('error counters at the connection code', () => {
  test("a Redis client's 'error' events are counted", async () => {
    const metrics = createMetrics();
    // Nothing listens on port 1: every connect attempt fails with an 'error' event.
    const counted = new Promise<void>((resolve) => {
      const client = createRedis('redis://127.0.0.1:1', {
        onError: () => {
          metrics.redisError();
          client.destroy();
          resolve();
        },
      });
      client.connect().catch(() => undefined);
    });
    await counted;
    expect(await metrics.registry.getSingleMetricAsString('hub_redis_errors_total')).toMatch(/^hub_redis_errors_total [1-9]/m);
  });

  test('a failed query is counted; a good one is not', async () => {
    const metrics = createMetrics();
    const database = await createDatabase({ kind: 'pglite', onError: metrics.postgresError });
    try {
      await sql`select 1`.execute(database.db);
      await expect(sql`select * from no_such_table`.execute(database.db)).rejects.toThrow(/no_such_table/);
    } finally {
      await database.close();
    }
    expect(await metrics.registry.getSingleMetricAsString('hub_postgres_errors_total')).toMatch(/^hub_postgres_errors_total 1$/m);
  });
});

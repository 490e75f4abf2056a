/**
 * Cluster mode: two nodes, each with its own BullMQ scheduler and Redis outbox over the same Redis
 * list and timer queue, record events; the one `reports` timer writes every one to Postgres once.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { pino } from 'pino';
import type { HubDatabase } from '../../server/persistence/create-database.js';
import type { HubRedisClient } from '../../server/redis/connect.js';
import { createReporting, type Reporting } from '../../server/reporting/flush.js';
import { RedisReportOutbox } from '../../server/reporting/redis-outbox.js';
import { BullMQScheduler } from '../../server/scheduler/bullmq-scheduler.js';
import { migratedDatabase, postgresDatabase } from '../helpers/database.js';
import { closeRedis, connectTestRedis, deleteKeys, randomName } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { handMadeDay, reportRows } from './fixtures.js';

type Line = { msg: string; written?: number };
const subscribers = new Set<(l: Line) => void>();
const log = pino({ level: 'debug' }, { write: (s: string) => subscribers.forEach((fn) => fn(JSON.parse(s) as Line)) });

let handle: HubDatabase;
let clients: HubRedisClient[] = [];
const schedulers: BullMQScheduler[] = [];
const prefix = `${randomName('reports')}:`;
beforeAll(async () => {
  handle = await migratedDatabase(postgresDatabase);
  clients = [await connectTestRedis(), await connectTestRedis()];
});
afterAll(async () => {
  for (const s of schedulers) await s.close();
  await deleteKeys(clients[0]!, prefix);
  for (const c of clients) await closeRedis(c);
  await handle?.close();
});

test('events recorded on two nodes are all written once, and the shared outbox ends empty', async () => {
  const queueName = randomName('report-timers');
  const nodes: Reporting[] = [];
  for (const client of clients) {
    const scheduler = new BullMQScheduler(client, { queueName, prefix: `${prefix}bull`, log });
    schedulers.push(scheduler);
    const reporting = createReporting({ outbox: new RedisReportOutbox(client, { prefix, log }), db: handle.db, scheduler, log, delayMs: 20, batchSize: 4 });
    reporting.register();
    await scheduler.start();
    nodes.push(reporting);
  }
  const events = handMadeDay();
  let sum = 0;
  const flushed = waitFor<Line>((fn) => (subscribers.add(fn), () => void subscribers.delete(fn)), (l) => l.msg === 'reports flushed' && (sum += l.written ?? 0) >= events.length, 15_000, 'every event flushed');
  // Alternate nodes, a few events at a time.
  for (let i = 0; i < events.length; i += 3) await nodes[(i / 3) % 2]!.sink.record(events.slice(i, i + 3));
  await flushed;
  expect(sum).toBe(events.length);
  expect(await new RedisReportOutbox(clients[0]!, { prefix }).size()).toBe(0);
  const rows = await reportRows(handle.db);
  expect([rows.tasks.length, rows.offers.length, rows.states.length]).toEqual([7, 6, 2]);
});

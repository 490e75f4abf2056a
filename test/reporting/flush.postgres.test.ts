/**
 * The reports flush (server/reporting/flush.ts) on the `reports` timer, against a real Postgres
 * reached through a proxy that can refuse it: while Postgres is away the events wait in the
 * outbox and the timer retries; once it is back every event is written, once, with the right
 * durations. Waits are on the log lines of the flush and the scheduler, never on the clock.
 */
import { afterAll, afterEach, beforeAll, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { createDatabase, type HubDatabase } from '../../server/persistence/create-database.js';
import { agentTaskRows, serviceLevel } from '../../server/reporting/queries.js';
import { createReporting, REPORTS_TIMER, type Reporting } from '../../server/reporting/flush.js';
import { MemoryReportOutbox } from '../../server/reporting/outbox.js';
import type { ReportEvent } from '../../server/reporting/report-events.js';
import { LocalScheduler } from '../../server/scheduler/local-scheduler.js';
import { migratedDatabase, postgresDatabase, TEST_DATABASE_URL } from '../helpers/database.js';
import { startProxy, type TcpProxy } from '../helpers/proxy.js';
import { waitFor } from '../helpers/wait.js';
import { at, DAY, handMadeDay, reportRows } from './fixtures.js';

type Line = { msg: string; written?: number; kind?: string };
const subscribers = new Set<(l: Line) => void>();
const log = pino({ level: 'debug' }, { write: (s: string) => subscribers.forEach((fn) => fn(JSON.parse(s) as Line)) });
const onLine = (fn: (l: Line) => void) => (subscribers.add(fn), () => void subscribers.delete(fn));
const nextLine = (match: (l: Line) => boolean, what: string) => waitFor<Line>(onLine, match, 10_000, what);

/** Resolves once the flushes have written `n` events in all, counted from now. */
function written(n: number): Promise<void> {
  let sum = 0;
  return nextLine((l) => l.msg === 'reports flushed' && (sum += l.written ?? 0) >= n, `${n} events flushed`).then(() => undefined);
}

let main: HubDatabase; // straight to Postgres: to check the rows
let viaProxy: HubDatabase; // what the flush writes through
let proxy: TcpProxy;
let scheduler: LocalScheduler;
beforeAll(async () => {
  main = await migratedDatabase(postgresDatabase);
  proxy = await startProxy({ port: Number(new URL(TEST_DATABASE_URL).port || 5432), host: new URL(TEST_DATABASE_URL).hostname });
  const url = new URL(TEST_DATABASE_URL);
  url.host = `127.0.0.1:${proxy.port}`;
  viaProxy = await createDatabase({ kind: 'postgres', url: url.toString(), schema: main.schema!, max: 2, connectTimeoutMs: 1_000, logger: pino({ level: 'silent' }) });
});
afterEach(async () => {
  await scheduler?.close();
  proxy.accept();
  subscribers.clear();
});
afterAll(async () => {
  await viaProxy?.close();
  await proxy?.close();
  await main?.close();
});

async function startReporting(attempts: number): Promise<{ reporting: Reporting; outbox: MemoryReportOutbox }> {
  scheduler = new LocalScheduler(log);
  const outbox = new MemoryReportOutbox({ log });
  const reporting = createReporting({ outbox, db: viaProxy.db, scheduler, log, delayMs: 10, batchSize: 7, retry: { attempts, backoffMs: 20, maxBackoffMs: 100 } });
  reporting.register();
  await scheduler.start();
  return { reporting, outbox };
}

const chunks = <T>(list: T[], size: number): T[][] => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));

test('Postgres away for a while: events wait, the timer retries, then every row is written once with the right durations', async () => {
  const { reporting, outbox } = await startReporting(1_000);
  const events = handMadeDay();
  proxy.refuse();
  const retrying = nextLine((l) => l.msg === 'timer failed; retrying' && l.kind === REPORTS_TIMER.kind && ((l as { attempt?: number }).attempt ?? 0) >= 3, 'three failed flushes');
  for (const chunk of chunks(events, 5)) await reporting.sink.record(chunk);
  await retrying;
  expect(await outbox.size()).toBe(events.length);

  const flushed = written(events.length);
  proxy.accept();
  await flushed;
  expect(await outbox.size()).toBe(0);
  const rows = await reportRows(main.db);
  expect([rows.tasks.length, rows.offers.length, rows.states.length]).toEqual([7, 6, 2]);
  expect(await serviceLevel(main.db, { from: DAY.from, to: at('12:00:00'), thresholdSeconds: 20 })).toEqual([
    { channelId: null, listId: 'support', offered: 1, answeredWithin: 1, abandoned: 0, averageWaitSeconds: 5, averageHandleSeconds: null },
    { channelId: 'web', listId: null, offered: 1, answeredWithin: 0, abandoned: 0, averageWaitSeconds: null, averageHandleSeconds: null },
    { channelId: 'web', listId: 'sales', offered: 3, answeredWithin: 1, abandoned: 1, averageWaitSeconds: 20, averageHandleSeconds: 450 },
  ]);
  const t2 = (await agentTaskRows(main.db, DAY)).find((t) => t.id === 't2');
  expect(t2).toMatchObject({ waitSeconds: 30, handleSeconds: 600, offers: [{ answerSeconds: 4 }, { answerSeconds: 24 }] });

  // The same events again (a retried record): the same rows.
  const again = written(events.length);
  await reporting.sink.record(events);
  await again;
  expect(await reportRows(main.db)).toEqual(rows);
});

test('a flush that failed for good leaves the events in the outbox; the next record flushes them all', async () => {
  const { reporting, outbox } = await startReporting(2);
  const first: ReportEvent[] = [{ type: 'agent.state', id: 'g1', agentId: 'a7', state: 'ready', at: at('16:00:00') }];
  const second: ReportEvent[] = [{ type: 'agent.state', id: 'g2', agentId: 'a7', state: 'not_ready', reason: 'break', at: at('16:30:00') }];
  proxy.refuse();
  const gaveUp = nextLine((l) => l.msg === 'timer failed for good', 'the flush to give up');
  await reporting.sink.record(first);
  await gaveUp;
  expect(await outbox.size()).toBe(1);

  proxy.accept();
  const flushed = written(2);
  await reporting.sink.record(second);
  await flushed;
  const states = await main.db.selectFrom('agent_states').select(['id', 'state', 'reason']).where('id', 'in', ['g1', 'g2']).orderBy('id').execute();
  expect(states).toEqual([
    { id: 'g1', state: 'ready', reason: null },
    { id: 'g2', state: 'not_ready', reason: 'break' },
  ]);
});

test('flush() throws while Postgres is away and keeps the batch; later it writes it and says how many', async () => {
  const { reporting, outbox } = await startReporting(1);
  await outbox.push([{ type: 'agent.state', id: 'h1', agentId: 'a8', state: 'ready', at: at('17:00:00') }]);
  proxy.refuse();
  await expect(reporting.flush()).rejects.toThrow();
  expect(await outbox.size()).toBe(1);
  proxy.accept();
  expect(await reporting.flush()).toBe(1);
  expect(await reporting.flush()).toBe(0);
});

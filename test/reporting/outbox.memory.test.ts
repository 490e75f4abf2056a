import { expect, test } from '@jest/globals';
import { pino } from 'pino';
import { MemoryReportOutbox } from '../../server/reporting/outbox.js';
import { reportOutboxSuite } from '../conformance/report-outbox.suite.js';

reportOutboxSuite('memory', async () => ({ outbox: new MemoryReportOutbox(), teardown: async () => {} }));

test('refuses nothing past the warning size, and says so in the log', async () => {
  const lines: { msg: string; size: number }[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string; size: number }) });
  const outbox = new MemoryReportOutbox({ log, warnAbove: 3 });
  const at = '2026-01-01T00:00:00.000Z';
  await outbox.push([1, 2, 3].map((n) => ({ type: 'agent.state', id: `s${n}`, agentId: 'a', state: 'ready', at })));
  expect(lines).toEqual([]);
  await outbox.push([{ type: 'agent.state', id: 's4', agentId: 'a', state: 'ready', at }]);
  expect(await outbox.size()).toBe(4);
  expect(lines).toMatchObject([{ msg: 'report outbox is large: reports are not reaching Postgres', size: 4 }]);
});

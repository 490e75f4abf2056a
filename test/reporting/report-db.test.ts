/**
 * The reports' writes (server/reporting/report-writer.ts) and reads (server/reporting/queries.ts)
 * on both databases the hub runs on: Postgres (a fresh schema) and PGlite (embedded mode).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { HubDatabase } from '../../server/persistence/create-database.js';
import { getAgentTask } from '../../server/persistence/agent-tasks.js';
import { agentTaskRows, serviceLevel, serviceLevelToday } from '../../server/reporting/queries.js';
import { writeBatch, writeReportEvents } from '../../server/reporting/report-writer.js';
import type { ReportEvent } from '../../server/reporting/report-events.js';
import { migratedDatabase, pgliteDatabase, postgresDatabase, type DatabaseFactory } from '../helpers/database.js';
import { at, DAY, handMadeDay, reportRows } from './fixtures.js';

function reportDbSuite(name: string, factory: DatabaseFactory) {
  describe(`reports on ${name}`, () => {
    let handle: HubDatabase;
    beforeAll(async () => {
      handle = await migratedDatabase(factory);
      await writeReportEvents(handle.db, handMadeDay());
    });
    afterAll(() => handle?.close());

    test('the same batch written again, whole or in pieces, changes no row', async () => {
      const before = await reportRows(handle.db);
      expect(before.tasks).toHaveLength(7);
      expect(before.offers).toHaveLength(6);
      expect(before.states).toHaveLength(2);
      await writeReportEvents(handle.db, handMadeDay());
      for (const e of handMadeDay()) await writeReportEvents(handle.db, [e]);
      expect(await reportRows(handle.db)).toEqual(before);
    });

    test('the task row carries reason, channel, list and skills; a stale version never reopens it', async () => {
      await writeReportEvents(handle.db, [
        { type: 'task', channelId: 'web', task: { id: 'k1', conversationId: 'ck1', state: 'queued', reason: 'overflow', requiredSkills: ['fr', 'billing'], createdAt: at('13:00:00') } },
        { type: 'task', task: { id: 'k1', conversationId: 'ck1', state: 'closed', createdAt: at('13:00:00'), closedAt: at('13:01:00') } },
        { type: 'task', task: { id: 'k1', conversationId: 'ck1', state: 'queued', createdAt: at('13:00:00') } },
      ]);
      expect(await getAgentTask(handle.db, 'k1')).toEqual({ id: 'k1', conversationId: 'ck1', state: 'closed', reason: 'overflow', requiredSkills: ['fr', 'billing'], createdAt: at('13:00:00'), closedAt: at('13:01:00') });
      const row = await handle.db.selectFrom('agent_tasks').select(['channel_id']).where('id', '=', 'k1').executeTakeFirstOrThrow();
      expect(row.channel_id).toBe('web');
    });

    test('an ended offer whose offer.made was lost is inserted with its outcome; the first ending wins', async () => {
      await writeReportEvents(handle.db, [
        { type: 'task', channelId: 'web', task: { id: 'k2', conversationId: 'ck2', state: 'queued', listId: 'sales', createdAt: at('14:00:00') } },
        { type: 'offer.ended', taskId: 'k2', agentId: 'a9', offeredAt: at('14:00:01'), outcome: 'expired', endedAt: at('14:00:31') },
        { type: 'offer.ended', taskId: 'k2', agentId: 'a9', offeredAt: at('14:00:01'), outcome: 'revoked', endedAt: at('14:00:40') },
      ]);
      await writeReportEvents(handle.db, [
        { type: 'offer.made', taskId: 'k2', conversationId: 'ck2', agentId: 'a9', offeredAt: at('14:00:01') },
        { type: 'offer.ended', taskId: 'k2', agentId: 'a9', offeredAt: at('14:00:01'), outcome: 'accepted', endedAt: at('14:00:50') },
      ]);
      const offers = await handle.db.selectFrom('task_offers').selectAll().where('task_id', '=', 'k2').execute();
      expect(offers).toEqual([
        { task_id: 'k2', agent_id: 'a9', offered_at: new Date(at('14:00:01')), conversation_id: 'ck2', list_id: 'sales', channel_id: 'web', outcome: 'expired', ended_at: new Date(at('14:00:31')), answer_seconds: 30 },
      ]);
    });

    test('an event Postgres refuses is skipped and logged; the rest of its batch is written', async () => {
      const bad: ReportEvent = { type: 'agent.state', id: 'bad', agentId: 'a1', state: 'ready', at: 'not a time' };
      const good: ReportEvent = { type: 'agent.state', id: 'good', agentId: 'a1', state: 'ready', at: at('15:00:00') };
      expect(await writeBatch(handle.db, [bad, good])).toBe(1);
      const ids = (await handle.db.selectFrom('agent_states').select('id').where('id', 'in', ['bad', 'good']).execute()).map((r) => r.id);
      expect(ids).toEqual(['good']);
    });

    test('agentTaskRows: the tasks created in [from, to), with durations and offers', async () => {
      const rows = await agentTaskRows(handle.db, { from: DAY.from, to: at('12:00:00') });
      expect(rows.map((r) => r.id)).toEqual(['t1', 't2', 't3', 't4', 't5']);
      expect(rows[1]).toEqual({
        id: 't2', conversationId: 'c-t2', reason: 'transfer', channelId: 'web', listId: 'sales', agentId: 'a2', state: 'closed',
        createdAt: at('09:10:00'), offeredAt: at('09:10:06'), acceptedAt: at('09:10:30'), closedAt: at('09:20:30'),
        waitSeconds: 30, handleSeconds: 600,
        offers: [
          { agentId: 'a1', offeredAt: at('09:10:01'), outcome: 'rejected', endedAt: at('09:10:05'), answerSeconds: 4 },
          { agentId: 'a2', offeredAt: at('09:10:06'), outcome: 'accepted', endedAt: at('09:10:30'), answerSeconds: 24 },
        ],
      });
      expect(rows[3]).toMatchObject({ id: 't4', state: 'queued', agentId: null, acceptedAt: null, waitSeconds: null, handleSeconds: null, offers: [] });
      expect(rows[4]).toMatchObject({ id: 't5', channelId: null, listId: 'support', waitSeconds: 5, handleSeconds: null });
      expect(await agentTaskRows(handle.db, { from: at('00:00:00', '2026-02-01'), to: at('00:00:00', '2026-02-02') })).toEqual([]);
    });

    test('serviceLevel: per channel and list, offered, answered within the threshold, abandoned, averages', async () => {
      expect(await serviceLevel(handle.db, { from: DAY.from, to: at('12:00:00'), thresholdSeconds: 20 })).toEqual([
        { channelId: null, listId: 'support', offered: 1, answeredWithin: 1, abandoned: 0, averageWaitSeconds: 5, averageHandleSeconds: null },
        { channelId: 'web', listId: null, offered: 1, answeredWithin: 0, abandoned: 0, averageWaitSeconds: null, averageHandleSeconds: null },
        { channelId: 'web', listId: 'sales', offered: 3, answeredWithin: 1, abandoned: 1, averageWaitSeconds: 20, averageHandleSeconds: 450 },
      ]);
      // A threshold of exactly the wait counts it as answered within.
      const sales = (await serviceLevel(handle.db, { from: DAY.from, to: at('12:00:00'), thresholdSeconds: 30 })).find((r) => r.listId === 'sales');
      expect(sales).toMatchObject({ offered: 3, answeredWithin: 2, abandoned: 1 });
    });

    test('serviceLevelToday: the UTC day of `now`, per list over every channel', async () => {
      // The day before the hand-made one holds t6 alone: answered in 3 s, past midnight.
      expect(await serviceLevelToday(handle.db, 20, Date.parse(at('18:00:00', '2026-03-01')))).toEqual([{ listId: 'sales', offered: 1, answeredWithin: 1 }]);
      const today = await serviceLevelToday(handle.db, 20, Date.parse(at('18:00:00')));
      expect(today.find((r) => r.listId === 'support')).toEqual({ listId: 'support', offered: 1, answeredWithin: 1 });
      expect(await serviceLevelToday(handle.db, 20, Date.parse(at('18:00:00', '2026-03-04')))).toEqual([]);
    });
  });
}

reportDbSuite('postgres', postgresDatabase);
reportDbSuite('pglite', pgliteDatabase);

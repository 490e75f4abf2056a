import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { TaskOffered } from '@conversation-hub/client-sdk/contract';
import type { HubClient } from '@conversation-hub/client-sdk';
import type { HubDatabase } from '../../server/persistence/create-database.js';
import { postgresDatabase, TEST_DATABASE_URL } from '../helpers/database.js';
import { partsOverPostgres } from '../helpers/proxied-parts.js';
import { startProxy, type TcpProxy } from '../helpers/proxy.js';
import { startTestHub, testMode, type TestHub } from '../helpers/start-hub.js';
import { waitFor } from '../helpers/wait.js';

// Issue 12, reporting as it happens: a scripted shift (offers rejected, expired, retried and
// accepted; agents ready and not ready) while Postgres is unreachable for part of it. Every row
// must be there afterwards, with the right durations. Postgres is behind a proxy that refuses.

describe(`${testMode} hub: report rows of a shift, Postgres away for part of it`, () => {
  let proxy: TcpProxy;
  let direct: HubDatabase;
  let hub: TestHub;

  beforeAll(async () => {
    const pgUrl = new URL(TEST_DATABASE_URL);
    proxy = await startProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    direct = await postgresDatabase();
    const proxied = new URL(TEST_DATABASE_URL);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    hub = await startTestHub({ HUB_AGENT_CAPACITY: '1' }, { parts: (config) => partsOverPostgres(config, proxied.toString(), direct.schema!) });
  });
  afterAll(async () => {
    await hub?.close();
    await proxy?.close();
    await direct?.close();
  });

  const offered = (c: HubClient, ms = 10_000) => waitFor<TaskOffered>((fn) => c.on('task.offered', fn), () => true, ms, 'task.offered');

  /** Polls the real database (there is no event for a row arriving), bounded. */
  async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await read();
      if (ok(v)) return v;
      if (Date.now() > deadline) throw new Error(`not there within ${ms} ms: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test('offers (rejected, expired, accepted), their durations, the task and the state changes are all written', async () => {
    const id = randomUUID().slice(0, 8);
    const res = await hub.admin('POST', '/api/channels', { serviceIdentifier: `shift-${id}`, name: 'Shift', channelType: 'webchat', listId: `shift-${id}`, offerTimeoutSeconds: 1, offerRetrySeconds: 1 });
    expect(res.status).toBe(201);
    const channelId = res.body.id as string;
    const ann = await hub.client({ id: `ann-${id}`, role: 'agent', name: 'Ann' });
    await ann.call('agent.state', { state: 'ready', lists: [`shift-${id}`] });
    const bob = await hub.client({ id: `bob-${id}`, role: 'agent', name: 'Bob' });
    await bob.call('agent.state', { state: 'ready', lists: [`shift-${id}`] });

    // Ann, idle longest, is offered first and rejects; Bob lets his offer run out (1 s).
    const toAnn = offered(ann);
    const toBob = offered(bob);
    await hub.customer({ serviceIdentifier: `shift-${id}` });
    const { task } = await toAnn;
    await ann.call('task.reject', { taskId: task.id });
    await toBob;

    // Postgres goes away: the rest of the shift happens without it.
    proxy.refuse();
    const again = offered(ann, 15_000);
    const { task: retried } = await again; // after the refusals, the retry goes to Ann (refused first)
    expect(retried.id).toBe(task.id);
    await ann.call('task.accept', { taskId: task.id });
    await ann.call('agent.state', { state: 'not_ready', reason: 'lunch' });
    await bob.call('agent.state', { state: 'not_ready' });
    proxy.accept();

    const db = direct.db;
    const offers = await eventually(
      () => db.selectFrom('task_offers').selectAll().where('task_id', '=', task.id).orderBy('offered_at').execute(),
      (rows) => rows.length === 3 && rows.every((r) => r.outcome !== null),
    );
    expect(offers.map((r) => [r.agent_id, r.outcome])).toEqual([
      [`ann-${id}`, 'rejected'],
      [`bob-${id}`, 'expired'],
      [`ann-${id}`, 'accepted'],
    ]);
    expect(offers.every((r) => r.channel_id === channelId && r.list_id === `shift-${id}` && r.conversation_id === task.conversationId)).toBe(true);
    const expired = offers[1]!;
    expect(Number(expired.answer_seconds)).toBeGreaterThanOrEqual(0.9);
    expect(Number(expired.answer_seconds)).toBeLessThan(5);
    for (const r of offers) expect((r.ended_at!.getTime() - r.offered_at.getTime()) / 1000).toBeCloseTo(Number(r.answer_seconds), 2);

    const row = await eventually(
      () => db.selectFrom('agent_tasks').selectAll().where('id', '=', task.id).executeTakeFirst(),
      (r) => r?.accepted_at != null,
    );
    expect(row).toMatchObject({ reason: 'new', channel_id: channelId, list_id: `shift-${id}`, agent_id: `ann-${id}`, state: 'accepted' });

    const states = await eventually(
      () => db.selectFrom('agent_states').selectAll().where('agent_id', 'in', [`ann-${id}`, `bob-${id}`]).orderBy('at').execute(),
      (rows) => rows.length === 4,
    );
    expect(states.map((r) => [r.agent_id, r.state, r.reason])).toEqual([
      [`ann-${id}`, 'ready', null],
      [`bob-${id}`, 'ready', null],
      [`ann-${id}`, 'not_ready', 'lunch'],
      [`bob-${id}`, 'not_ready', null],
    ]);
  });
});

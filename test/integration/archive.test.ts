import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Activity, ConversationView } from '@conversation-hub/client-sdk/contract';
import type { Parts } from '../../server/app.js';
import { findArchivedConversation } from '../../server/persistence/archive-read.js';
import type { HubDatabase } from '../../server/persistence/create-database.js';
import { postgresDatabase, TEST_DATABASE_URL } from '../helpers/database.js';
import { partsOverPostgres } from '../helpers/proxied-parts.js';
import { startProxy, type TcpProxy } from '../helpers/proxy.js';
import { startTestHub, testMode, type TestHub } from '../helpers/start-hub.js';
import { collect, nextActivity, until, waitFor } from '../helpers/wait.js';

describe(`${testMode} hub: a closed conversation is archived (${testMode === 'cluster' ? 'Postgres' : 'PGlite'})`, () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  /** A conversation with a bit of everything, closed by the customer: what the supervisor saw, and the archive. */
  async function closeOne() {
    const customer = await hub.customer({ name: 'Ada', email: `ada-${Date.now()}@example.com`, channelData: { browser: 'Firefox', locale: 'en-GB' } });
    const view = await customer.conversation();
    const supervisor = await hub.client({ id: `sup-archive-${Date.now()}`, role: 'supervisor', name: 'Sam' });
    const seen = collect(supervisor);
    await supervisor.call('conversation.join', { conversationId: view.id });
    await customer.send('My card was declined', { attachments: [{ url: 'https://example.com/receipt.png', name: 'receipt.png', mimeType: 'image/png', size: 1234 }] });
    await supervisor.send('Let me look', { conversationId: view.id });
    await supervisor.call('whisper.send', { conversationId: view.id, text: 'agents only' });
    await supervisor.call('custom.send', { conversationId: view.id, visibility: 'agents', payload: { crm: { ticket: 42, tags: ['card', 'urgent'] } } });
    const last = await customer.send('Thanks');
    await until(supervisor, () => seen.some((a) => a.id === last.id));

    // Everything that was live, as the admin API answers it, just before the customer leaves.
    const live = (await hub.admin('GET', `/api/conversations/${view.id}`)).body as ConversationView;
    expect(live.state).toBe('created');

    const closed = nextActivity(supervisor, (a) => a.type === 'state.changed' && a.payload.to === 'closed', 10_000);
    await customer.call('session.end', {});
    const closedActivity = await closed;
    await hub.archived(view.id);
    const archived = await hub.admin('GET', `/api/conversations/${view.id}`);
    expect(archived.status).toBe(200);
    return { view, live, seen, closedActivity, archived: archived.body as ConversationView, customerId: customer.customerId };
  }

  test('its whole log is read back from Postgres after the live state is gone, in seq order, equal to what was live', async () => {
    const { view, live, seen, archived, customerId } = await closeOne();
    expect(await hub.parts.store.get(view.id)).toBeNull();

    expect(archived).toMatchObject({ id: view.id, customerId, state: 'closed', createdAt: live.createdAt });
    // seq 1, 2, 3... with no gaps, and lastSeq is the last of them
    expect(archived.activities.map((a) => a.seq)).toEqual(archived.activities.map((_, i) => i + 1));
    expect(archived.lastSeq).toBe(archived.activities.at(-1)!.seq);
    // What was live is there unchanged (ids, times, payloads, attachments, agents-only activities)...
    expect(archived.activities.slice(0, live.activities.length)).toEqual(live.activities);
    expect(archived.activities.map((a) => a.type)).toEqual(expect.arrayContaining(['message', 'whisper', 'custom', 'participant.joined']));
    // ...and so is what came after: the session closing, the state going to closing, as the supervisor got them.
    const after = archived.activities.slice(live.activities.length);
    expect(after.map((a) => a.type)).toEqual(expect.arrayContaining(['session.closed', 'state.changed']));
    for (const a of after) expect(seen.find((s) => s.seq === a.seq)).toEqual(a);

    expect(archived.channelSessions).toEqual([
      { ...live.channelSessions[0]!, state: 'closed', closedAt: expect.any(String), closeReason: 'customer_left' },
    ]);
    // The typed pre-chat email is kept as unverified (PROTOCOL.md §2.2).
    expect(archived.channelSessions[0]!.channelData).toEqual({ browser: 'Firefox', locale: 'en-GB', prechatEmail: expect.stringMatching(/^ada-\d+@example\.com$/), emailVerified: 'false' });
    expect(archived.participants.map((p) => p.role).sort()).toEqual(['customer', 'supervisor']);

    // The archived conversation answers activities.since too (the engine falls back to the archive).
    const viaHistory = await hub.parts.archive.history(customerId, 5);
    expect(viaHistory.map((c) => c.id)).toEqual([view.id]);
    expect(viaHistory[0]!.activities).toEqual(archived.activities);
  });

  // The engine commits `closed` before it archives, so the last activity participants were sent is in Postgres too.
  test('the archive holds the `closed` state change the participants were sent', async () => {
    const { closedActivity, archived } = await closeOne();
    expect(archived.activities.at(-1)).toEqual(closedActivity);
  });
});

describe('Postgres away while a conversation closes', () => {
  let proxy: TcpProxy;
  let direct: HubDatabase; // a fresh schema, straight to Postgres: to read the truth and drop it at the end
  let hub: TestHub;
  const saves = new EventEmitter();
  let failures = 0;

  beforeAll(async () => {
    const pgUrl = new URL(TEST_DATABASE_URL);
    proxy = await startProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    direct = await postgresDatabase();
    const proxiedUrl = new URL(TEST_DATABASE_URL);
    proxiedUrl.hostname = '127.0.0.1';
    proxiedUrl.port = String(proxy.port);

    // The archive as the hub has it, with every attempt reported, so the test waits on retries, not on time.
    const reported = (archive: Parts['archive']): Parts['archive'] => ({
      find: (id) => archive.find(id),
      history: (id, limit) => archive.history(id, limit),
      save: async (...args) => {
        try {
          await archive.save(...args);
        } catch (err) {
          failures++;
          saves.emit('failed', err);
          throw err;
        }
        saves.emit('saved', args[0].id);
      },
    });

    // Each instance (one embedded, two in a cluster) keeps its record in `direct`'s schema, through the proxy.
    hub = await startTestHub({}, {
      parts: async (config) => {
        const parts = await partsOverPostgres(config, proxiedUrl.toString(), direct.schema!);
        return { ...parts, archive: reported(parts.archive) };
      },
    });
  });
  afterAll(async () => {
    await hub?.close();
    await proxy?.close();
    await direct?.close();
  });

  test('the archive is retried while Postgres refuses connections; the conversation stays live meanwhile and nothing is lost', async () => {
    const customer = await hub.customer({ name: 'Bo', channelData: { locale: 'sv-SE' } });
    const view = await customer.conversation();
    const supervisor = await hub.client({ id: 'sup-outage', role: 'supervisor' });
    const seen = collect(supervisor);
    await supervisor.call('conversation.join', { conversationId: view.id });
    await customer.send('hello before the outage');
    const reply = await supervisor.send('hi Bo', { conversationId: view.id });
    await until(supervisor, () => seen.some((a) => a.id === reply.id));

    proxy.refuse();
    const twoFailures = waitFor<unknown>((fn) => (saves.on('failed', fn), () => saves.off('failed', fn)), () => failures >= 2, 15_000, 'a failed archive and a failed retry');
    const closing = nextActivity(supervisor, (a) => a.type === 'state.changed' && a.payload.to === 'closing');
    await customer.call('session.end', {});
    await closing;
    await twoFailures;

    // Still live, in `closing`, with its whole log, while the archive keeps failing.
    const stored = await hub.parts.store.get(view.id);
    expect(stored?.doc.state).toBe('closing');
    const live = (await hub.admin('GET', `/api/conversations/${view.id}`)).body as ConversationView; // served from the live store
    expect(live.state).toBe('closing');
    expect(live.activities.map((a) => a.seq)).toEqual(live.activities.map((_, i) => i + 1));
    expect(live.activities.map((a) => a.type)).toEqual(expect.arrayContaining(['message', 'session.closed', 'state.changed']));
    expect(await findArchivedConversation(direct.db, view.id)).toBeNull();

    // Postgres is back: the next retry lands it and the live state goes.
    const saved = waitFor<string>((fn) => (saves.on('saved', fn), () => saves.off('saved', fn)), (id) => id === view.id, 40_000, 'the archive to land');
    const closed = nextActivity(supervisor, (a) => a.type === 'state.changed' && a.payload.to === 'closed', 40_000);
    proxy.accept();
    await saved;
    await closed;
    const archived = await hub.archived(view.id);
    expect(await hub.parts.store.get(view.id)).toBeNull();

    const inPostgres = await findArchivedConversation(direct.db, view.id);
    expect(inPostgres).toEqual(archived);
    expect(inPostgres).toMatchObject({ state: 'closed', customerId: customer.customerId, channelSessions: [{ state: 'closed', channelData: { locale: 'sv-SE' } }] });
    // Nothing lost: every activity that was live while Postgres was away is there, identical, in order.
    expect(inPostgres!.activities.slice(0, live.activities.length)).toEqual(live.activities);
    expect(inPostgres!.activities.slice(live.activities.length)).toEqual([expect.objectContaining({ type: 'state.changed', payload: { from: 'closing', to: 'closed' } })]);
    const messages = inPostgres!.activities.filter((a): a is Extract<Activity, { type: 'message' }> => a.type === 'message').map((a) => a.payload.text);
    expect(messages).toEqual(['hello before the outage', 'hi Bo']);
  }, 60_000);
});

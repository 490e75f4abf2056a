import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ConversationView } from '@conversation-hub/client-sdk/contract';
import type { Parts } from '../../server/app.js';
import { createLogger } from '../../server/log.js';
import { clusterParts } from '../../server/parts/cluster.js';
import { embeddedParts } from '../../server/parts/embedded.js';
import { startTestHub, testMode, type TestHub } from '../helpers/start-hub.js';
import { nextActivity } from '../helpers/wait.js';

const METRICS_TOKEN = 'metrics-token-for-the-dead-letter-test';
const POISON = 'invalid byte sequence for encoding "UTF8": 0x00';

describe(`${testMode} hub: an archive that fails for good is dead-lettered, listed, and archived once fixed and retried`, () => {
  let hub: TestHub;
  /** Conversations whose archive throws, as Postgres would for a row it refuses. */
  const poisoned = new Set<string>();
  const saves = new Map<string, number>();

  beforeAll(async () => {
    const poisonable = (archive: Parts['archive']): Parts['archive'] => ({
      find: (id) => archive.find(id),
      history: (id, limit) => archive.history(id, limit),
      save: async (conversation, ...rest) => {
        saves.set(conversation.id, (saves.get(conversation.id) ?? 0) + 1);
        if (poisoned.has(conversation.id)) throw new Error(POISON);
        await archive.save(conversation, ...rest);
      },
    });
    hub = await startTestHub(
      { HUB_ARCHIVE_MAX_ATTEMPTS: '3', HUB_ARCHIVE_BACKOFF_MS: '20', HUB_METRICS_TOKEN: METRICS_TOKEN },
      {
        parts: async (config) => {
          const log = createLogger(config.logLevel);
          const parts = testMode === 'cluster' ? await clusterParts(config, log) : await embeddedParts(config, log);
          return { ...parts, archive: poisonable(parts.archive) };
        },
      },
    );
  });
  afterAll(() => hub?.close());

  /** The dead letters as the admin API lists them. */
  async function failures(): Promise<Array<{ conversationId: string; attempts: number; error: string; failedAt: string; retryRequestedAt?: string; conversation: { id: string; state: string } }>> {
    const res = await hub.admin('GET', '/api/archive/failures');
    expect(res.status).toBe(200);
    return res.body;
  }

  /** Polls the admin API, bounded, until `id` is listed. */
  async function listed(id: string, ms = 15_000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = (await failures()).find((f) => f.conversationId === id);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`${id} not dead-lettered within ${ms} ms (${saves.get(id) ?? 0} archive attempts)`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function deadLetterGauge(): Promise<number> {
    const res = await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    const line = (await res.text()).split('\n').find((l) => l.startsWith('hub_archive_dead_letters '));
    return Number(line?.split(' ')[1]);
  }

  async function closedConversation(text: string) {
    const customer = await hub.customer({ name: 'Poe' });
    const view = await customer.conversation();
    await customer.send(text);
    const supervisor = await hub.client({ id: `sup-dead-letter-${view.id}`, role: 'supervisor' });
    await supervisor.call('conversation.join', { conversationId: view.id });
    return { id: view.id, customer, supervisor };
  }

  test('past HUB_ARCHIVE_MAX_ATTEMPTS it is listed with its error, stays live, counts in the metric; fixed and retried, it is archived and leaves the list', async () => {
    const bad = await closedConversation('this one will not archive');
    const good = await closedConversation('this one will');
    poisoned.add(bad.id);

    const closing = nextActivity(bad.supervisor, (a) => a.type === 'state.changed' && a.payload.to === 'closing');
    await bad.customer.call('session.end', {});
    await good.customer.call('session.end', {});
    await closing;

    // The other conversation is not held up by it.
    await hub.archived(good.id);

    const failure = await listed(bad.id);
    expect(failure).toEqual({
      conversationId: bad.id,
      attempts: 3,
      error: POISON,
      failedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      conversation: expect.objectContaining({ id: bad.id, state: 'closing' }),
    });
    expect(saves.get(bad.id)).toBe(3); // bounded: no attempt after the dead letter
    expect((await failures()).map((f) => f.conversationId)).toEqual([bad.id]);
    expect(await deadLetterGauge()).toBe(1);

    // The live state is kept, whole, while it is dead-lettered.
    const live = await hub.admin('GET', `/api/conversations/${bad.id}`);
    expect(live.status).toBe(200);
    expect((live.body as ConversationView).state).toBe('closing');
    expect((live.body as ConversationView).activities.map((a) => a.type)).toEqual(expect.arrayContaining(['message', 'session.closed', 'state.changed']));
    expect(await hub.parts.archive.find(bad.id)).toBeNull();

    // Only dead letters can be retried.
    expect((await hub.admin('POST', `/api/archive/failures/${good.id}/retry`)).status).toBe(404);
    expect((await hub.admin('POST', '/api/archive/failures/no-such-conversation/retry')).status).toBe(404);

    // The cause is fixed; the operator retries: it is archived and leaves the list.
    poisoned.delete(bad.id);
    const closed = nextActivity(bad.supervisor, (a) => a.type === 'state.changed' && a.payload.to === 'closed', 15_000);
    const retried = await hub.admin('POST', `/api/archive/failures/${bad.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ conversationId: bad.id, attempts: 3, error: POISON, retryRequestedAt: expect.any(String) });
    await closed;
    const archived = await hub.archived(bad.id);
    expect(archived).toMatchObject({ id: bad.id, state: 'closed' });
    expect(archived.activities.map((a) => a.seq)).toEqual(archived.activities.map((_, i) => i + 1));
    expect(archived.activities.filter((a) => a.type === 'message').map((a) => (a.payload as { text: string }).text)).toEqual(['this one will not archive']);

    expect(await failures()).toEqual([]);
    expect(await deadLetterGauge()).toBe(0);
    expect((await hub.admin('POST', `/api/archive/failures/${bad.id}/retry`)).status).toBe(404);
  }, 60_000);

  test('the admin key is required', async () => {
    expect((await fetch(`${hub.url}/api/archive/failures`)).status).toBe(401);
    expect((await fetch(`${hub.url}/api/archive/failures/x/retry`, { method: 'POST' })).status).toBe(401);
  });
});

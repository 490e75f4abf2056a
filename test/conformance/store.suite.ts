import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ActivityDraft } from '@conversation-hub/client-sdk/contract';
import {
  announce,
  closeSession,
  draft,
  join,
  leave,
  closedActivity,
  markClosed,
  openSession,
  participant,
} from '../../server/domain/conversation.js';
import { HubError } from '../../server/domain/errors.js';
import type { ConversationStore } from '../../server/ports.js';
import { openInput } from '../helpers/conversations.js';

export interface StoreFixture {
  store: ConversationStore;
  /**
   * Another store over the same data through its own connection: another node. Shared stores
   * (Redis) have one, and get the cross-node tests.
   */
  peer?: () => Promise<ConversationStore>;
  teardown(): Promise<void>;
}

const now = () => new Date().toISOString();

function message(conversationId: string, text: string, extra: { clientMessageId?: string; channelSessionId?: string } = {}): ActivityDraft {
  return draft(conversationId, 'message', 'all', { id: 'cust', role: 'customer' }, { text }, now(), extra);
}

const agent = (id: string) => participant(id, 'agent', `Agent ${id}`, now());

async function rejection(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HubError) return err;
    throw err;
  }
  throw new Error('expected a HubError');
}

/**
 * The ConversationStore contract (server/store/conversation-store.ts), run against every
 * implementation, like socket.io redis-adapter's `testSuite(createAdapter)`.
 */
export function storeSuite(
  name: string,
  createFixture: () => Promise<StoreFixture>,
  /** `shared`: several store instances (nodes) share the data; adds the cross-node tests (the fixture needs `peer`). */
  options: { shared: boolean },
): void {
  describe(`ConversationStore conformance: ${name}`, () => {
    let fx: StoreFixture;
    let store: ConversationStore;

    beforeEach(async () => {
      fx = await createFixture();
      store = fx.store;
    });
    afterEach(async () => {
      await fx.teardown();
    });

    async function openConversation(customerId = randomUUID()) {
      const c = await store.updateForCustomer(customerId, openSession(openInput(customerId)));
      return { customerId, id: c.doc.id, sessionId: c.result.channelSession.id, committed: c };
    }

    describe('updateForCustomer', () => {
      it('creates one conversation, the customer’s open one', async () => {
        const { customerId, id, sessionId, committed } = await openConversation();
        expect(committed.result.conversationCreated).toBe(true);
        expect(committed.doc.state).toBe('created');
        expect(committed.activities.map((a) => [a.seq, a.type])).toEqual([[1, 'session.started']]);
        expect(committed.lastSeq).toBe(1);
        expect(await store.openConversationOf(customerId)).toBe(id);
        expect(await store.listIds()).toEqual([id]);
        const stored = await store.get(id);
        expect(stored?.doc).toEqual(committed.doc);
        expect(stored?.lastSeq).toBe(1);
        expect(stored?.sessionActivity).toEqual({ [sessionId]: Date.parse(committed.result.channelSession.openedAt) });
        expect(await store.all(id)).toEqual(committed.activities);
      });

      it('reuses the open conversation while it is joinable; an unchanged doc writes nothing', async () => {
        const { customerId, id, sessionId } = await openConversation();
        const again = await store.updateForCustomer(customerId, openSession(openInput(customerId)));
        expect(again.doc.id).toBe(id);
        expect(again.result).toMatchObject({ conversationCreated: false, sessionCreated: false });
        expect(again.result.channelSession.id).toBe(sessionId);
        expect(again.activities).toEqual([]);
        expect(again.lastSeq).toBe(1);

        const whatsapp = await store.updateForCustomer(customerId, openSession(openInput(customerId, { serviceIdentifier: 'wa', channelType: 'whatsapp' })));
        expect(whatsapp.doc.id).toBe(id);
        expect(whatsapp.result.sessionCreated).toBe(true);
        expect(whatsapp.activities.map((a) => a.seq)).toEqual([2]);
        expect(Object.keys((await store.get(id))!.sessionActivity).sort()).toEqual([sessionId, whatsapp.result.channelSession.id].sort());
        expect(await store.listIds()).toEqual([id]);
      });

      it('creates a new conversation once the last one is closing', async () => {
        const { customerId, id, sessionId } = await openConversation();
        const closed = await store.update(id, closeSession(sessionId, 'customer_left', now()));
        expect(closed.doc.state).toBe('closing');
        expect(closed.activities.map((a) => [a.seq, a.type])).toEqual([
          [2, 'session.closed'],
          [3, 'state.changed'],
        ]);
        expect(await store.openConversationOf(customerId)).toBeNull();
        expect((await store.get(id))!.sessionActivity).toEqual({});

        const next = await store.updateForCustomer(customerId, openSession(openInput(customerId)));
        expect(next.result.conversationCreated).toBe(true);
        expect(next.doc.id).not.toBe(id);
        expect(next.activities.map((a) => a.seq)).toEqual([1]);
        expect(await store.openConversationOf(customerId)).toBe(next.doc.id);
        expect((await store.listIds()).sort()).toEqual([id, next.doc.id].sort());
      });

      it('keeps the customer in the conversation while an agent is in it', async () => {
        const { customerId, id, sessionId } = await openConversation();
        const joined = await store.update(id, join(agent('a1'), undefined, now()));
        expect(joined.doc.state).toBe('active');
        await store.update(id, closeSession(sessionId, 'customer_left', now()));
        expect((await store.get(id))!.doc.state).toBe('customer_left');
        expect(await store.openConversationOf(customerId)).toBe(id);
        const back = await store.updateForCustomer(customerId, openSession(openInput(customerId)));
        expect(back.doc.id).toBe(id);
        expect(back.doc.state).toBe('active');
      });
    });

    describe('update', () => {
      it('throws not_found for a conversation that is not live', async () => {
        expect((await rejection(store.update('nope', join(agent('a1'), undefined, now())))).code).toBe('not_found');
      });

      it('passes the transition’s own errors through and writes nothing', async () => {
        const { id, sessionId } = await openConversation();
        await store.update(id, closeSession(sessionId, 'customer_left', now()));
        const err = await rejection(store.update(id, join(agent('a1'), undefined, now())));
        expect(err.code).toBe('conflict');
        expect((await store.get(id))!.lastSeq).toBe(3);
      });

      it('hands out copies: changing a returned doc changes nothing stored', async () => {
        const { id, committed } = await openConversation();
        committed.doc.participants.push(agent('intruder'));
        const got = await store.get(id);
        got!.doc.state = 'closed';
        expect((await store.get(id))!.doc.participants.map((p) => p.id)).toEqual([committed.doc.customerId]);
        expect((await store.get(id))!.doc.state).toBe('created');
      });

      it('marks closed, and remove drops the live state', async () => {
        const { customerId, id } = await openConversation();
        await store.update(id, join(agent('a1'), undefined, now()));
        const current = (await store.get(id))!.doc;
        const closed = await store.update(id, markClosed(closedActivity(current, now())));
        expect(closed.doc.state).toBe('closed');
        expect(await store.openConversationOf(customerId)).toBeNull();
        await store.remove(id);
        expect(await store.get(id)).toBeNull();
        expect(await store.listIds()).toEqual([]);
        expect(await store.conversationsOf('a1')).toEqual([]);
        expect((await rejection(store.since(id, 0, 10))).code).toBe('not_found');
        expect((await rejection(store.all(id))).code).toBe('not_found');
        await store.remove(id); // twice is fine
      });

      it('remove clears the customer’s pointer when it points there', async () => {
        const { customerId, id } = await openConversation();
        await store.remove(id);
        expect(await store.openConversationOf(customerId)).toBeNull();
        const fresh = await store.updateForCustomer(customerId, openSession(openInput(customerId)));
        expect(fresh.result.conversationCreated).toBe(true);
      });

      it('keeps a silent monitor in the doc until it is announced (the doc round-trips as it is)', async () => {
        const { id } = await openConversation();
        const sup = participant('s1', 'supervisor', 'Sam', now());
        const joined = await store.update(id, join(sup, undefined, now(), { silent: true }));
        expect(joined.activities.map((a) => [a.type, a.visibility])).toEqual([['participant.joined', 'agents']]);
        expect((await store.get(id))!.doc.silent).toEqual(['s1']);
        expect(await store.conversationsOf('s1')).toEqual([id]);
        const told = await store.update(id, announce('s1', now()));
        expect(told.activities.map((a) => [a.type, a.visibility])).toEqual([['participant.joined', 'all']]);
        expect((await store.get(id))!.doc.silent).toEqual([]);
      });

      it('indexes the conversations a participant is in', async () => {
        const a = await openConversation();
        const b = await openConversation();
        await store.update(a.id, join(agent('a1'), undefined, now()));
        await store.update(b.id, join(agent('a1'), undefined, now()));
        expect((await store.conversationsOf('a1')).sort()).toEqual([a.id, b.id].sort());
        expect(await store.conversationsOf(a.customerId)).toEqual([]);
        await store.update(a.id, leave('a1', undefined, now()));
        expect(await store.conversationsOf('a1')).toEqual([b.id]);
      });
    });

    describe('append', () => {
      it('appends with the next seq, and keeps empty arrays and objects as they are', async () => {
        const { id } = await openConversation();
        const d = draft(id, 'custom', 'agents', { id: 'app1', role: 'app' }, { list: [], obj: {}, nested: { deep: [[]] }, text: 'ünïcødé "q" \\ ✓' }, now());
        const { activity, duplicate } = await store.append(id, d);
        expect(duplicate).toBe(false);
        expect(activity).toEqual({ ...d, seq: 2 });
        expect(await store.since(id, 1, 10)).toEqual({ activities: [{ ...d, seq: 2 }], lastSeq: 2 });
      });

      it('is idempotent by clientMessageId: the first activity, duplicate, no new seq', async () => {
        const { id } = await openConversation();
        const first = await store.append(id, message(id, 'hello', { clientMessageId: 'm-1' }));
        const again = await store.append(id, message(id, 'hello again', { clientMessageId: 'm-1' }));
        expect(again).toEqual({ activity: first.activity, duplicate: true, connectors: [] });
        expect((await store.since(id, 0, 100)).lastSeq).toBe(2);
        const other = await store.append(id, message(id, 'other', { clientMessageId: 'm-2' }));
        expect(other.activity.seq).toBe(3);
      });

      it('dedupes a clientMessageId per sender: another sender with the same id is a new message', async () => {
        const { id } = await openConversation();
        await store.update(id, join(agent('a1'), undefined, now()));
        const mine = await store.append(id, message(id, 'from the customer', { clientMessageId: 'same' }));
        const theirs = await store.append(id, draft(id, 'message', 'all', { id: 'a1', role: 'agent' }, { text: 'from the agent' }, now(), { clientMessageId: 'same' }));
        expect(theirs.duplicate).toBe(false);
        expect(theirs.activity.seq).toBe(mine.activity.seq + 1);
        // A sender whose id ends where another's key would begin cannot collide either.
        const tricky = await store.append(id, draft(id, 'message', 'all', { id: 'a', role: 'agent' }, { text: 'x' }, now(), { clientMessageId: '1:same' }));
        expect(tricky.duplicate).toBe(false);
        expect((await store.append(id, draft(id, 'message', 'all', { id: 'a1', role: 'agent' }, { text: 'again' }, now(), { clientMessageId: 'same' }))).duplicate).toBe(true);
      });

      it('records the customer’s activity on an open session, and refuses a closed one', async () => {
        const { id, sessionId } = await openConversation();
        const wa = await store.updateForCustomer((await store.get(id))!.doc.customerId, openSession(openInput((await store.get(id))!.doc.customerId, { serviceIdentifier: 'wa' })));
        const at = new Date(Date.now() + 5_000).toISOString();
        const d = { ...message(id, 'hi', { channelSessionId: sessionId }), at };
        await store.append(id, d, { sessionId });
        expect((await store.get(id))!.sessionActivity[sessionId]).toBe(Date.parse(at));

        await store.update(id, closeSession(sessionId, 'inactivity', now()));
        const err = await rejection(store.append(id, message(id, 'late'), { sessionId }));
        expect(err.code).toBe('conflict');
        expect(err.details).toEqual({ reason: 'session_closed' });
        expect((await rejection(store.append(id, message(id, 'x'), { sessionId: 'never-was' }))).details).toEqual({ reason: 'session_closed' });
        // The conversation is still open through the other session.
        const ok = await store.append(id, message(id, 'via wa'), { sessionId: wa.result.channelSession.id });
        expect(ok.duplicate).toBe(false);
      });

      it('with participantId, appends only for a participant who is in it now', async () => {
        const { id } = await openConversation();
        expect((await rejection(store.append(id, message(id, 'x'), { participantId: 'a1' }))).code).toBe('forbidden');
        await store.update(id, join(agent('a1'), undefined, now()));
        const ok = await store.append(id, message(id, 'as a1'), { participantId: 'a1' });
        expect(ok.activity.payload).toEqual({ text: 'as a1' });
        await store.update(id, leave('a1', undefined, now()));
        expect((await rejection(store.append(id, message(id, 'gone'), { participantId: 'a1' }))).code).toBe('forbidden');
      });

      it('answers the connector-served open sessions with every append', async () => {
        const { id, customerId } = await openConversation();
        expect((await store.append(id, message(id, 'web'))).connectors).toEqual([]);
        const wa = await store.updateForCustomer(
          customerId,
          openSession(openInput(customerId, { serviceIdentifier: 'wa', channelData: { customerIdentifier: '+4670' } })),
        );
        const waSession = wa.result.channelSession.id;
        expect((await store.append(id, message(id, 'both'))).connectors).toEqual([{ serviceIdentifier: 'wa', channelSessionId: waSession, customerIdentifier: '+4670' }]);
        await store.update(id, closeSession(waSession, 'connector', now()));
        expect((await store.append(id, message(id, 'web again'))).connectors).toEqual([]);
      });

      it('throws not_found unless the conversation is live and joinable', async () => {
        expect((await rejection(store.append('nope', message('nope', 'x')))).code).toBe('not_found');
        const { id, sessionId } = await openConversation();
        await store.update(id, closeSession(sessionId, 'customer_left', now()));
        expect((await rejection(store.append(id, message(id, 'x')))).code).toBe('not_found');
      });
    });

    describe('since', () => {
      it('pages through the log in order', async () => {
        const { id } = await openConversation();
        for (let i = 0; i < 24; i++) await store.append(id, message(id, `m${i}`));
        const seen: number[] = [];
        let after = 0;
        for (;;) {
          const page = await store.since(id, after, 10);
          expect(page.lastSeq).toBe(25);
          if (page.activities.length === 0) break;
          expect(page.activities.length).toBeLessThanOrEqual(10);
          seen.push(...page.activities.map((a) => a.seq));
          after = page.activities.at(-1)!.seq;
        }
        expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
        expect((await store.since(id, 20, 3)).activities.map((a) => a.seq)).toEqual([21, 22, 23]);
        expect((await store.since(id, 25, 10)).activities).toEqual([]);
        expect((await store.since(id, 100, 10)).activities).toEqual([]);
        expect((await store.all(id)).map((a) => a.seq)).toEqual(seen);
      });
    });

    describe('countByState', () => {
      const counts = async () => Object.fromEntries(Object.entries(await store.countByState()).filter(([, n]) => n !== 0));

      it('counts live conversations by state as they change state and go', async () => {
        expect(await counts()).toEqual({});
        const a = await openConversation();
        const b = await openConversation();
        expect(await counts()).toEqual({ created: 2 });
        await store.update(a.id, join(agent('x'), undefined, now()));
        expect(await counts()).toEqual({ created: 1, active: 1 });
        await store.update(a.id, join(agent('y'), undefined, now())); // no change of state: no change of counts
        await store.append(a.id, message(a.id, 'hi'));
        expect(await counts()).toEqual({ created: 1, active: 1 });
        await store.update(b.id, closeSession(b.sessionId, 'customer_left', now()));
        expect(await counts()).toEqual({ closing: 1, active: 1 });
        await store.remove(b.id);
        await store.remove(b.id); // twice: counted out once
        expect(await counts()).toEqual({ active: 1 });
      });
    });

    describe('concurrency', () => {
      it('gives gapless, ordered seqs to many concurrent appends and updates', async () => {
        const { id } = await openConversation();
        const ops: Promise<number[]>[] = [];
        for (let i = 0; i < 200; i++) {
          ops.push(store.append(id, message(id, `m${i}`, { clientMessageId: `c${i}` })).then((r) => [r.activity.seq]));
          if (i % 10 === 0) ops.push(store.update(id, join(agent(`a${i}`), undefined, now())).then((c) => c.activities.map((a) => a.seq)));
          if (i % 10 === 5) ops.push(store.update(id, leave(`a${i - 5}`, undefined, now())).then((c) => c.activities.map((a) => a.seq)));
        }
        // The same messages again, concurrently: duplicates, no new seqs.
        const dupes = await Promise.all(Array.from({ length: 50 }, (_, i) => store.append(id, message(id, 'again', { clientMessageId: `c${i}` }))));
        const seqs = (await Promise.all(ops)).flat();
        const log = await store.all(id);
        const n = log.length;
        expect(log.map((a) => a.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: n - 1 }, (_, i) => i + 2));
        expect(log.filter((a) => a.type === 'message')).toHaveLength(200);
        // Sent after the originals on the same store, so each finds its original.
        expect(dupes.every((d) => d.duplicate)).toBe(true);
        expect(dupes.map((d) => (d.activity.payload as { text: string }).text)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
        expect(new Set(log.map((a) => a.id)).size).toBe(n);
        expect((await store.get(id))!.lastSeq).toBe(n);
      });

      it('serialises updates of one conversation: none is lost', async () => {
        const { id } = await openConversation();
        await Promise.all(Array.from({ length: 40 }, (_, i) => store.update(id, join(agent(`a${i}`), undefined, now()))));
        const doc = (await store.get(id))!.doc;
        expect(doc.participants.filter((p) => p.role === 'agent')).toHaveLength(40);
        expect(doc.state).toBe('active');
      });

      it('creates one conversation for concurrent first contacts of one customer', async () => {
        const customerId = randomUUID();
        const results = await Promise.all(Array.from({ length: 10 }, () => store.updateForCustomer(customerId, openSession(openInput(customerId)))));
        expect(new Set(results.map((r) => r.doc.id)).size).toBe(1);
        expect(results.filter((r) => r.result.conversationCreated)).toHaveLength(1);
        expect(await store.listIds()).toHaveLength(1);
      });

      const acrossNodes = options.shared ? it : null;

      acrossNodes?.('two nodes racing for one customer end in one conversation', async () => {
        const other = await fx.peer!();
        try {
          for (let round = 0; round < 20; round++) {
            const customerId = randomUUID();
            const [a, b] = await Promise.all([
              store.updateForCustomer(customerId, openSession(openInput(customerId))),
              other.updateForCustomer(customerId, openSession(openInput(customerId, { serviceIdentifier: 'wa' }))),
            ]);
            expect(a.doc.id).toBe(b.doc.id);
            expect([a.result.conversationCreated, b.result.conversationCreated].filter(Boolean)).toHaveLength(1);
            const stored = (await other.get(a.doc.id))!;
            expect(stored.doc.channelSessions).toHaveLength(2);
            expect(await store.openConversationOf(customerId)).toBe(a.doc.id);
          }
          expect(await store.listIds()).toHaveLength(20);
        } finally {
          await other.close();
        }
      });

      acrossNodes?.('two nodes appending and updating keep seqs gapless', async () => {
        const other = await fx.peer!();
        try {
          const { id } = await openConversation();
          const nodes = [store, other];
          await Promise.all(
            Array.from({ length: 200 }, (_, i) =>
              i % 8 === 0
                ? nodes[i % 2]!.update(id, join(agent(`a${i}`), undefined, now()))
                : nodes[i % 2]!.append(id, message(id, `m${i}`, { clientMessageId: `c${i}` })),
            ),
          );
          const log = await other.all(id);
          expect(log.map((a) => a.seq)).toEqual(Array.from({ length: log.length }, (_, i) => i + 1));
          expect(log.filter((a) => a.type === 'participant.joined')).toHaveLength(25);
          expect((await store.get(id))!.doc.participants.filter((p) => p.role === 'agent')).toHaveLength(25);
        } finally {
          await other.close();
        }
      });
    });
  });
}

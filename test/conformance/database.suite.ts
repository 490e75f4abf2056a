import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql, type Kysely } from 'kysely';
import type { Activity, ErrorCode } from '@conversation-hub/client-sdk/contract';
import { HubError } from '../../server/domain/errors.js';
import { getAgentTask, listAgentTasks, upsertAgentTask } from '../../server/persistence/agent-tasks.js';
import { archiveConversation } from '../../server/persistence/archive.js';
import {
  customerHistory,
  findArchivedConversation,
  getArchivedConversation,
  listConversations,
} from '../../server/persistence/archive-read.js';
import {
  createChannelType,
  deleteChannelType,
  getChannelType,
  listChannelTypes,
  updateChannelType,
} from '../../server/persistence/channel-types.js';
import {
  createChannel,
  deleteChannel,
  ensureSeedChannel,
  getChannel,
  getChannelByServiceIdentifier,
  listChannels,
  updateChannel,
} from '../../server/persistence/channels.js';
import type { HubDatabase } from '../../server/persistence/create-database.js';
import { mergeCustomers } from '../../server/persistence/customer-merge.js';
import {
  addIdentifier,
  createCustomer,
  findCustomerByIdentifier,
  getCustomer,
  resolveCustomer,
} from '../../server/persistence/customers.js';
import type { Database } from '../../server/persistence/database.js';
import { migrateDown, migrateToLatest } from '../../server/persistence/migrate.js';
import { migrations } from '../../migrations/index.js';
import type { DatabaseFactory } from '../helpers/database.js';
import { archiveFixture, at, uid } from '../persistence/fixtures.js';

const TABLES = [
  'activities',
  'agent_states',
  'agent_tasks',
  'attachment_blobs',
  'attachments',
  'channel_sessions',
  'channel_types',
  'channels',
  'conversations',
  'customer_identifiers',
  'customers',
  'participants',
  'refresh_tokens',
  'task_offers',
  'users',
  'webhook_deliveries',
  'webhook_subscriptions',
  'whatsapp_inbound',
  'whatsapp_sent',
  'whatsapp_windows',
  'wrap_ups',
];

/** Rejects with a HubError of exactly this code (not just any error). */
async function expectHubError(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HubError);
  expect((err as HubError).code).toBe(code);
}

async function tablesOf(db: Kysely<any>): Promise<string[]> {
  const r = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_name not like 'kysely_%'
    order by table_name`.execute(db);
  return r.rows.map((x) => x.table_name);
}

async function countRows(db: Kysely<Database>, conversationId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['conversations', 'channel_sessions', 'participants', 'activities', 'agent_tasks', 'wrap_ups'] as const) {
    const col = t === 'conversations' ? 'id' : 'conversation_id';
    const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(t)} where ${sql.ref(col)} = ${conversationId}`.execute(db);
    out[t] = r.rows[0]!.n;
  }
  return out;
}

/**
 * The persistence conformance suite: the same assertions against every Database implementation
 * (PGlite for embedded mode, Postgres for cluster mode), like socket.io's adapter `testSuite`.
 * `factory` gives a fresh, isolated, unmigrated database each call.
 */
export function databaseSuite(name: string, factory: DatabaseFactory): void {
  describe(`database conformance: ${name}`, () => {
    describe('migrations', () => {
      test('up, down, up again; handles are isolated from each other', async () => {
        const a = await factory();
        const b = await factory();
        try {
          expect(await tablesOf(a.db)).toEqual([]);
          expect(await migrateToLatest(a)).toEqual(Object.keys(migrations).map((m) => `Up ${m}`));
          expect(await tablesOf(a.db)).toEqual(TABLES);
          expect(await migrateToLatest(a)).toEqual([]); // nothing pending

          expect(await migrateDown(a)).toEqual(Object.keys(migrations).reverse().map((m) => `Down ${m}`));
          expect(await tablesOf(a.db)).toEqual([]);

          expect(await migrateToLatest(a)).toEqual(Object.keys(migrations).map((m) => `Up ${m}`));
          expect(await tablesOf(a.db)).toEqual(TABLES);
          await createChannelType(a.db, { id: 'voice', name: 'Voice' });

          await migrateToLatest(b);
          expect(await listChannelTypes(b.db)).toEqual([]);
          expect(await listChannelTypes(a.db)).toEqual([{ id: 'voice', name: 'Voice' }]);
        } finally {
          await a.close();
          await b.close();
        }
      });
    });

    describe('repositories', () => {
      let handle: HubDatabase;
      let db: Kysely<Database>;
      beforeAll(async () => {
        handle = await factory();
        await migrateToLatest(handle);
        db = handle.db;
      });
      afterAll(async () => {
        await handle?.close();
      });

      describe('channel types', () => {
        test('create, get, list, update, delete', async () => {
          const id = uid('type');
          expect(await createChannelType(db, { id, name: 'WhatsApp' })).toEqual({ id, name: 'WhatsApp' });
          expect(await getChannelType(db, id)).toEqual({ id, name: 'WhatsApp' });
          expect(await listChannelTypes(db)).toContainEqual({ id, name: 'WhatsApp' });
          expect(await updateChannelType(db, id, { name: 'WA' })).toEqual({ id, name: 'WA' });
          expect(await getChannelType(db, id)).toEqual({ id, name: 'WA' });
          await deleteChannelType(db, id);
          await expectHubError(getChannelType(db, id), 'not_found');
        });

        test('errors: duplicate, missing, in use, bad input', async () => {
          const id = uid('type');
          await createChannelType(db, { id, name: 'SMS' });
          await expectHubError(createChannelType(db, { id, name: 'again' }), 'conflict');
          await expectHubError(updateChannelType(db, uid('nope'), { name: 'x' }), 'not_found');
          await expectHubError(deleteChannelType(db, uid('nope')), 'not_found');
          await expectHubError(createChannelType(db, { id: '', name: 'x' }), 'bad_request');
          await expectHubError(updateChannelType(db, id, { name: 42 }), 'bad_request');

          const channel = await createChannel(db, { serviceIdentifier: uid('svc'), name: 'SMS line', channelType: id });
          await expectHubError(deleteChannelType(db, id), 'conflict');
          expect(await getChannelType(db, id)).toEqual({ id, name: 'SMS' }); // still there
          await deleteChannel(db, channel.id);
          await deleteChannelType(db, id);
        });
      });

      describe('channels', () => {
        let type: string;
        beforeAll(async () => {
          type = uid('type');
          await createChannelType(db, { id: type, name: 'Chat' });
        });

        test('create applies the contract defaults and reads back the same Channel', async () => {
          const serviceIdentifier = uid('svc');
          const created = await createChannel(db, { serviceIdentifier, name: 'Sales chat', channelType: type });
          expect(created).toEqual({
            id: expect.any(String),
            serviceIdentifier,
            name: 'Sales chat',
            channelType: type,
            routingMode: 'push',
            customerInactivityTimeoutSeconds: 900,
            offerTimeoutSeconds: 30,
            wrapUp: { enabled: false, timeoutSeconds: 60 },
            controller: { closeOnAgentLeave: false },
            identity: 'optional',
            identitySecretSet: false,
            apps: [],
            requiredSkills: [],
            offerRetrySeconds: 30,
            botTimeoutSeconds: 5,
          });
          expect(await getChannel(db, created.id)).toEqual(created);
          expect(await getChannelByServiceIdentifier(db, serviceIdentifier)).toEqual(created);
          expect(await listChannels(db)).toContainEqual(created);
        });

        test('every field round-trips, update patches and revalidates, delete removes', async () => {
          const full = {
            id: uid('ch'),
            serviceIdentifier: uid('svc'),
            name: 'Support',
            channelType: type,
            routingMode: 'pull' as const,
            listId: 'support',
            customerInactivityTimeoutSeconds: 1.5,
            offerTimeoutSeconds: 45,
            botId: 'bot-1',
            wrapUp: { enabled: true, timeoutSeconds: 120 },
            controller: { greeting: 'Welcome!', survey: 'How did we do?', closeOnAgentLeave: true },
            outboundWebhookUrl: 'https://connector.example/out',
            apps: ['crm-app'],
            requiredSkills: ['dutch', 'claims'],
            offerRetrySeconds: 7.5,
            bot: { type: 'lex', botId: 'BOT1', botAliasId: 'ALIAS1', localeId: 'en_GB', region: 'eu-west-1', handoffIntent: 'Human' },
            botTimeoutSeconds: 2.5,
            queue: { maxWaitSeconds: 90, overflowListId: 'backup', overflowMessage: 'Everyone is busy.' },
            businessHours: {
              timezone: 'Europe/Amsterdam',
              weekly: [
                { day: 'mon' as const, open: '08:30', close: '12:00:30' },
                { day: 'sat' as const, open: '10:00', close: '24:00' },
              ],
              holidays: ['2026-04-27'],
              closedMessage: 'Gesloten',
            },
          };
          expect(await createChannel(db, full)).toEqual({ ...full, identity: 'optional', identitySecretSet: false });

          const updated = await updateChannel(db, full.id, { name: 'Support NL', wrapUp: { enabled: false, timeoutSeconds: 60 } });
          expect(updated).toEqual({ ...full, name: 'Support NL', wrapUp: { enabled: false, timeoutSeconds: 60 }, identity: 'optional', identitySecretSet: false });
          expect(await getChannel(db, full.id)).toEqual(updated);

          await expectHubError(updateChannel(db, full.id, { routingMode: 'broadcast' }), 'bad_request');
          await expectHubError(updateChannel(db, full.id, { id: 'other' }), 'bad_request');
          await expectHubError(updateChannel(db, uid('nope'), { name: 'x' }), 'not_found');
          expect(await getChannel(db, full.id)).toEqual(updated); // failed updates changed nothing

          await deleteChannel(db, full.id);
          await expectHubError(getChannel(db, full.id), 'not_found');
          await expectHubError(deleteChannel(db, full.id), 'not_found');
        });

        test('routing settings: absent ones stay absent, a patch replaces them, bad ones change nothing', async () => {
          const plain = await createChannel(db, { serviceIdentifier: uid('svc'), name: 'Plain', channelType: type });
          expect(plain).not.toHaveProperty('queue');
          expect(plain).not.toHaveProperty('businessHours');
          const businessHours = { timezone: 'Pacific/Auckland', weekly: [{ day: 'sun' as const, open: '02:30:15', close: '03:00' }], closedMessage: 'Closed' };
          const patched = await updateChannel(db, plain.id, { businessHours, queue: {}, offerRetrySeconds: 0.5, requiredSkills: ['maori'] });
          expect(patched).toEqual({ ...plain, businessHours, queue: {}, offerRetrySeconds: 0.5, requiredSkills: ['maori'] });
          expect(await getChannel(db, plain.id)).toEqual(patched);
          await expectHubError(updateChannel(db, plain.id, { businessHours: { ...businessHours, timezone: 'Atlantis/Capital' } }), 'bad_request');
          await expectHubError(updateChannel(db, plain.id, { businessHours: { ...businessHours, weekly: [{ day: 'sun', open: '10:00', close: '09:00' }] } }), 'bad_request');
          await expectHubError(updateChannel(db, plain.id, { queue: { maxWaitSeconds: 5, extra: 1 } }), 'bad_request');
          expect(await getChannel(db, plain.id)).toEqual(patched);
        });

        test('errors: duplicate serviceIdentifier, unknown type, bad input, missing', async () => {
          const serviceIdentifier = uid('svc');
          const first = await createChannel(db, { serviceIdentifier, name: 'A', channelType: type });
          await expectHubError(createChannel(db, { serviceIdentifier, name: 'B', channelType: type }), 'conflict');
          const other = await createChannel(db, { serviceIdentifier: uid('svc'), name: 'C', channelType: type });
          await expectHubError(updateChannel(db, other.id, { serviceIdentifier }), 'conflict');
          await expectHubError(createChannel(db, { serviceIdentifier: uid('svc'), name: 'D', channelType: uid('no-type') }), 'bad_request');
          await expectHubError(createChannel(db, { serviceIdentifier: uid('svc'), name: 'E', channelType: type, offerTimeoutSeconds: -1 }), 'bad_request');
          await expectHubError(createChannel(db, { name: 'F', channelType: type }), 'bad_request');
          await expectHubError(getChannelByServiceIdentifier(db, uid('nope')), 'not_found');
          expect((await getChannelByServiceIdentifier(db, serviceIdentifier)).id).toBe(first.id);
        });

        test('ensureSeedChannel creates webchat once, idempotently', async () => {
          const [one, two] = [await ensureSeedChannel(db), await ensureSeedChannel(db)];
          expect(one).toEqual({
            id: 'webchat',
            serviceIdentifier: 'webchat',
            name: 'Web chat',
            channelType: 'webchat',
            routingMode: 'push',
            customerInactivityTimeoutSeconds: 900,
            offerTimeoutSeconds: 30,
            wrapUp: { enabled: false, timeoutSeconds: 60 },
            controller: { closeOnAgentLeave: false },
            identity: 'optional',
            identitySecretSet: false,
            apps: [],
            requiredSkills: [],
            offerRetrySeconds: 30,
            botTimeoutSeconds: 5,
          });
          expect(two).toEqual(one);
          expect(await getChannelType(db, 'webchat')).toEqual({ id: 'webchat', name: 'Web chat' });
          expect((await listChannels(db)).filter((c) => c.serviceIdentifier === 'webchat')).toHaveLength(1);
        });
      });

      describe('customers', () => {
        test('resolveCustomer: an unknown pair makes an anonymous customer, the same pair finds it again', async () => {
          const visitor = uid('visitor');
          const c = await resolveCustomer(db, 'webchat', visitor, 'Carla');
          expect(c).toEqual({ id: expect.any(String), name: 'Carla', identifiers: [{ channelType: 'webchat', value: visitor }], known: false, attributes: {} });
          expect(await resolveCustomer(db, 'webchat', visitor)).toEqual(c);
          expect(await findCustomerByIdentifier(db, 'webchat', visitor)).toEqual(c);
          expect(await getCustomer(db, c.id)).toEqual(c);
          // same value on another channel type is another customer
          expect((await resolveCustomer(db, 'whatsapp', visitor)).id).not.toBe(c.id);
        });

        test('concurrent resolves of one pair give one customer and leave no orphan rows', async () => {
          const phone = uid('+32');
          const name = uid('racer');
          const results = await Promise.all(Array.from({ length: 12 }, () => resolveCustomer(db, 'whatsapp', phone, name)));
          expect(new Set(results.map((c) => c.id)).size).toBe(1);
          const rows = await db.selectFrom('customers').select('id').where('name', '=', name).execute();
          expect(rows.map((r) => r.id)).toEqual([results[0]!.id]);
        });

        test('createCustomer: known by default, with identifiers and attributes', async () => {
          const email = `${uid('k')}@example.com`;
          const c = await createCustomer(db, { name: 'Kim', identifiers: [{ channelType: 'email', value: email }], attributes: { tier: 'gold', score: 3 } });
          expect(c).toEqual({ id: expect.any(String), name: 'Kim', identifiers: [{ channelType: 'email', value: email }], known: true, attributes: { tier: 'gold', score: 3 } });
          expect(await findCustomerByIdentifier(db, 'email', email)).toEqual(c);
          expect(await resolveCustomer(db, 'email', email)).toEqual(c);
          expect((await createCustomer(db, { known: false })).known).toBe(false);
        });

        test('createCustomer with a taken identifier is a conflict and creates nothing', async () => {
          const visitor = uid('visitor');
          await resolveCustomer(db, 'webchat', visitor);
          const name = uid('dup');
          await expectHubError(createCustomer(db, { name, identifiers: [{ channelType: 'webchat', value: visitor }] }), 'conflict');
          expect(await db.selectFrom('customers').select('id').where('name', '=', name).execute()).toEqual([]);
          await expectHubError(createCustomer(db, { identifiers: [{ channelType: '', value: 'x' }] }), 'bad_request');
        });

        test('addIdentifier: links, email makes known, idempotent, conflict when taken', async () => {
          const anon = await resolveCustomer(db, 'webchat', uid('visitor'));
          expect(anon.known).toBe(false);
          const phone = uid('+32');
          const withPhone = await addIdentifier(db, anon.id, { channelType: 'phone', value: phone });
          expect(withPhone.known).toBe(false);
          expect(withPhone.identifiers).toContainEqual({ channelType: 'phone', value: phone });
          const email = `${uid('a')}@example.com`;
          const withEmail = await addIdentifier(db, anon.id, { channelType: 'email', value: email });
          expect(withEmail.known).toBe(true);
          expect(withEmail.identifiers).toHaveLength(3);
          expect(await addIdentifier(db, anon.id, { channelType: 'email', value: email })).toEqual(withEmail);
          expect((await findCustomerByIdentifier(db, 'phone', phone))?.id).toBe(anon.id);

          const other = await createCustomer(db, { name: 'Other' });
          await expectHubError(addIdentifier(db, other.id, { channelType: 'phone', value: phone }), 'conflict');
          expect((await findCustomerByIdentifier(db, 'phone', phone))?.id).toBe(anon.id);
          await expectHubError(addIdentifier(db, uid('nobody'), { channelType: 'phone', value: uid('+1') }), 'not_found');
          await expectHubError(addIdentifier(db, anon.id, { channelType: 'phone' }), 'bad_request');
        });

        test('not found and null', async () => {
          await expectHubError(getCustomer(db, uid('nobody')), 'not_found');
          expect(await findCustomerByIdentifier(db, 'webchat', uid('nobody'))).toBeNull();
        });

        test('mergeCustomers moves identifiers and history, old ids resolve to the target', async () => {
          const visitor = uid('visitor');
          const anon = await resolveCustomer(db, 'webchat', visitor, 'Visitor');
          const email = `${uid('m')}@example.com`;
          const known = await createCustomer(db, { identifiers: [{ channelType: 'email', value: email }], attributes: { tier: 'gold' } });
          await db.updateTable('customers').set({ attributes: JSON.stringify({ tier: 'bronze', lang: 'nl' }) }).where('id', '=', anon.id).execute();
          const before = archiveFixture(anon.id, Date.UTC(2025, 0, 1));
          await archiveConversation(db, before);

          const merged = await mergeCustomers(db, known.id, anon.id);
          expect(merged.id).toBe(known.id);
          expect(merged.known).toBe(true);
          expect(merged.name).toBe('Visitor'); // the target had none
          expect(merged.attributes).toEqual({ tier: 'gold', lang: 'nl' }); // target wins, gains the rest
          expect(merged.identifiers).toEqual(
            expect.arrayContaining([
              { channelType: 'email', value: email },
              { channelType: 'webchat', value: visitor },
            ]),
          );
          expect(merged.identifiers).toHaveLength(2);

          expect((await resolveCustomer(db, 'webchat', visitor)).id).toBe(known.id);
          expect((await getCustomer(db, anon.id)).id).toBe(known.id);
          expect((await getArchivedConversation(db, before.conversation.id)).customerId).toBe(known.id);

          // the anonymous customer's live conversation is archived after the merge, under the old id
          const after = archiveFixture(anon.id, Date.UTC(2025, 1, 1));
          await archiveConversation(db, after);
          const history = await customerHistory(db, known.id, 10);
          expect(history.map((c) => c.id)).toEqual([after.conversation.id, before.conversation.id]);
          expect(history[1]!.activities).toHaveLength(before.activities.length);
          expect((await listConversations(db, { customerId: known.id })).map((c) => c.id)).toEqual([after.conversation.id, before.conversation.id]);

          expect((await mergeCustomers(db, known.id, anon.id)).id).toBe(known.id); // again: no-op
          const third = await createCustomer(db, {});
          await expectHubError(mergeCustomers(db, third.id, anon.id), 'conflict'); // source is gone already
          await expectHubError(mergeCustomers(db, anon.id, third.id), 'conflict'); // target is gone already
        });

        test('merge errors: itself, missing', async () => {
          const c = await createCustomer(db, {});
          await expectHubError(mergeCustomers(db, c.id, c.id), 'bad_request');
          await expectHubError(mergeCustomers(db, c.id, uid('nobody')), 'not_found');
          await expectHubError(mergeCustomers(db, uid('nobody'), c.id), 'not_found');
        });
      });

      describe('archive', () => {
        test('stores the conversation as closed and reads it back, activities in seq order', async () => {
          const customer = await resolveCustomer(db, 'webchat', uid('visitor'), 'Carla');
          const f = archiveFixture(customer.id);
          const shuffled = [...f.activities].reverse();
          const r = await archiveConversation(db, { conversation: f.conversation, activities: shuffled, tasks: f.tasks });
          expect(r.activitiesInserted).toBe(f.activities.length);

          const view = await getArchivedConversation(db, f.conversation.id);
          expect(view.state).toBe('closed');
          expect(view.customerId).toBe(customer.id);
          expect(view.createdAt).toBe(f.conversation.createdAt);
          expect(view.lastSeq).toBe(f.activities.length);
          expect(view.channelSessions).toEqual([f.session]);
          expect(view.activities).toEqual(f.activities);
          expect(view.activities.map((a) => a.seq)).toEqual(f.activities.map((_, i) => i + 1));
          // everyone who was ever in it, with their first join
          expect(view.participants).toEqual([
            { id: customer.id, role: 'customer', name: 'Carla', joinedAt: f.session.openedAt },
            { id: f.agent.id, role: 'agent', name: 'Ada', joinedAt: f.agent.joinedAt },
          ]);
          const left = await db.selectFrom('participants').select(['participant_id', 'left_at']).where('conversation_id', '=', f.conversation.id).execute();
          expect(left.map((p) => p.left_at?.toISOString()).sort()).toEqual([f.session.closedAt, f.tasks[0]!.closedAt].sort());

          const wrapUps = await db.selectFrom('wrap_ups').selectAll().where('conversation_id', '=', f.conversation.id).execute();
          expect(wrapUps).toHaveLength(1);
          expect(wrapUps[0]).toMatchObject({ agent_id: f.agent.id, codes: ['sale', 'upsell'], note: 'bought 2' });
          expect(await getAgentTask(db, f.tasks[0]!.id)).toEqual({ ...f.tasks[0], handleTimeSeconds: 330 });
        });

        test('is idempotent: a second run writes nothing twice', async () => {
          const customer = await resolveCustomer(db, 'webchat', uid('visitor'));
          const f = archiveFixture(customer.id);
          const input = { conversation: f.conversation, activities: f.activities, tasks: f.tasks };
          await archiveConversation(db, input);
          const counts = await countRows(db, f.conversation.id);
          expect(counts).toEqual({ conversations: 1, channel_sessions: 1, participants: 2, activities: 12, agent_tasks: 1, wrap_ups: 1 });
          const first = await getArchivedConversation(db, f.conversation.id);

          const again = await archiveConversation(db, { ...input, conversation: { ...f.conversation, state: 'closed' } });
          expect(again.activitiesInserted).toBe(0);
          expect(await countRows(db, f.conversation.id)).toEqual(counts);
          expect(await getArchivedConversation(db, f.conversation.id)).toEqual(first);
        });

        test('a retry with activities appended since adds only those', async () => {
          const f = archiveFixture(uid('cust'));
          await archiveConversation(db, { conversation: f.conversation, activities: f.activities.slice(0, 5) });
          const r = await archiveConversation(db, { conversation: f.conversation, activities: f.activities });
          expect(r.activitiesInserted).toBe(f.activities.length - 5);
          expect((await getArchivedConversation(db, f.conversation.id)).activities).toEqual(f.activities);
        });

        test('a long log (more than one insert chunk) comes back whole and in order', async () => {
          const f = archiveFixture(uid('cust'));
          const base = f.activities[1]!;
          const many: Activity[] = Array.from({ length: 2_345 }, (_, i) => ({ ...base, id: uid('act'), seq: i + 1, clientMessageId: `m-${i}`, payload: { text: `#${i}` } }) as Activity);
          const r = await archiveConversation(db, { conversation: { ...f.conversation, lastSeq: 2_345 }, activities: many });
          expect(r.activitiesInserted).toBe(2_345);
          const view = await getArchivedConversation(db, f.conversation.id);
          expect(view.activities.map((a) => a.seq)).toEqual(many.map((a) => a.seq));
          expect(view.activities[2_344]).toEqual(many[2_344]);
        });

        test('refuses a conversation that is not closing, or activities of another conversation', async () => {
          const f = archiveFixture(uid('cust'));
          await expectHubError(archiveConversation(db, { conversation: { ...f.conversation, state: 'active' }, activities: f.activities }), 'conflict');
          const stray = { ...f.activities[0]!, conversationId: uid('other') } as Activity;
          await expectHubError(archiveConversation(db, { conversation: f.conversation, activities: [stray] }), 'bad_request');
          expect(await findArchivedConversation(db, f.conversation.id)).toBeNull();
          await expectHubError(getArchivedConversation(db, f.conversation.id), 'not_found');
        });

        test('listConversations filters by customer and state; customerHistory is newest first with a limit', async () => {
          const customer = await resolveCustomer(db, 'webchat', uid('visitor'));
          const older = archiveFixture(customer.id, Date.UTC(2024, 5, 1));
          const newer = archiveFixture(customer.id, Date.UTC(2024, 6, 1));
          const elses = archiveFixture(uid('cust'), Date.UTC(2024, 7, 1));
          for (const f of [newer, older, elses]) await archiveConversation(db, f);

          const listed = await listConversations(db, { customerId: customer.id });
          expect(listed.map((c) => c.id)).toEqual([newer.conversation.id, older.conversation.id]);
          expect(listed[0]).not.toHaveProperty('activities');
          expect(listed[0]!.channelSessions).toEqual([newer.session]);
          expect((await listConversations(db, { customerId: customer.id, state: 'closed' })).map((c) => c.id)).toHaveLength(2);
          expect(await listConversations(db, { customerId: customer.id, state: 'active' })).toEqual([]);
          expect((await listConversations(db, {})).map((c) => c.id)).toEqual(expect.arrayContaining([elses.conversation.id, older.conversation.id]));

          const history = await customerHistory(db, customer.id, 1);
          expect(history.map((c) => c.id)).toEqual([newer.conversation.id]);
          expect(history[0]!.activities).toEqual(newer.activities);
          expect(await customerHistory(db, uid('nobody'), 5)).toEqual([]);
        });
      });

      describe('agent tasks', () => {
        test('upserts through the task life cycle; handle time once accepted and closed; closed is terminal', async () => {
          const base = Date.UTC(2025, 2, 3, 9);
          const task = { id: uid('task'), conversationId: uid('conv'), state: 'queued' as const, listId: 'sales', createdAt: at(base, 0) };
          await upsertAgentTask(db, task);
          expect(await getAgentTask(db, task.id)).toEqual(task);

          await upsertAgentTask(db, { ...task, state: 'offered', agentId: 'agent-1', offeredAt: at(base, 5) });
          await upsertAgentTask(db, { ...task, state: 'accepted', agentId: 'agent-1', offeredAt: at(base, 5), acceptedAt: at(base, 12) });
          expect((await getAgentTask(db, task.id)).handleTimeSeconds).toBeUndefined();

          const closed = { ...task, state: 'closed' as const, agentId: 'agent-1', offeredAt: at(base, 5), acceptedAt: at(base, 12), closedAt: at(base, 342.5) };
          await upsertAgentTask(db, closed);
          expect(await getAgentTask(db, task.id)).toEqual({ ...closed, handleTimeSeconds: 330.5 });

          // a late write of an older version neither reopens it nor erases what is known
          await upsertAgentTask(db, { ...task, state: 'accepted' });
          expect(await getAgentTask(db, task.id)).toEqual({ ...closed, handleTimeSeconds: 330.5 });
          expect(await listAgentTasks(db, { conversationId: task.conversationId })).toHaveLength(1);
          expect(await listAgentTasks(db, { agentId: 'agent-1' })).toContainEqual({ ...closed, handleTimeSeconds: 330.5 });
          await expectHubError(getAgentTask(db, uid('nope')), 'not_found');
        });
      });
    });
  });
}

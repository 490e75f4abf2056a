import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { HubDatabase } from '../../server/persistence/create-database.js';
import { pruneBookkeeping, RETENTION } from '../../server/persistence/retention.js';
import { migratedDatabase, pgliteDatabase, postgresDatabase } from '../helpers/database.js';

// The webhook and WhatsApp bookkeeping rows go after their retention, on both databases.
describe.each([
  ['pglite', pgliteDatabase],
  ['postgres', postgresDatabase],
] as const)('retention: %s', (_name, factory) => {
  let handle: HubDatabase;
  beforeAll(async () => {
    handle = await migratedDatabase(factory);
  });
  afterAll(() => handle.close());

  test('old finished deliveries and old WhatsApp ids go; pending and recent ones stay', async () => {
    const db = handle.db as any;
    const now = Date.parse('2026-11-22T12:00:00.000Z');
    const ago = (days: number) => new Date(now - days * 86_400_000).toISOString();
    const delivery = (id: string, status: string, days: number) => ({ id, service_identifier: 'wa', type: 'connector.outbound', status, attempts: 1, created_at: ago(days), updated_at: ago(days) });
    await db
      .insertInto('webhook_deliveries')
      .values([delivery('old-done', 'delivered', RETENTION.webhookDeliveries + 1), delivery('old-pending', 'pending', RETENTION.webhookDeliveries + 1), delivery('new-done', 'failed', 1)])
      .execute();
    await db.insertInto('whatsapp_inbound').values([{ wamid: 'in-old', at: ago(RETENTION.whatsappInbound + 1) }, { wamid: 'in-new', at: ago(1) }]).execute();
    await db
      .insertInto('whatsapp_sent')
      .values([
        { wamid: 'out-old', service_identifier: 'wa', conversation_id: 'c', seq: 1, at: ago(RETENTION.whatsappSent + 1) },
        { wamid: 'out-new', service_identifier: 'wa', conversation_id: 'c', seq: 2, at: ago(RETENTION.whatsappSent - 1) },
      ])
      .execute();

    expect(await pruneBookkeeping(handle.db, now)).toEqual({ webhookDeliveries: 1, whatsappInbound: 1, whatsappSent: 1 });
    const ids = async (table: string, col: string) => ((await db.selectFrom(table).select(col).execute()) as Record<string, string>[]).map((r) => r[col]).sort();
    expect(await ids('webhook_deliveries', 'id')).toEqual(['new-done', 'old-pending']);
    expect(await ids('whatsapp_inbound', 'wamid')).toEqual(['in-new']);
    expect(await ids('whatsapp_sent', 'wamid')).toEqual(['out-new']);
    expect(await pruneBookkeeping(handle.db, now)).toEqual({ webhookDeliveries: 0, whatsappInbound: 0, whatsappSent: 0 });
  });
});

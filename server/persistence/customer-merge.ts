import { sql, type Kysely } from 'kysely';
import type { Customer } from '@conversation-hub/client-sdk/contract';
import { badRequest, conflict, notFound } from '../domain/errors.js';
import type { Database } from './database.js';
import { getCustomer } from './customers.js';

/**
 * Merges `sourceId` (typically an anonymous visitor) into `targetId`, in one transaction: the
 * source's identifiers and archived conversations move to the target, customers merged into the
 * source now point at the target, and the source is marked merged_into the target so old ids
 * still resolve. The target keeps its own name and attributes; it gains what it lacks. Merging
 * again is a no-op. Both rows are locked in id order, so crossing merges cannot deadlock.
 */
export async function mergeCustomers(db: Kysely<Database>, targetId: string, sourceId: string): Promise<Customer> {
  if (targetId === sourceId) throw badRequest('sourceCustomerId: cannot merge a customer into itself', { field: 'sourceCustomerId' });
  await db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('customers')
      .select(['id', 'name', 'known', 'merged_into'])
      .where('id', 'in', [targetId, sourceId])
      .orderBy('id')
      .forUpdate()
      .execute();
    const target = rows.find((r) => r.id === targetId);
    const source = rows.find((r) => r.id === sourceId);
    if (!target || !source) throw notFound('customer');
    if (source.merged_into === targetId) return;
    if (target.merged_into !== null) throw conflict(`target customer was merged into ${target.merged_into}`, { mergedInto: target.merged_into });
    if (source.merged_into !== null) throw conflict(`source customer was merged into ${source.merged_into}`, { mergedInto: source.merged_into });

    await trx.updateTable('customer_identifiers').set({ customer_id: targetId }).where('customer_id', '=', sourceId).execute();
    await trx.updateTable('conversations').set({ customer_id: targetId }).where('customer_id', '=', sourceId).execute();
    await trx.updateTable('channel_sessions').set({ customer_id: targetId }).where('customer_id', '=', sourceId).execute();
    await trx.updateTable('customers').set({ merged_into: targetId }).where('merged_into', '=', sourceId).execute();
    await trx.updateTable('customers').set({ merged_into: targetId }).where('id', '=', sourceId).execute();
    await trx
      .updateTable('customers')
      .set({
        known: target.known || source.known,
        name: target.name ?? source.name,
        // jsonb || : right side wins, so the target's own attributes stay
        attributes: sql<string>`(select attributes from customers where id = ${sourceId}) || customers.attributes`,
      })
      .where('id', '=', targetId)
      .execute();
  });
  return getCustomer(db, targetId);
}

/** The customer and every customer merged into it (directly or through a chain): whose history it owns. */
export async function mergedCustomerIds(db: Kysely<Database>, customerId: string): Promise<string[]> {
  const r = await sql<{ id: string }>`
    with recursive merged(id) as (
      select ${customerId}::text
      union
      select c.id from customers c join merged m on c.merged_into = m.id
    )
    select id from merged`.execute(db);
  return r.rows.map((x) => x.id);
}

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { CustomerIdentifier, type Customer } from '@conversation-hub/client-sdk/contract';
import { conflict, notFound } from '../domain/errors.js';
import type { CustomerRow, Database } from './database.js';
import { json, opt, Rollback } from './sql-util.js';
import { parseInput } from './validate.js';

/**
 * The `known` rule: a customer is known when an admin created it as known (`POST /api/customers`,
 * default true), when an admin linked an `email` identifier to it (addIdentifier), or when a
 * known customer absorbed it in a merge, or when a website's identity token named it
 * (resolveVerifiedCustomer). Customers made by resolveCustomer (a webchat visitor, a phone number
 * a connector saw) start anonymous; a typed pre-chat email identifies nobody.
 */
export const KNOWN_IDENTIFIER_TYPE = 'email';

/** `POST /api/customers` body (not in the contract yet). */
export const CustomerCreateInput = z.object({
  name: z.string().min(1).max(200).optional(),
  identifiers: z.array(CustomerIdentifier).max(50).optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
  known: z.boolean().default(true),
});
export type CustomerCreateInput = z.input<typeof CustomerCreateInput>;

/** The customer a merge chain ends at; null when the id is unknown. Merges flatten chains, the guard is for safety. */
export async function rootCustomerId(db: Kysely<Database>, id: string): Promise<string | null> {
  let current = id;
  for (let hops = 0; hops < 32; hops++) {
    const row = await db.selectFrom('customers').select('merged_into').where('id', '=', current).executeTakeFirst();
    if (!row) return null;
    if (row.merged_into === null) return current;
    current = row.merged_into;
  }
  throw new Error(`customer merge chain too long from ${id}`);
}

async function load(db: Kysely<Database>, row: CustomerRow): Promise<Customer> {
  const identifiers = await db
    .selectFrom('customer_identifiers')
    .select(['channel_type', 'value'])
    .where('customer_id', '=', row.id)
    .orderBy('created_at')
    .orderBy('channel_type')
    .orderBy('value')
    .execute();
  return {
    id: row.id,
    ...opt('name', row.name),
    identifiers: identifiers.map((i) => ({ channelType: i.channel_type, value: i.value })),
    known: row.known,
    attributes: row.attributes,
  };
}

/** The customer, following merges: asking for a merged-away id answers the customer it went into. */
export async function getCustomer(db: Kysely<Database>, id: string): Promise<Customer> {
  const root = await rootCustomerId(db, id);
  const row = root ? await db.selectFrom('customers').selectAll().where('id', '=', root).executeTakeFirst() : undefined;
  if (!row) throw notFound('customer');
  return load(db, row);
}

/** Lookup by (channelType, value), following merges; null when nobody has it. */
export async function findCustomerByIdentifier(db: Kysely<Database>, channelType: string, value: string): Promise<Customer | null> {
  const link = await db
    .selectFrom('customer_identifiers')
    .select('customer_id')
    .where('channel_type', '=', channelType)
    .where('value', '=', value)
    .executeTakeFirst();
  return link ? getCustomer(db, link.customer_id) : null;
}

/**
 * The customer behind (channelType, identifier); an unknown pair creates an anonymous customer.
 * Race-safe: the identifier's primary key decides who wins; a loser rolls its customer back and
 * reads the winner, so concurrent resolves on any node return the same customer.
 */
export async function resolveCustomer(db: Kysely<Database>, channelType: string, identifier: string, name?: string): Promise<Customer> {
  const found = await findCustomerByIdentifier(db, channelType, identifier);
  if (found) return found;
  const id = randomUUID();
  try {
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('customers').values({ id, name: name ?? null, known: false, merged_into: null }).execute();
      const linked = await trx
        .insertInto('customer_identifiers')
        .values({ channel_type: channelType, value: identifier, customer_id: id })
        .onConflict((oc) => oc.columns(['channel_type', 'value']).doNothing())
        .returning('customer_id')
        .executeTakeFirst();
      if (!linked) throw new Rollback(null);
    });
    return getCustomer(db, id);
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  const winner = await findCustomerByIdentifier(db, channelType, identifier);
  if (!winner) throw new Error(`identifier ${channelType}:${identifier} vanished while resolving`);
  return winner;
}

/**
 * Webchat identifier namespaces (PROTOCOL.md §2.2). Anonymous visitors: a random id the hub made
 * and signed into the visitor token, never a value a client chose, so no visitor can name a
 * connector's customer (a phone number, a WhatsApp id). Signed-in users of a website: the `sub` of
 * an identity token, per channel, since each channel has its own identity secret.
 */
export const VISITOR_NAMESPACE = 'webchat-visitor';
export const siteNamespace = (serviceIdentifier: string): string => `site:${serviceIdentifier}`;

/** What a valid identity token says: the site's user id (in its namespace), and its verified email and name. */
export interface VerifiedIdentity {
  namespace: string;
  subject: string;
  email?: string;
  name?: string;
}

/**
 * The customer a website vouches for, made known. The customer linked to the `sub`; when none, the
 * customer who owns the token's email (unless they already have another user of the same site),
 * else a new one. The email is then linked as a verified identifier when nobody has it (one that
 * belongs to another customer stays theirs: merging is an admin's call). Race-safe like
 * resolveCustomer: the identifier's primary key decides.
 */
export async function resolveVerifiedCustomer(db: Kysely<Database>, identity: VerifiedIdentity): Promise<Customer> {
  const { namespace, subject, email, name } = identity;
  let customer = await findCustomerByIdentifier(db, namespace, subject);
  if (!customer) {
    const owner = email ? await findCustomerByIdentifier(db, KNOWN_IDENTIFIER_TYPE, email) : null;
    if (owner && !owner.identifiers.some((i) => i.channelType === namespace)) {
      await linkIfFree(db, { channelType: namespace, value: subject }, owner.id);
      customer = await findCustomerByIdentifier(db, namespace, subject);
    }
    customer ??= await resolveCustomer(db, namespace, subject, name);
  }
  if (email) await linkIfFree(db, { channelType: KNOWN_IDENTIFIER_TYPE, value: email }, customer.id);
  await db
    .updateTable('customers')
    .set({ known: true, ...(name ? { name } : {}) })
    .where('id', '=', customer.id)
    .execute();
  return getCustomer(db, customer.id);
}

/** Links the identifier to the customer unless someone has it already. */
async function linkIfFree(db: Kysely<Database>, identifier: CustomerIdentifier, customerId: string): Promise<void> {
  await db
    .insertInto('customer_identifiers')
    .values({ channel_type: identifier.channelType, value: identifier.value, customer_id: customerId })
    .onConflict((oc) => oc.columns(['channel_type', 'value']).doNothing())
    .execute();
}

/** An admin-made customer (known unless the body says otherwise); an identifier someone has → conflict. */
export async function createCustomer(db: Kysely<Database>, input: unknown): Promise<Customer> {
  const body = parseInput(CustomerCreateInput, input ?? {});
  const id = randomUUID();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('customers')
      .values({ id, name: body.name ?? null, known: body.known, attributes: json(body.attributes ?? {}), merged_into: null })
      .execute();
    const wanted = dedupe(body.identifiers ?? []);
    if (wanted.length === 0) return;
    const linked = await trx
      .insertInto('customer_identifiers')
      .values(wanted.map((i) => ({ channel_type: i.channelType, value: i.value, customer_id: id })))
      .onConflict((oc) => oc.columns(['channel_type', 'value']).doNothing())
      .returning(['channel_type', 'value'])
      .execute();
    if (linked.length < wanted.length) {
      const taken = wanted.filter((w) => !linked.some((l) => l.channel_type === w.channelType && l.value === w.value));
      throw conflict('identifier already linked to another customer', { identifiers: taken });
    }
  });
  return getCustomer(db, id);
}

/**
 * Links an identifier to a customer (the admin path): linking it again is a no-op, one that belongs
 * to another customer is `conflict` (merge the customers instead). An email makes the customer known.
 */
export async function addIdentifier(db: Kysely<Database>, customerId: string, identifier: unknown): Promise<Customer> {
  const { channelType, value } = parseInput(CustomerIdentifier, identifier);
  const root = await rootCustomerId(db, customerId);
  if (!root) throw notFound('customer');
  await db
    .insertInto('customer_identifiers')
    .values({ channel_type: channelType, value, customer_id: root })
    .onConflict((oc) => oc.columns(['channel_type', 'value']).doNothing())
    .execute();
  const owner = await db
    .selectFrom('customer_identifiers')
    .select('customer_id')
    .where('channel_type', '=', channelType)
    .where('value', '=', value)
    .executeTakeFirstOrThrow();
  if (owner.customer_id !== root && (await rootCustomerId(db, owner.customer_id)) !== root) {
    throw conflict('identifier already linked to another customer', { customerId: owner.customer_id });
  }
  if (channelType === KNOWN_IDENTIFIER_TYPE) await db.updateTable('customers').set({ known: true }).where('id', '=', root).execute();
  return getCustomer(db, root);
}

function dedupe(ids: CustomerIdentifier[]): CustomerIdentifier[] {
  const seen = new Set<string>();
  return ids.filter((i) => {
    const k = `${i.channelType}\u0000${i.value}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

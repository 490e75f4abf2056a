import { randomUUID } from 'node:crypto';
import type { ColumnType, Kysely, Selectable } from 'kysely';
import { SubscriptionInput, SubscriptionPatch, type Subscription, type SubscriptionEvent, type WebhookDelivery } from '@conversation-hub/client-sdk/contract';
import { notFound } from '../domain/errors.js';
import { parseInput } from '../persistence/validate.js';
import { activeSecrets, newSecret, rotate, type SigningSecrets } from './secrets.js';

interface WebhookTables {
  webhook_subscriptions: { id: string; url: string; events: unknown; description: string | null; secrets: unknown; disabled: boolean; created_at: ColumnType<Date | string, string | undefined, never> };
  webhook_deliveries: {
    id: string;
    subscription_id: string | null;
    service_identifier: string | null;
    type: string;
    status: WebhookDelivery['status'];
    attempts: number;
    last_status_code: number | null;
    last_error: string | null;
    created_at: Date | string;
    updated_at: Date | string;
  };
  channels: { id: string; service_identifier: string; outbound_webhook_url: string | null; outbound_webhook_secrets: unknown };
}
type SubscriptionRow = Selectable<WebhookTables['webhook_subscriptions']>;

/** Where one delivery goes and what signs it, read afresh at each attempt (a rotation or a disable applies at once). */
export interface Endpoint {
  url: string;
  secrets: string[];
  disabled: boolean;
}

/** One attempt's outcome, kept for the admin API. */
export interface AttemptRecord {
  id: string;
  target: DeliveryTarget;
  type: string;
  status: WebhookDelivery['status'];
  attempts: number;
  statusCode?: number;
  error?: string;
}
export type DeliveryTarget = { subscriptionId: string } | { serviceIdentifier: string };

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();
const json = (v: unknown) => JSON.stringify(v);

function toSubscription(r: SubscriptionRow, secret?: string): Subscription {
  return {
    id: r.id,
    url: r.url,
    events: r.events as SubscriptionEvent[],
    ...(r.description !== null ? { description: r.description } : {}),
    disabled: r.disabled,
    createdAt: iso(r.created_at),
    ...(secret ? { secret } : {}),
  };
}

/** App subscriptions, channel endpoints' secrets and delivery records, in PGlite or Postgres alike (migrations/0010_webhooks.ts). */
export class WebhookStore {
  private readonly db: Kysely<WebhookTables>;
  constructor(db: Kysely<any>, private readonly now: () => number = Date.now) {
    this.db = db as Kysely<WebhookTables>;
  }

  /** The answer holds the secret, once. */
  async create(input: unknown): Promise<Subscription> {
    const v = parseInput(SubscriptionInput, input);
    const secret = newSecret();
    const row = await this.db
      .insertInto('webhook_subscriptions')
      .values({ id: randomUUID(), url: v.url, events: json([...new Set(v.events)]), description: v.description ?? null, secrets: json({ current: secret }), disabled: false })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSubscription(row, secret);
  }

  async list(): Promise<Subscription[]> {
    const rows = await this.db.selectFrom('webhook_subscriptions').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => toSubscription(r));
  }

  async get(id: string): Promise<Subscription> {
    return toSubscription(await this.row(id));
  }

  async update(id: string, patch: unknown): Promise<Subscription> {
    const v = parseInput(SubscriptionPatch, patch);
    await this.row(id);
    const row = await this.db
      .updateTable('webhook_subscriptions')
      .set({
        ...(v.url !== undefined ? { url: v.url } : {}),
        ...(v.events !== undefined ? { events: json([...new Set(v.events)]) } : {}),
        ...(v.description !== undefined ? { description: v.description } : {}),
        ...(v.disabled !== undefined ? { disabled: v.disabled } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSubscription(row);
  }

  async remove(id: string): Promise<void> {
    const r = await this.db.deleteFrom('webhook_subscriptions').where('id', '=', id).executeTakeFirst();
    if (r.numDeletedRows === 0n) throw notFound('subscription');
  }

  /** A new secret; the old one keeps signing for 24 hours. The answer holds the new secret, once. */
  async rotateSecret(id: string): Promise<Subscription> {
    const row = await this.row(id);
    const secret = newSecret();
    const secrets = rotate(row.secrets as SigningSecrets, secret, this.now());
    const updated = await this.db.updateTable('webhook_subscriptions').set({ secrets: json(secrets) }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    return toSubscription(updated, secret);
  }

  /** Enabled subscriptions, for the dispatcher's cache. */
  async active(): Promise<{ id: string; events: SubscriptionEvent[] }[]> {
    const rows = await this.db.selectFrom('webhook_subscriptions').select(['id', 'events']).where('disabled', '=', false).execute();
    return rows.map((r) => ({ id: r.id, events: r.events as SubscriptionEvent[] }));
  }

  async endpoint(target: DeliveryTarget): Promise<Endpoint | null> {
    const now = this.now();
    if ('subscriptionId' in target) {
      const r = await this.db.selectFrom('webhook_subscriptions').select(['url', 'secrets', 'disabled']).where('id', '=', target.subscriptionId).executeTakeFirst();
      return r ? { url: r.url, secrets: activeSecrets(r.secrets as SigningSecrets, now), disabled: r.disabled } : null;
    }
    const c = await this.db.selectFrom('channels').select(['outbound_webhook_url', 'outbound_webhook_secrets']).where('service_identifier', '=', target.serviceIdentifier).executeTakeFirst();
    if (!c?.outbound_webhook_url) return null;
    const secrets = c.outbound_webhook_secrets ? activeSecrets(c.outbound_webhook_secrets as SigningSecrets, now) : [];
    return { url: c.outbound_webhook_url, secrets, disabled: false };
  }

  /** An endpoint that answered 410 Gone: a subscription is disabled, a channel's URL removed. */
  async disable(target: DeliveryTarget): Promise<void> {
    if ('subscriptionId' in target) await this.db.updateTable('webhook_subscriptions').set({ disabled: true }).where('id', '=', target.subscriptionId).execute();
    else await this.db.updateTable('channels').set({ outbound_webhook_url: null }).where('service_identifier', '=', target.serviceIdentifier).execute();
  }

  async record(a: AttemptRecord): Promise<void> {
    const at = new Date(this.now()).toISOString();
    const values = {
      status: a.status,
      attempts: a.attempts,
      last_status_code: a.statusCode ?? null,
      last_error: a.error?.slice(0, 500) ?? null,
      updated_at: at,
    };
    const owner = 'subscriptionId' in a.target ? { subscription_id: a.target.subscriptionId, service_identifier: null } : { subscription_id: null, service_identifier: a.target.serviceIdentifier };
    await this.db
      .insertInto('webhook_deliveries')
      .values({ id: a.id, type: a.type, ...owner, ...values, created_at: at })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  }

  /** The newest deliveries of a subscription or a channel, newest first. */
  async deliveries(target: DeliveryTarget, limit: number): Promise<WebhookDelivery[]> {
    let q = this.db.selectFrom('webhook_deliveries').selectAll();
    q = 'subscriptionId' in target ? q.where('subscription_id', '=', target.subscriptionId) : q.where('service_identifier', '=', target.serviceIdentifier);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
    return rows.map((r) => ({
      id: r.id,
      type: r.type,
      status: r.status,
      attempts: r.attempts,
      ...(r.last_status_code !== null ? { lastStatusCode: r.last_status_code } : {}),
      ...(r.last_error !== null ? { lastError: r.last_error } : {}),
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
    }));
  }

  async serviceIdentifierOf(channelId: string): Promise<string> {
    const c = await this.db.selectFrom('channels').select('service_identifier').where('id', '=', channelId).executeTakeFirst();
    if (!c) throw notFound('channel');
    return c.service_identifier;
  }

  private async row(id: string): Promise<SubscriptionRow> {
    const row = await this.db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('subscription');
    return row;
  }
}

import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Signed webhooks (PROTOCOL.md §1.7.6): app subscriptions, each delivery's state for the admin API,
 * and a channel's `outboundWebhookUrl` secrets. Secrets are `{ current, previous?, previousUntil? }`.
 */
export const webhooks: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('webhook_subscriptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('events', 'jsonb', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('secrets', 'jsonb', (c) => c.notNull())
      .addColumn('disabled', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      // One of the two: an app subscription's, or a channel's connector.outbound.
      .addColumn('subscription_id', 'text', (c) => c.references('webhook_subscriptions.id').onDelete('cascade'))
      .addColumn('service_identifier', 'text')
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('last_status_code', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex('webhook_deliveries_subscription').on('webhook_deliveries').columns(['subscription_id', 'created_at']).execute();
    await db.schema.createIndex('webhook_deliveries_channel').on('webhook_deliveries').columns(['service_identifier', 'created_at']).execute();
    await db.schema.alterTable('channels').addColumn('outbound_webhook_secrets', 'jsonb').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('channels').dropColumn('outbound_webhook_secrets').execute();
    await db.schema.dropTable('webhook_deliveries').execute();
    await db.schema.dropTable('webhook_subscriptions').execute();
  },
};

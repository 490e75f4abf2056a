import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The built-in WhatsApp Cloud API connector (PROTOCOL.md §1.7.1): a channel's `connector` (secrets
 * included, never read back out), each customer's last inbound time (the 24-hour window), the
 * inbound message ids already taken (Meta redelivers), and the hub's sent message ids (statuses
 * name them) with the activity each carried.
 */
export const whatsapp: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('channels').addColumn('connector', 'jsonb').execute();
    await db.schema
      .createTable('whatsapp_windows')
      .addColumn('service_identifier', 'text', (c) => c.notNull())
      .addColumn('wa_id', 'text', (c) => c.notNull())
      .addColumn('last_inbound_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('whatsapp_windows_pk', ['service_identifier', 'wa_id'])
      .execute();
    await db.schema
      .createTable('whatsapp_inbound')
      .addColumn('wamid', 'text', (c) => c.primaryKey())
      .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createTable('whatsapp_sent')
      .addColumn('wamid', 'text', (c) => c.primaryKey())
      .addColumn('service_identifier', 'text', (c) => c.notNull())
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('whatsapp_sent').execute();
    await db.schema.dropTable('whatsapp_inbound').execute();
    await db.schema.dropTable('whatsapp_windows').execute();
    await db.schema.alterTable('channels').dropColumn('connector').execute();
  },
};

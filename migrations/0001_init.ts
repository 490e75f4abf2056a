import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The archive and admin tables. Unqualified names: on Postgres the connection's search_path picks
 * the schema, so the same migration serves PGlite, the default schema and per-test schemas.
 */
export const init: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('channel_types')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('channels')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('service_identifier', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      // restrict: a type in use cannot be deleted (the repository answers conflict)
      .addColumn('channel_type', 'text', (c) => c.notNull().references('channel_types.id').onDelete('restrict'))
      .addColumn('routing_mode', 'text', (c) => c.notNull().check(sql`routing_mode in ('push', 'pull')`))
      .addColumn('list_id', 'text')
      // the contract allows fractions of a second, so not integer
      .addColumn('customer_inactivity_timeout_seconds', 'double precision', (c) => c.notNull())
      .addColumn('offer_timeout_seconds', 'double precision', (c) => c.notNull())
      .addColumn('bot_id', 'text')
      .addColumn('wrap_up', 'jsonb', (c) => c.notNull())
      .addColumn('controller', 'jsonb', (c) => c.notNull())
      .addColumn('outbound_webhook_url', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();

    await db.schema
      .createTable('customers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text')
      .addColumn('known', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .addColumn('merged_into', 'text', (c) => c.references('customers.id'))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex('customers_merged_into_idx').on('customers').column('merged_into').execute();

    // channel_type is free text (email, phone are identifier kinds, not channel types): no fk
    await db.schema
      .createTable('customer_identifiers')
      .addColumn('channel_type', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('customer_identifiers_pk', ['channel_type', 'value'])
      .execute();
    await db.schema.createIndex('customer_identifiers_customer_idx').on('customer_identifiers').column('customer_id').execute();

    // No fk to customers: the archive must never fail on a customer row it did not write.
    await db.schema
      .createTable('conversations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('last_seq', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('closed_at', 'timestamptz')
      .execute();
    await db.schema.createIndex('conversations_customer_idx').on('conversations').columns(['customer_id', 'created_at']).execute();

    await db.schema
      .createTable('channel_sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('service_identifier', 'text', (c) => c.notNull())
      .addColumn('channel_type', 'text', (c) => c.notNull())
      .addColumn('channel_data', 'jsonb', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('opened_at', 'timestamptz', (c) => c.notNull())
      .addColumn('closed_at', 'timestamptz')
      .addColumn('close_reason', 'text')
      .execute();
    await db.schema.createIndex('channel_sessions_conversation_idx').on('channel_sessions').column('conversation_id').execute();

    await db.schema
      .createTable('participants')
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('participant_id', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('joined_at', 'timestamptz', (c) => c.notNull())
      .addColumn('left_at', 'timestamptz')
      .addPrimaryKeyConstraint('participants_pk', ['conversation_id', 'participant_id'])
      .execute();

    await db.schema
      .createTable('activities')
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('visibility', 'text', (c) => c.notNull())
      .addColumn('from_id', 'text', (c) => c.notNull())
      .addColumn('from_role', 'text', (c) => c.notNull())
      .addColumn('from_name', 'text')
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .addColumn('client_message_id', 'text')
      .addColumn('channel_session_id', 'text')
      .addColumn('payload', 'jsonb', (c) => c.notNull())
      .addPrimaryKeyConstraint('activities_pk', ['conversation_id', 'seq'])
      .execute();

    // The reporting table; handle time is derived so it can never disagree with the timestamps.
    await db.schema
      .createTable('agent_tasks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('agent_id', 'text')
      .addColumn('list_id', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('offered_at', 'timestamptz')
      .addColumn('accepted_at', 'timestamptz')
      .addColumn('closed_at', 'timestamptz')
      .addColumn('handle_time_seconds', 'double precision', (c) =>
        c.generatedAlwaysAs(sql`extract(epoch from (closed_at - accepted_at))::double precision`).stored(),
      )
      .execute();
    await db.schema.createIndex('agent_tasks_conversation_idx').on('agent_tasks').column('conversation_id').execute();
    await db.schema.createIndex('agent_tasks_agent_idx').on('agent_tasks').columns(['agent_id', 'created_at']).execute();

    await db.schema
      .createTable('wrap_ups')
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('agent_id', 'text', (c) => c.notNull())
      .addColumn('codes', 'jsonb', (c) => c.notNull())
      .addColumn('note', 'text')
      .addColumn('submitted_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('wrap_ups_pk', ['conversation_id', 'agent_id'])
      .execute();
  },

  async down(db: Kysely<any>) {
    // children before parents
    for (const table of [
      'wrap_ups',
      'agent_tasks',
      'activities',
      'participants',
      'channel_sessions',
      'conversations',
      'customer_identifiers',
      'customers',
      'channels',
      'channel_types',
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};

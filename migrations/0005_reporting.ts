import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Reporting as it happens (issue 12; server/reporting/): the task's reason, channel and skills on
 * `agent_tasks`, every offer with its outcome, and every agent state change. Rows come from the
 * report outbox and may arrive twice or out of order, so each has a natural key to be idempotent on.
 */
export const reporting: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('agent_tasks')
      .addColumn('reason', 'text')
      .addColumn('channel_id', 'text')
      .addColumn('required_skills', 'jsonb')
      .execute();
    // The report queries select tasks by creation time.
    await db.schema.createIndex('agent_tasks_created_idx').on('agent_tasks').column('created_at').execute();

    await db.schema
      .createTable('task_offers')
      .addColumn('task_id', 'text', (c) => c.notNull())
      .addColumn('agent_id', 'text', (c) => c.notNull())
      .addColumn('offered_at', 'timestamptz', (c) => c.notNull())
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('list_id', 'text')
      .addColumn('channel_id', 'text')
      .addColumn('outcome', 'text', (c) => c.check(sql`outcome in ('accepted', 'rejected', 'expired', 'revoked')`))
      .addColumn('ended_at', 'timestamptz')
      // How long the offer was open: the agent's time to answer when accepted or rejected.
      .addColumn('answer_seconds', 'double precision', (c) => c.generatedAlwaysAs(sql`extract(epoch from (ended_at - offered_at))::double precision`).stored())
      .addPrimaryKeyConstraint('task_offers_pk', ['task_id', 'agent_id', 'offered_at'])
      .execute();
    await db.schema.createIndex('task_offers_offered_idx').on('task_offers').column('offered_at').execute();
    await db.schema.createIndex('task_offers_agent_idx').on('task_offers').columns(['agent_id', 'offered_at']).execute();

    await db.schema
      .createTable('agent_states')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('agent_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('agent_states_at_idx').on('agent_states').column('at').execute();
    await db.schema.createIndex('agent_states_agent_idx').on('agent_states').columns(['agent_id', 'at']).execute();
  },

  async down(db: Kysely<any>) {
    await db.schema.dropTable('agent_states').ifExists().execute();
    await db.schema.dropTable('task_offers').ifExists().execute();
    await db.schema.dropIndex('agent_tasks_created_idx').ifExists().execute();
    await db.schema.alterTable('agent_tasks').dropColumn('required_skills').dropColumn('channel_id').dropColumn('reason').execute();
  },
};

import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * A channel's routing settings (PROTOCOL.md §1.5): the skills its tasks need, how soon a task every
 * agent refused is offered again, its queue limits and its business hours (both absent: no limit,
 * always open).
 */
export const channelRouting: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('channels')
      .addColumn('required_skills', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
      .addColumn('offer_retry_seconds', 'double precision', (c) => c.notNull().defaultTo(30))
      .addColumn('queue', 'jsonb')
      .addColumn('business_hours', 'jsonb')
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('channels').dropColumn('business_hours').dropColumn('queue').dropColumn('offer_retry_seconds').dropColumn('required_skills').execute();
  },
};

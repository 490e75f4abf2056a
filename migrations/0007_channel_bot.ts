import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** A channel's hub-run bot (PROTOCOL.md §1.6) and how long its answer is waited for. */
export const channelBot: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('channels')
      .addColumn('bot', 'jsonb')
      .addColumn('bot_timeout_seconds', 'double precision', (c) => c.notNull().defaultTo(5))
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('channels').dropColumn('bot_timeout_seconds').dropColumn('bot').execute();
  },
};

import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** The apps a channel lets join its conversations (PROTOCOL.md §3.2, the authorization policy's `channel-app`). */
export const channelApps: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('channels')
      .addColumn('apps', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('channels').dropColumn('apps').execute();
  },
};

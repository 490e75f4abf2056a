import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** The archived conversation keeps its data (`conversation.data.set`, PROTOCOL.md §1.7.4). */
export const conversationData: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('conversations').addColumn('data', 'jsonb').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('conversations').dropColumn('data').execute();
  },
};

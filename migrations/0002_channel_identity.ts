import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Verified webchat customers (PROTOCOL.md §2.2): a channel's identity rule and the HS256 secret a
 * website signs identity tokens with. The secret is write-only in the API (reads show
 * `identitySecretSet`); it is kept as given because verifying a signature needs it.
 */
export const channelIdentity: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('channels')
      .addColumn('identity', 'text', (c) => c.notNull().defaultTo('optional').check(sql`identity in ('optional', 'required')`))
      .execute();
    await db.schema.alterTable('channels').addColumn('identity_secret', 'text').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('channels').dropColumn('identity_secret').execute();
    await db.schema.alterTable('channels').dropColumn('identity').execute();
  },
};

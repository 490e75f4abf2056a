import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Accounts (agents, supervisors, admins) and their refresh tokens (PROTOCOL.md §2.3). A password
 * is kept only as a scrypt hash with its salt and parameters (`scrypt$N$r$p$salt$hash`); a refresh
 * token only as its SHA-256. `oidc_sub` links a user to the organisation's identity provider.
 */
export const users: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('username', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('agent', 'supervisor', 'admin')`))
      .addColumn('lists', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
      .addColumn('skills', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
      .addColumn('capacity', 'integer')
      // null: no password of the hub's (a single sign-on user)
      .addColumn('password_hash', 'text')
      .addColumn('disabled', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('oidc_sub', 'text', (c) => c.unique())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();

    await db.schema
      .createTable('refresh_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      // every token rotated from one login shares its family: reuse of a spent one revokes them all
      .addColumn('family', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('spent_at', 'timestamptz')
      .addColumn('revoked_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex('refresh_tokens_user_idx').on('refresh_tokens').column('user_id').execute();
    await db.schema.createIndex('refresh_tokens_family_idx').on('refresh_tokens').column('family').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('refresh_tokens').execute();
    await db.schema.dropTable('users').execute();
  },
};

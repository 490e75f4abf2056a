import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Attachments (PROTOCOL.md §1.7.5): who uploaded what into which conversation, so downloads can
 * be authorized; and the bytes themselves for the Postgres blob store (cluster mode without S3).
 */
export const attachments: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('attachments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('uploader_id', 'text', (c) => c.notNull())
      .addColumn('uploader_role', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('mime_type', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex('attachments_conversation').on('attachments').column('conversation_id').execute();
    await db.schema
      .createTable('attachment_blobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('mime_type', 'text', (c) => c.notNull())
      .addColumn('bytes', 'bytea', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('attachment_blobs').execute();
    await db.schema.dropTable('attachments').execute();
  },
};

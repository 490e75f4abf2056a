import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { assertBlobId, type BlobStore } from './blob-store.js';

interface BlobTables {
  attachment_blobs: { id: string; mime_type: string; bytes: Uint8Array };
}

/** Cluster mode's blobs without S3: a bytea row each (migrations/0009_attachments.ts); PGlite works too. */
export class PostgresBlobStore implements BlobStore {
  private readonly db: Kysely<BlobTables>;
  constructor(db: Kysely<any>) {
    this.db = db as Kysely<BlobTables>;
  }

  async put(id: string, bytes: Buffer, meta: { mimeType: string }): Promise<void> {
    assertBlobId(id);
    await this.db
      .insertInto('attachment_blobs')
      .values({ id, mime_type: meta.mimeType, bytes })
      .onConflict((oc) => oc.column('id').doUpdateSet({ mime_type: meta.mimeType, bytes }))
      .execute();
  }

  async get(id: string) {
    assertBlobId(id);
    const row = await this.db.selectFrom('attachment_blobs').select(['mime_type', 'bytes']).where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const bytes = Buffer.from(row.bytes);
    return { stream: Readable.from([bytes]), meta: { mimeType: row.mime_type, size: bytes.length } };
  }

  async delete(id: string): Promise<void> {
    assertBlobId(id);
    await this.db.deleteFrom('attachment_blobs').where('id', '=', id).execute();
  }
}

import type { Kysely } from 'kysely';

/** One uploaded file's record (migrations/0009_attachments.ts): enough to authorize its download. */
export interface AttachmentRecord {
  id: string;
  conversationId: string;
  uploaderId: string;
  uploaderRole: string;
  name: string;
  mimeType: string;
  size: number;
}

interface MetaTables {
  attachments: { id: string; conversation_id: string; uploader_id: string; uploader_role: string; name: string; mime_type: string; size: number | string | bigint };
}

/** The attachments table, in PGlite or Postgres alike. */
export class AttachmentRecords {
  private readonly db: Kysely<MetaTables>;
  constructor(db: Kysely<any>) {
    this.db = db as Kysely<MetaTables>;
  }

  async insert(r: AttachmentRecord): Promise<void> {
    await this.db
      .insertInto('attachments')
      .values({ id: r.id, conversation_id: r.conversationId, uploader_id: r.uploaderId, uploader_role: r.uploaderRole, name: r.name, mime_type: r.mimeType, size: r.size })
      .execute();
  }

  async find(id: string): Promise<AttachmentRecord | null> {
    const row = await this.db.selectFrom('attachments').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    return { id: row.id, conversationId: row.conversation_id, uploaderId: row.uploader_id, uploaderRole: row.uploader_role, name: row.name, mimeType: row.mime_type, size: Number(row.size) };
  }
}

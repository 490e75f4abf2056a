import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { ErrorCode, Id, type StoredAttachment } from '@conversation-hub/client-sdk/contract';
import type { Actor, Tokens } from '../auth/tokens.js';
import { forbidden, HubError, notFound, parseWith, unauthorized } from '../domain/errors.js';
import { isJoinable } from '../domain/conversation-state.js';
import type { Hub } from '../engine/hub.js';
import type { ConversationStore } from '../ports.js';
import { bearer } from '../transport/http/auth.js';
import { BLOB_ID, type BlobStore } from './blob-store.js';
import type { AttachmentRecords } from './metadata.js';
import { safeFileName } from './names.js';
import type { AttachmentLinks } from './signed-links.js';
import { isImage, sniff } from './sniff.js';
import { parseUpload } from './upload.js';

/*
 * POST /api/attachments and GET /api/attachments/:id[/:name] (PROTOCOL.md §1.7.5, §6). A raw
 * router rather than a route table entry: the table parses JSON bodies and answers JSON, and these
 * read multipart and answer bytes. Their OpenAPI entries are in attachment-docs.ts.
 */

export interface AttachmentDeps {
  hub: Hub;
  tokens: Tokens;
  store: ConversationStore;
  blobs: BlobStore;
  records: AttachmentRecords;
  maxBytes: number;
  /** HUB_PUBLIC_URL: the origin of download URLs; unset: the request's own. */
  publicUrl?: string;
  /** Signed download links (for providers such as Meta); absent, every download needs a token. */
  links?: AttachmentLinks;
}

const UploadTarget = z.object({ conversationId: Id.optional() });

export function attachmentRoutes(d: AttachmentDeps): Router {
  const router = Router();

  router.post('/api/attachments', async (req, res) => {
    const actor = await caller(d, req);
    if (actor.role === 'connector') throw forbidden('connectors send their files as URLs');
    const upload = await parseUpload(req, d.maxBytes);
    const { conversationId: asked } = parseWith(UploadTarget, { conversationId: req.query.conversationId ?? upload.fields.conversationId });
    const conversationId = await uploadTarget(d, actor, asked);
    const sniffed = sniff(upload.bytes);
    if (!sniffed.ok) throw new HubError(ErrorCode.UnsupportedMediaType, `file: ${sniffed.reason}`, { field: 'file' });
    const id = `att_${randomBytes(16).toString('hex')}`;
    const name = safeFileName(upload.fileName);
    await d.blobs.put(id, upload.bytes, { mimeType: sniffed.mimeType });
    await d.records.insert({ id, conversationId, uploaderId: actor.id, uploaderRole: actor.role, name, mimeType: sniffed.mimeType, size: upload.bytes.length });
    const origin = d.publicUrl ? new URL(d.publicUrl).origin : `${req.protocol}://${req.get('host')}`;
    const answer: StoredAttachment = { id, url: `${origin}/api/attachments/${id}/${encodeURIComponent(name)}`, name, mimeType: sniffed.mimeType, size: upload.bytes.length };
    res.status(201).json(answer);
  });

  router.get(['/api/attachments/:id', '/api/attachments/:id/:name'], async (req, res) => {
    const id = String(req.params.id);
    // A signed link (a provider fetching a file the hub sends, signed-links.ts) stands for a token.
    const signed = req.query.sig !== undefined && d.links?.verify(id, req.query, Date.now()) === true;
    const actor = signed ? null : await caller(d, req);
    const record = BLOB_ID.test(id) ? await d.records.find(id) : null;
    if (!record) throw notFound('attachment');
    // Strangers learn nothing: not theirs answers as if it did not exist.
    if (actor) {
      await d.hub.reads.since(actor, { conversationId: record.conversationId, afterSeq: Number.MAX_SAFE_INTEGER, limit: 1 }).catch((err: unknown) => {
        throw err instanceof HubError && (err.code === ErrorCode.NotFound || err.code === ErrorCode.Forbidden) ? notFound('attachment') : err;
      });
    }
    const blob = await d.blobs.get(id);
    if (!blob) throw notFound('attachment');
    res.setHeader('Content-Type', record.mimeType === 'text/plain' ? 'text/plain; charset=utf-8' : record.mimeType);
    res.setHeader('Content-Length', String(blob.meta.size));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.setHeader('Content-Disposition', `${isImage(record.mimeType) ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(record.name)}`);
    await pipeline(blob.stream, res);
  });

  return router;
}

async function caller(d: AttachmentDeps, req: Request): Promise<Actor> {
  const token = bearer(req);
  const actor = token ? await d.tokens.verify(token) : null;
  if (!actor) throw unauthorized('Authorization: Bearer <token> of a customer or participant is required');
  return actor;
}

/** The live conversation the uploader may post in: a customer's own (its open one by default), anyone else's as a participant. */
async function uploadTarget(d: AttachmentDeps, actor: Actor, asked: string | undefined): Promise<string> {
  if (actor.role === 'customer') {
    const id = asked ?? (await d.store.openConversationOf(actor.id));
    const stored = id ? await d.store.get(id) : null;
    if (!id || !stored || stored.doc.customerId !== actor.id || !isJoinable(stored.doc.state)) throw notFound('conversation');
    return id;
  }
  if (!asked) throw new HubError(ErrorCode.BadRequest, 'conversationId: required', { field: 'conversationId' });
  await d.hub.reads.requireParticipant(asked, actor.id);
  return asked;
}

import { z } from 'zod';
import { documented, type HttpRoute } from '../transport/http/route-table.js';

/*
 * The OpenAPI entries of the attachment routes (routes.ts serves them: a multipart body and a
 * byte answer are what the route tables cannot express, so they are documented here, not served).
 */

const StoredAttachmentSchema = z.object({
  id: z.string().meta({ description: 'Put in the message’s attachment as `id`' }),
  url: z.string().meta({ description: 'The hub’s download URL' }),
  name: z.string(),
  mimeType: z.string().meta({ description: 'Sniffed from the bytes' }),
  size: z.number().int(),
});

const AttachmentId = z.object({ id: z.string().regex(/^att_[0-9a-f]{32}$/) });

export const attachmentRouteDocs: HttpRoute<never>[] = [
  documented({
    servedBy: 'server/attachments/routes.ts', method: 'post', path: '/api/attachments', operationId: 'uploadAttachment', tag: 'attachments', auth: 'none',
    summary: 'Store a file for a message (PROTOCOL.md §1.7.5)',
    description: '`Authorization: Bearer <token>` of a customer (its own live conversation) or a participant. Body: `multipart/form-data` with one part `file`; the conversation is the field or query `conversationId` (a customer’s open one by default). At most `HUB_ATTACHMENT_MAX_BYTES` (`413 too_large`, `details.field: file`); PNG, JPEG, GIF, WebP, PDF or plain UTF-8 text, sniffed from the bytes (`415 unsupported_media_type`).',
    ok: { status: 201, description: 'Stored: send it as one of a message’s attachments', schema: StoredAttachmentSchema },
    errors: ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'too_large', 'unsupported_media_type'],
  }),
  documented({
    servedBy: 'server/attachments/routes.ts', method: 'get', path: '/api/attachments/:id', operationId: 'downloadAttachment', tag: 'attachments', auth: 'none',
    summary: 'A stored file, for a token that may see its conversation',
    description: '`Authorization: Bearer <token>`: the conversation’s customer, or staff who are or were in it (archived conversations too). `/api/attachments/:id/:name` answers the same. Served with the sniffed type, `nosniff`, a sandboxing CSP, `Cache-Control: private`, `Content-Disposition: attachment` for non-images.',
    params: AttachmentId as never,
    ok: { status: 200, description: 'The bytes', schema: z.string().meta({ format: 'binary' }), contentType: 'application/octet-stream' },
    errors: ['unauthorized', 'not_found'],
  }),
];

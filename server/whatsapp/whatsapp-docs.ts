import { z } from 'zod';
import { documented, type HttpRoute } from '../transport/http/route-table.js';

/** The OpenAPI entries of Meta's webhook (routes.ts serves it: a signature over the raw body is what the route tables cannot express). */
const PATH = '/api/channels/:serviceIdentifier/whatsapp/webhook';

export const whatsappRouteDocs: HttpRoute<never>[] = [
  documented({
    servedBy: 'server/whatsapp/routes.ts', method: 'get', path: PATH, operationId: 'whatsappVerify', tag: 'connectors', auth: 'none',
    summary: 'Meta’s webhook verification for a channel with the WhatsApp Cloud API connector',
    description: '`hub.mode=subscribe`, `hub.verify_token` (the connector’s `verifyToken`) and `hub.challenge`: answers the challenge as text; `401` when the token is wrong, `404` when the channel has no connector.',
    ok: { status: 200, description: 'The challenge', schema: z.string(), contentType: 'text/plain' },
    errors: ['unauthorized', 'not_found'],
  }),
  documented({
    servedBy: 'server/whatsapp/routes.ts', method: 'post', path: PATH, operationId: 'whatsappWebhook', tag: 'connectors', auth: 'none',
    summary: 'Meta’s webhook: customers’ messages and the statuses of the hub’s messages',
    description: 'Signed by Meta: `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app secret>` (`401` when missing or wrong). `entry[].changes[].value.messages[]` become customer messages (each message id once), `statuses[]` receipts. `400` for a body that is not Meta’s shape; `500` lets Meta redeliver.',
    ok: { status: 200, description: 'Taken', schema: z.object({ ok: z.literal(true), messages: z.number().meta({ description: 'Customer messages taken (a redelivery counts 0)' }), statuses: z.number(), receipts: z.number().meta({ description: 'Statuses that moved a receipt (a status of a message the hub does not know moves none)' }) }) },
    errors: ['bad_request', 'unauthorized', 'not_found'],
  }),
];

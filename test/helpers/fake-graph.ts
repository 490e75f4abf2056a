import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { waitFor } from './wait.js';

/** One `POST /{version}/{phoneNumberId}/messages` the fake took, with what it answered. */
export interface GraphRequest {
  path: string;
  auth: string | undefined;
  body: any;
  status: number;
  response: any;
}

/**
 * Meta's Graph API, as far as the hub's WhatsApp connector uses it, on 127.0.0.1 port 0: messages
 * (bearer token checked; failures scripted with `failNext`, in Meta's error shape) and media (the
 * id's URL, then the bytes, both behind the bearer token).
 */
export async function startFakeGraph(opts: { accessToken: string; version?: string }) {
  const version = opts.version ?? 'v21.0';
  const requests: GraphRequest[] = [];
  const listeners = new Set<(r: GraphRequest) => void>();
  const failures: { status: number; headers: Record<string, string> }[] = [];
  const media = new Map<string, { bytes: Buffer; mimeType: string }>();
  let baseUrl = '';

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    return body;
  };
  const metaError = (status: number) => {
    const known: Record<number, { message: string; type: string; code: number }> = {
      401: { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190 },
      404: { message: 'Unsupported get request. Object does not exist', type: 'GraphMethodException', code: 100 },
      429: { message: '(#80007) Rate limit hit', type: 'OAuthException', code: 80007 },
    };
    const e = known[status] ?? { message: 'An unknown error occurred', type: 'OAuthException', code: 1 };
    return { error: { ...e, fbtrace_id: randomBytes(8).toString('hex') } };
  };
  const authorized = (req: IncomingMessage) => req.headers.authorization === `Bearer ${opts.accessToken}`;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      if (!authorized(req)) return void json(res, 401, metaError(401));
      const bytes = path.match(/^\/media-bytes\/([^/]+)$/);
      if (req.method === 'GET' && bytes) {
        const m = media.get(decodeURIComponent(bytes[1]!));
        if (!m) return void json(res, 404, metaError(404));
        return void res.writeHead(200, { 'content-type': m.mimeType, 'content-length': String(m.bytes.length) }).end(m.bytes);
      }
      const mediaInfo = path.match(new RegExp(`^/${version}/([^/]+)$`));
      if (req.method === 'GET' && mediaInfo) {
        const id = decodeURIComponent(mediaInfo[1]!);
        const m = media.get(id);
        if (!m) return void json(res, 404, metaError(404));
        return void json(res, 200, { messaging_product: 'whatsapp', url: `${baseUrl}/media-bytes/${encodeURIComponent(id)}`, mime_type: m.mimeType, sha256: 'x', file_size: m.bytes.length, id });
      }
      if (req.method === 'POST' && new RegExp(`^/${version}/[0-9]+/messages$`).test(path)) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
        const failure = failures.shift();
        if (failure) return void json(res, failure.status, metaError(failure.status), failure.headers);
        const response = { messaging_product: 'whatsapp', contacts: [{ input: body?.to, wa_id: body?.to }], messages: [{ id: `wamid.${randomBytes(12).toString('base64url')}` }] };
        json(res, 200, response);
        const r: GraphRequest = { path, auth: req.headers.authorization, body, status: 200, response };
        requests.push(r);
        for (const fn of listeners) fn(r);
        return;
      }
      json(res, 404, metaError(404));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    baseUrl,
    requests,
    media,
    /** The next `times` message sends answer `status` (Meta's error body), before any is taken. */
    failNext(status: number, times = 1, headers: Record<string, string> = {}) {
      for (let i = 0; i < times; i++) failures.push({ status, headers });
    },
    /** The first taken message (past or future) that `match` accepts. */
    waitFor(match: (r: GraphRequest) => boolean, ms = 10_000): Promise<GraphRequest> {
      const seen = requests.find(match);
      if (seen) return Promise.resolve(seen);
      return waitFor<GraphRequest>((fn) => (listeners.add(fn), () => listeners.delete(fn)), match, ms, 'Graph API message');
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** POSTs Meta's webhook body to the hub, signed as Meta signs (`X-Hub-Signature-256`), or wrongly. */
export function signedPost(url: string, body: unknown, appSecret: string, opts: { badSignature?: boolean } = {}): Promise<Response> {
  const raw = JSON.stringify(body);
  const mac = createHmac('sha256', opts.badSignature ? `${appSecret}-wrong` : appSecret).update(raw).digest('hex');
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${mac}` }, body: raw });
}

// Webhook bodies in the documented shapes (developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples).
const envelope = (phoneNumberId: string, value: Record<string, unknown>) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId }, ...value } }] }],
});
const seconds = (t?: number) => String(t ?? Math.floor(Date.now() / 1000));

export function inboundTextPayload(m: { phoneNumberId: string; from: string; name: string; id: string; text: string; timestamp?: number }) {
  return envelope(m.phoneNumberId, {
    contacts: [{ profile: { name: m.name }, wa_id: m.from }],
    messages: [{ from: m.from, id: m.id, timestamp: seconds(m.timestamp), text: { body: m.text }, type: 'text' }],
  });
}

export function inboundImagePayload(m: { phoneNumberId: string; from: string; name: string; id: string; mediaId: string; mimeType: string; caption?: string }) {
  return envelope(m.phoneNumberId, {
    contacts: [{ profile: { name: m.name }, wa_id: m.from }],
    messages: [{ from: m.from, id: m.id, timestamp: seconds(), type: 'image', image: { ...(m.caption ? { caption: m.caption } : {}), mime_type: m.mimeType, sha256: 'x', id: m.mediaId } }],
  });
}

export function statusPayload(s: { phoneNumberId: string; recipientId: string; id: string; status: 'sent' | 'delivered' | 'read' | 'failed'; timestamp?: number }) {
  return envelope(s.phoneNumberId, {
    statuses: [
      {
        id: s.id,
        status: s.status,
        timestamp: seconds(s.timestamp),
        recipient_id: s.recipientId,
        ...(s.status === 'failed' ? { errors: [{ code: 131047, title: 'Re-engagement message' }] } : { conversation: { id: 'c1', origin: { type: 'service' } }, pricing: { billable: true, pricing_model: 'CBP', category: 'service' } }),
      },
    ],
  });
}

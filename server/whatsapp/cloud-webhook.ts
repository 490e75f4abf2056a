import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** Meta's WhatsApp Cloud API webhooks: signature, GET verification, and the body mapped to what the hub keeps. Pure. */

export type WaMediaKind = 'image' | 'document' | 'audio' | 'video' | 'sticker';
export type WaInbound = {
  id: string; // wamid
  phoneNumberId: string;
  from: string;
  name?: string;
  timestamp: number; // ms
  text: string; // never empty
  media?: { mediaId: string; mimeType: string; filename?: string; kind: WaMediaKind };
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  replyPayload?: string;
};
export type WaStatus = {
  id: string; // wamid of the business's outbound message
  phoneNumberId: string;
  recipientId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  timestamp: number; // ms
  error?: { code: number; title: string };
};

export const MAX_INBOUND_TEXT = 4000;

/** `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`; anything missing or malformed is false. */
export function verifySignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  if (typeof header !== 'string' || !appSecret) return false;
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!m) return false;
  const given = Buffer.from(m[1]!.toLowerCase(), 'hex');
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Meta's subscription check (GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…): the challenge to echo, or null. */
export function verifyChallenge(query: Record<string, unknown>, verifyToken: string): string | null {
  const mode = query['hub.mode'];
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (mode !== 'subscribe' || typeof token !== 'string' || typeof challenge !== 'string' || !verifyToken) return null;
  if (!challenge || challenge.length > 200) return null;
  return sameSecret(token, verifyToken) ? challenge : null;
}

// Lone surrogates and NUL are refused by the hub's schemas; replace rather than drop the message.
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
export function clean(s: string): string {
  return s.replace(UNSAFE, '\uFFFD');
}
/** Cut to `max` UTF-16 units without splitting a surrogate pair (which would leave a lone half). */
export function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
const text = (s: string) => cut(clean(s), MAX_INBOUND_TEXT);
const opt = (s: string | undefined) => (s === undefined ? undefined : clean(s));

// Meta sends unix seconds as a string; numbers are accepted too.
const seconds = z.union([z.string().regex(/^\d{1,12}$/), z.number().int().nonnegative()]).transform((v) => Number(v) * 1000);
const mediaSchema = z.object({ id: z.string().min(1), mime_type: z.string(), sha256: z.string().optional(), caption: z.string().optional(), filename: z.string().optional() });
const replySchema = z.object({ id: z.string(), title: z.string() });
// Only what every message has; the part named by `type` is read on its own, so one odd message is marked unsupported, not fatal.
const messageSchema = z.object({ id: z.string().min(1), from: z.string().min(1), timestamp: seconds, type: z.string() }).catchall(z.unknown());
const parts = {
  text: z.object({ body: z.string() }),
  location: z.object({ latitude: z.number(), longitude: z.number(), name: z.string().optional(), address: z.string().optional() }),
  interactive: z.object({ type: z.string(), button_reply: replySchema.optional(), list_reply: replySchema.optional() }),
  button: z.object({ payload: z.string(), text: z.string() }),
};
const part = <T extends z.ZodType>(schema: T, v: unknown): z.infer<T> | undefined => schema.safeParse(v).data;
const errorsSchema = z.array(z.object({ code: z.number(), title: z.string() }));
const statusSchema = z.object({ id: z.string().min(1), recipient_id: z.string(), status: z.string(), timestamp: seconds, errors: errorsSchema.optional() });
const valueSchema = z.object({
  messaging_product: z.literal('whatsapp'),
  metadata: z.object({ display_phone_number: z.string(), phone_number_id: z.string().min(1) }),
  contacts: z.array(z.object({ profile: z.object({ name: z.string() }).optional(), wa_id: z.string() })).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});
const bodySchema = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(z.object({ id: z.string(), changes: z.array(z.object({ field: z.string(), value: z.unknown() })) })),
});

const MEDIA_KINDS: readonly WaMediaKind[] = ['image', 'document', 'audio', 'video', 'sticker'];
const STATUSES = new Set(['sent', 'delivered', 'read', 'failed']);

function mapMessage(m: z.infer<typeof messageSchema>, phoneNumberId: string, name: string | undefined): WaInbound {
  const base = { id: clean(m.id), phoneNumberId, from: clean(m.from), ...(name !== undefined && { name }), timestamp: m.timestamp };
  const unsupported = { ...base, text: text(`[unsupported message: ${m.type}]`) };
  if (m.type === 'text') {
    const body = part(parts.text, m.text)?.body;
    return body?.trim() ? { ...base, text: text(body) } : unsupported;
  }
  if ((MEDIA_KINDS as readonly string[]).includes(m.type)) {
    const kind = m.type as WaMediaKind;
    const media = part(mediaSchema, m[kind]);
    if (!media) return unsupported;
    const filename = opt(media.filename);
    const label = media.caption?.trim() ? media.caption : filename?.trim() ? filename : `[${kind}]`;
    return { ...base, text: text(label), media: { mediaId: clean(media.id), mimeType: clean(media.mime_type), ...(filename !== undefined && { filename }), kind } };
  }
  const loc = m.type === 'location' ? part(parts.location, m.location) : undefined;
  if (loc) {
    const { latitude, longitude } = loc;
    const name = opt(loc.name);
    const address = opt(loc.address);
    const label = [name, address].filter((s) => s?.trim()).join(', ');
    const location = { latitude, longitude, ...(name !== undefined && { name }), ...(address !== undefined && { address }) };
    return { ...base, text: text(`📍 ${label ? `${label} ` : ''}(${latitude}, ${longitude})`), location };
  }
  const i = m.type === 'interactive' ? part(parts.interactive, m.interactive) : undefined;
  const reply = i?.type === 'button_reply' ? i.button_reply : i?.type === 'list_reply' ? i.list_reply : undefined;
  const button = m.type === 'button' ? part(parts.button, m.button) : undefined;
  const r = reply ? { title: reply.title, payload: reply.id } : button ? { title: button.text, payload: button.payload } : undefined;
  if (r) return { ...base, text: r.title.trim() ? text(r.title) : '[reply]', replyPayload: clean(r.payload) };
  return unsupported;
}

/**
 * A webhook body mapped to inbound messages and delivery statuses. Throws for a body that is not Meta's shape at all;
 * changes of other fields, statuses the hub has no use for, and messages it cannot read are skipped or marked unsupported.
 */
export function parseWebhook(body: unknown): { messages: WaInbound[]; statuses: WaStatus[] } {
  const parsed = bodySchema.safeParse(body);
  if (!parsed.success) throw new Error(`not a WhatsApp Cloud API webhook body: ${z.prettifyError(parsed.error)}`);
  const messages: WaInbound[] = [];
  const statuses: WaStatus[] = [];
  for (const entry of parsed.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== 'messages') continue;
      const value = valueSchema.safeParse(change.value);
      if (!value.success) throw new Error(`not a WhatsApp Cloud API messages change: ${z.prettifyError(value.error)}`);
      const phoneNumberId = clean(value.data.metadata.phone_number_id);
      const names = new Map((value.data.contacts ?? []).flatMap((c) => (c.profile ? [[c.wa_id, clean(c.profile.name)] as const] : [])));
      for (const raw of value.data.messages ?? []) {
        const m = messageSchema.safeParse(raw);
        if (!m.success) throw new Error(`not a WhatsApp Cloud API message: ${z.prettifyError(m.error)}`);
        messages.push(mapMessage(m.data, phoneNumberId, names.get(m.data.from)));
      }
      for (const raw of value.data.statuses ?? []) {
        const s = statusSchema.safeParse(raw);
        if (!s.success) throw new Error(`not a WhatsApp Cloud API status: ${z.prettifyError(s.error)}`);
        if (!STATUSES.has(s.data.status)) continue;
        const { id, recipient_id, status, timestamp, errors } = s.data;
        const error = errors?.[0] && { code: errors[0].code, title: clean(errors[0].title) };
        statuses.push({ id: clean(id), phoneNumberId, recipientId: clean(recipient_id), status: status as WaStatus['status'], timestamp, ...(error && { error }) });
      }
    }
  }
  return { messages, statuses };
}

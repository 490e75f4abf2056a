import { HttpUrl, Limits, type Attachment, type QuickReply } from '@conversation-hub/client-sdk/contract';
import type { BotReply } from './bot-connector.js';

/*
 * What every bot connector does with a third party's answer: clean it to what the contract accepts
 * (NUL and lone surrogates dropped, lengths truncated, bad URLs dropped) instead of failing the turn.
 */

export type Message = BotReply['messages'][number];

const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
export const QUICK_REPLIES_MAX = 10;

/** `s` without NUL or lone surrogates, cut to `max` code units without splitting a surrogate pair. */
export function safeText(s: string, max: number = Limits.textMax): string {
  let out = s.replace(/\u0000/g, '').replace(LONE_SURROGATES, '');
  if (out.length > max) {
    const cut = /[\uD800-\uDBFF]/.test(out.charAt(max - 1)) ? max - 1 : max;
    out = out.slice(0, cut);
  }
  return out;
}

/** A safe, non-empty string of at most `max`, or undefined. */
export function nonEmpty(v: unknown, max: number): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = safeText(v, max).trim();
  return s === '' ? undefined : s;
}

const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', svg: 'image/svg+xml', bmp: 'image/bmp', avif: 'image/avif' };
const FILE_TYPES: Record<string, string> = { pdf: 'application/pdf', txt: 'text/plain', csv: 'text/csv', json: 'application/json', mp3: 'audio/mpeg', mp4: 'video/mp4', zip: 'application/zip' };

/**
 * An attachment for a URL a bot sent, or undefined when the URL is not one the contract accepts.
 * The bot does not say name, type or size: the name is the last path segment, the type a guess
 * from the extension, the size 0 (unknown).
 */
export function attachmentFromUrl(raw: unknown, kind: 'image' | 'file'): Attachment | undefined {
  if (typeof raw !== 'string') return undefined;
  const url = HttpUrl.safeParse(raw.trim());
  if (!url.success) return undefined;
  let segment = new URL(url.data).pathname.split('/').pop() ?? '';
  try {
    segment = decodeURIComponent(segment);
  } catch {
    // A malformed escape: keep the segment as it was written.
  }
  const fallback = kind === 'image' ? 'image' : 'attachment';
  const name = nonEmpty(segment, 255) ?? fallback;
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  const mimeType = IMAGE_TYPES[ext] ?? (kind === 'image' ? 'image/jpeg' : (FILE_TYPES[ext] ?? 'application/octet-stream'));
  return { url: url.data, name, mimeType, size: 0 };
}

/** The quick replies among `buttons` (title/value pairs) that the contract accepts. */
export function quickRepliesFrom(buttons: { title: unknown; payload: unknown }[]): QuickReply[] {
  const out: QuickReply[] = [];
  for (const b of buttons) {
    const title = nonEmpty(b.title, 200);
    const payload = nonEmpty(b.payload, 1000);
    if (title && payload) out.push({ title, payload });
  }
  return out;
}

/** Adds quick replies and attachments to a message, keeping at most 10 of each. */
export function enrich(m: Message, quickReplies: QuickReply[], attachments: Attachment[]): void {
  if (quickReplies.length) m.quickReplies = [...(m.quickReplies ?? []), ...quickReplies].slice(0, QUICK_REPLIES_MAX);
  if (attachments.length) m.attachments = [...(m.attachments ?? []), ...attachments].slice(0, Limits.attachmentsMax);
}

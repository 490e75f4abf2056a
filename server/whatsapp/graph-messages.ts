import { cut } from './cloud-webhook.js';

/** Bodies of the Graph API's `POST /{version}/{phoneNumberId}/messages`, the 24-hour window and the retry rule. Pure. */

type Envelope = { messaging_product: 'whatsapp'; recipient_type: 'individual'; to: string };
export type TextMessage = Envelope & { type: 'text'; text: { body: string; preview_url: false } };
export type MediaType = 'image' | 'video' | 'audio' | 'document';
export type MediaMessage = Envelope & { type: MediaType } & { [K in MediaType]?: { link: string; caption?: string; filename?: string } };
export type ButtonsMessage = Envelope & {
  type: 'interactive';
  interactive:
    | { type: 'button'; body: { text: string }; action: { buttons: { type: 'reply'; reply: { id: string; title: string } }[] } }
    | { type: 'list'; body: { text: string }; action: { button: string; sections: { rows: { id: string; title: string }[] }[] } };
};
export type TemplateMessage = Envelope & { type: 'template'; template: { name: string; language: { code: string }; components?: unknown[] } };

// Meta's documented limits.
export const MAX_TEXT = 4096;
const MAX_CAPTION = 1024;
const MAX_INTERACTIVE_BODY = 1024;
const MAX_BUTTON_ID = 256;
const MAX_BUTTON_TITLE = 20;
const MAX_ROW_ID = 200;
const MAX_ROW_TITLE = 24;

const envelope = (to: string): Envelope => ({ messaging_product: 'whatsapp', recipient_type: 'individual', to });

export function textMessage(to: string, text: string): TextMessage {
  return { ...envelope(to), type: 'text', text: { body: cut(text, MAX_TEXT), preview_url: false } };
}

/** The media type WhatsApp plays inline for this MIME type; everything else goes as a document. */
export function mediaType(mimeType: string): MediaType {
  const m = mimeType.toLowerCase().split(';')[0]!.trim();
  if (m === 'image/jpeg' || m === 'image/png') return 'image';
  if (m === 'video/mp4' || m === 'video/3gpp') return 'video';
  if (m.startsWith('audio/')) return 'audio';
  return 'document';
}

export function mediaMessage(to: string, file: { url: string; mimeType: string; name: string }, caption?: string): MediaMessage {
  const type = mediaType(file.mimeType);
  // Audio takes no caption; a document keeps its file name.
  const withCaption = type !== 'audio' && caption ? { caption: cut(caption, MAX_CAPTION) } : {};
  const withName = type === 'document' ? { filename: file.name } : {};
  return { ...envelope(to), type, [type]: { link: file.url, ...withCaption, ...withName } };
}

/** Quick replies: up to 3 as reply buttons, 4 to 10 as a one-section list; none or more than 10 is the caller's mistake. */
export function buttonsMessage(to: string, text: string, replies: { title: string; payload: string }[]): ButtonsMessage {
  if (replies.length === 0 || replies.length > 10) throw new RangeError(`WhatsApp takes 1 to 10 quick replies, not ${replies.length}`);
  const body = { text: cut(text, MAX_INTERACTIVE_BODY) };
  if (replies.length <= 3) {
    const buttons = replies.map((r) => ({ type: 'reply' as const, reply: { id: cut(r.payload, MAX_BUTTON_ID), title: cut(r.title, MAX_BUTTON_TITLE) } }));
    return { ...envelope(to), type: 'interactive', interactive: { type: 'button', body, action: { buttons } } };
  }
  const rows = replies.map((r) => ({ id: cut(r.payload, MAX_ROW_ID), title: cut(r.title, MAX_ROW_TITLE) }));
  return { ...envelope(to), type: 'interactive', interactive: { type: 'list', body, action: { button: 'Choose', sections: [{ rows }] } } };
}

export function templateMessage(to: string, t: { name: string; language: string; components?: unknown[] }): TemplateMessage {
  const template = { name: t.name, language: { code: t.language }, ...(t.components && { components: t.components }) };
  return { ...envelope(to), type: 'template', template };
}

/** Outside 24 hours from the customer's last message, WhatsApp only takes templates. */
export const WINDOW_MS = 24 * 60 * 60 * 1000;
export function windowOpen(lastInboundAt: number | undefined, now: number): boolean {
  return lastInboundAt !== undefined && Number.isFinite(lastInboundAt) && now - lastInboundAt < WINDOW_MS;
}

const BASE_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/**
 * How long to wait before retrying a send that got `status` on attempt `attempt` (1 for the first), or null when
 * retrying cannot help: a success, or a refusal (4xx) other than 408 and 429.
 */
export function retryAfterMs(status: number, headers: { get(name: string): string | null }, attempt: number): number | null {
  const retryable = status === 408 || status === 429 || status >= 500;
  if (!retryable) return null;
  if (status === 429) {
    const after = headers.get('Retry-After')?.trim();
    if (after && /^\d+$/.test(after)) return Number(after) * 1000;
  }
  const n = Math.max(1, Math.floor(attempt) || 1);
  return Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.min(n - 1, 30));
}

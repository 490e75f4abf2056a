/**
 * Attachments in the pages (PROTOCOL.md §1.7.5): uploading a file, and showing one. A hub-stored
 * file needs `Authorization: Bearer`, which `<img src>` and links cannot send, so it is fetched
 * and shown through an object URL. Text only: names go in as text nodes.
 */
import type { Attachment, StoredAttachment } from '@conversation-hub/client-sdk/contract';
import { h } from './dom.js';

type TokenSource = () => string | undefined | Promise<string | undefined>;
let tokenOf: TokenSource = () => undefined;

/** The page's token for attachment requests (the widget's customer token, the desk's access token). */
export function setAttachmentToken(source: TokenSource): void {
  tokenOf = source;
}

/** Uploads `file` to the hub; throws an Error with the hub's message (too large, type refused...). */
export async function uploadAttachment(hubUrl: string, file: File, conversationId?: string): Promise<StoredAttachment> {
  const body = new FormData();
  if (conversationId) body.append('conversationId', conversationId);
  body.append('file', file, file.name);
  const token = await tokenOf();
  const res = await fetch(new URL('/api/attachments', hubUrl), { method: 'POST', body, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const answer = (await res.json().catch(() => ({}))) as StoredAttachment & { error?: { message?: string } };
  if (!res.ok) throw new Error(answer.error?.message ?? `upload failed (${res.status})`);
  return answer;
}

/** An attachment as shown in a message: an image inline, anything else a link that downloads it. */
export function attachmentView(f: Attachment, className = 'attachment'): HTMLElement {
  const safe = /^https?:\/\//i.test(f.url) ? f.url : '#';
  if (!f.id) return h('a', { className, href: safe, target: '_blank', rel: 'noopener noreferrer' }, `📎 ${f.name}`);
  if (f.mimeType.startsWith('image/')) {
    const img = h('img', { className: `${className} ${className}-image`, alt: f.name });
    void blobUrl(f.url).then((url) => (img.src = url), () => (img.alt = `${f.name} (could not be loaded)`));
    return img;
  }
  const link = h('a', { className, href: '#', download: f.name }, `📎 ${f.name}`);
  link.addEventListener('click', (e) => {
    if (link.href.startsWith('blob:')) return;
    e.preventDefault();
    void blobUrl(f.url).then((url) => {
      link.href = url;
      link.click();
    });
  });
  return link;
}

async function blobUrl(url: string): Promise<string> {
  const token = await tokenOf();
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!res.ok) throw new Error(`download failed (${res.status})`);
  return URL.createObjectURL(await res.blob());
}

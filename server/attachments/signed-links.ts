import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a signed link lets a provider (Meta) fetch a file the hub stores. */
export const LINK_TTL_MS = 24 * 3600_000;

/**
 * Download links a provider can follow without a hub token: `?expires=<unix s>&sig=<hex HMAC>` over
 * the attachment id and the expiry, keyed from the hub's JWT secret (a key of its own, by label).
 */
export function attachmentLinks(secret: string) {
  const key = createHmac('sha256', secret).update('attachment-links').digest();
  const mac = (id: string, expires: number) => createHmac('sha256', key).update(`${id}.${expires}`).digest('hex');
  return {
    sign(url: string, id: string, now: number): string {
      const expires = Math.floor((now + LINK_TTL_MS) / 1000);
      const u = new URL(url);
      u.searchParams.set('expires', String(expires));
      u.searchParams.set('sig', mac(id, expires));
      return u.toString();
    },
    verify(id: string, query: { expires?: unknown; sig?: unknown }, now: number): boolean {
      const expires = Number(query.expires);
      if (typeof query.sig !== 'string' || !Number.isSafeInteger(expires) || expires * 1000 < now) return false;
      const want = Buffer.from(mac(id, expires), 'hex');
      const got = Buffer.from(query.sig, 'hex');
      return got.length === want.length && timingSafeEqual(got, want);
    },
  };
}
export type AttachmentLinks = ReturnType<typeof attachmentLinks>;

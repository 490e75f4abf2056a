import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * An endpoint's signing secrets. Rotation keeps the previous secret signing beside the new one
 * until `previousUntil`, so a receiver can switch at its own pace (Standard Webhooks: several
 * space-separated signatures in one `webhook-signature` header).
 */
export interface SigningSecrets {
  current: string;
  previous?: string;
  /** ISO time the previous secret stops signing. */
  previousUntil?: string;
}

/** How long a replaced secret keeps signing. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

export function rotate(s: SigningSecrets | null, next: string, now: number): SigningSecrets {
  if (!s || s.current === next) return { current: next };
  return { current: next, previous: s.current, previousUntil: new Date(now + ROTATION_OVERLAP_MS).toISOString() };
}

export function activeSecrets(s: SigningSecrets, now: number): string[] {
  const previous = s.previous && s.previousUntil && Date.parse(s.previousUntil) > now ? [s.previous] : [];
  return [s.current, ...previous];
}

/** The three Standard Webhooks headers of one attempt, signed with every active secret. */
export function signedHeaders(secrets: string[], msgId: string, at: Date, body: string): Record<string, string> {
  const signatures = secrets.map((secret) => new Webhook(secret).sign(msgId, at, body));
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

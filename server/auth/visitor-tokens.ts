import { createHmac, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { ChannelData } from '@conversation-hub/client-sdk/contract';
import { HubChannelDataKeys } from '@conversation-hub/client-sdk/contract';

/** Default lifetime of a visitor token: one year (`HUB_VISITOR_TOKEN_TTL_DAYS`). */
export const VISITOR_TOKEN_TTL_SECONDS = 365 * 24 * 3600;

const AUDIENCE = 'conversation-hub:webchat-visitor';
const TYP = 'hub-visitor+jwt';
const VISITOR_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Visitor tokens (PROTOCOL.md §2.2): how an anonymous webchat visitor comes back as the same
 * customer. An HS256 JWT whose `sub` is a random visitor id the hub made, with its own audience and
 * `typ`, signed with a key derived from `HUB_JWT_SECRET` (HMAC-SHA256 with a fixed label), so a
 * visitor token never verifies as a socket token nor the reverse. Opaque to clients. Rotating
 * `HUB_JWT_SECRET` turns every returning visitor into a new anonymous customer.
 */
export class VisitorTokens {
  private readonly key: Uint8Array;

  constructor(
    jwtSecret: string,
    private readonly ttlSeconds = VISITOR_TOKEN_TTL_SECONDS,
  ) {
    this.key = createHmac('sha256', jwtSecret).update('conversation-hub webchat visitor token v1').digest();
  }

  /** A token for the visitor (a new one when no id is given), valid for the configured lifetime from now. */
  async issue(visitorId: string = randomUUID()): Promise<{ visitorId: string; token: string }> {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: TYP })
      .setSubject(visitorId)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + this.ttlSeconds)
      .sign(this.key);
    return { visitorId, token };
  }

  /** The visitor id of a valid token; null for a missing, forged, expired or foreign one (never an error). */
  async verify(token: unknown): Promise<string | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192) return null;
    try {
      const { payload, protectedHeader } = await jwtVerify(token, this.key, { algorithms: ['HS256'], audience: AUDIENCE, typ: TYP, requiredClaims: ['exp', 'sub'] });
      return protectedHeader.typ === TYP && typeof payload.sub === 'string' && VISITOR_ID.test(payload.sub) ? payload.sub : null;
    } catch {
      return null;
    }
  }
}

/**
 * A customer socket's session channel data: what the client sent, without the keys only the hub
 * sets (`HubChannelDataKeys`), with the hub's own (from the customer token) on top.
 */
export function withHubChannelData(fromClient: ChannelData, fromHub: Record<string, string> | undefined): ChannelData {
  const reserved: ReadonlySet<string> = new Set(HubChannelDataKeys);
  const kept = Object.fromEntries(Object.entries(fromClient).filter(([k]) => !reserved.has(k)));
  return { ...kept, ...fromHub };
}

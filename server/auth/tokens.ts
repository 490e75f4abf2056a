import { SignJWT, jwtVerify } from 'jose';
import { z } from 'zod';
import { TokenRole } from '@conversation-hub/client-sdk/contract';

/** Who a socket or HTTP caller is, from the token's claims (protocol.md §2). */
export interface Actor {
  id: string;
  role: TokenRole;
  name?: string;
  /** Connector tokens: the service identifiers it may serve. */
  channels?: string[];
  /** Customer tokens: the channel they came in on. */
  serviceIdentifier?: string;
}

const Claims = z.object({
  sub: z.string().min(1),
  role: TokenRole,
  name: z.string().optional(),
  channels: z.array(z.string()).optional(),
  serviceIdentifier: z.string().optional(),
});

export class Tokens {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async sign(actor: Actor, ttlSeconds = 12 * 3600): Promise<string> {
    const { id, ...claims } = actor;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(id)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.key);
  }

  /** The actor, or null for a bad, expired or missing token. */
  async verify(token: unknown): Promise<Actor | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192) return null;
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
      const c = Claims.safeParse(payload);
      if (!c.success) return null;
      const { sub, ...rest } = c.data;
      if (rest.role === 'customer' && !rest.serviceIdentifier) return null;
      return { id: sub, ...rest };
    } catch {
      return null;
    }
  }
}

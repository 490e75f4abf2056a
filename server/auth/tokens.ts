import { SignJWT, jwtVerify } from 'jose';
import { z } from 'zod';
import { TokenRole } from '@conversation-hub/client-sdk/contract';
import type { Actor } from '../domain/actor.js';

export type { Actor } from '../domain/actor.js';

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
      return toActor(c.data);
    } catch {
      return null;
    }
  }
}

/** The claims as an actor of its role: a customer names its channel, a connector the channels it serves. */
function toActor(c: z.infer<typeof Claims>): Actor | null {
  const base = c.name === undefined ? { id: c.sub } : { id: c.sub, name: c.name };
  switch (c.role) {
    case 'customer':
      return c.serviceIdentifier ? { ...base, role: 'customer', serviceIdentifier: c.serviceIdentifier } : null;
    case 'connector':
      return { ...base, role: 'connector', channels: c.channels ?? [] };
    default:
      return { ...base, role: c.role };
  }
}

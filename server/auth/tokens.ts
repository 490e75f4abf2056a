import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
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
  /** A customer's hub-set channel data (webchat sessions, PROTOCOL.md §2.2). */
  channelData: z.record(z.string(), z.string()).optional(),
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
    return (await this.verifyWithExpiry(token))?.actor ?? null;
  }

  /** The actor and when the token expires (epoch ms; none when it has no `exp`), or null. */
  async verifyWithExpiry(token: unknown): Promise<{ actor: Actor; expiresAt?: number } | null> {
    const payload = await this.payload(token);
    if (!payload) return null;
    const c = Claims.safeParse(payload);
    const actor = c.success ? toActor(c.data) : null;
    if (!actor) return null;
    return typeof payload.exp === 'number' ? { actor, expiresAt: payload.exp * 1000 } : { actor };
  }

  /**
   * An access token of a signed-in user (PROTOCOL.md §2.3): `sub` the user's id, its role (an
   * `admin` token is good for `/api/users` only, never a socket) and name, and `typ: 'access'`.
   */
  async signUser(user: { id: string; role: 'agent' | 'supervisor' | 'admin'; name: string }, ttlSeconds: number): Promise<string> {
    return new SignJWT({ role: user.role, name: user.name, typ: 'access' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.key);
  }

  /** The verified claims of one of this hub's tokens (any role), or null. */
  async payload(token: unknown): Promise<JWTPayload | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192) return null;
    try {
      return (await jwtVerify(token, this.key, { algorithms: ['HS256'] })).payload;
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
      if (!c.serviceIdentifier) return null;
      return { ...base, role: 'customer', serviceIdentifier: c.serviceIdentifier, ...(c.channelData ? { channelData: c.channelData } : {}) };
    case 'connector':
      return { ...base, role: 'connector', channels: c.channels ?? [] };
    default:
      return { ...base, role: c.role };
  }
}

import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { UserRole } from '@conversation-hub/client-sdk/contract';
import type { OidcConfig } from './config.js';

/** What the hub takes from a verified identity-provider token. */
export interface OidcIdentity {
  sub: string;
  role: UserRole;
  name: string;
  /** `preferred_username`, else `email`: the username of a user made on first sign-on. */
  username?: string;
  /** epoch ms */
  expiresAt?: number;
}

const RANK: Record<UserRole, number> = { agent: 1, supervisor: 2, admin: 3 };

/**
 * Access tokens of the organisation's identity provider (PROTOCOL.md §2.3): RS256 or ES256,
 * signed by a key of its JWKS (fetched and cached by jose, refetched for an unknown `kid`), with
 * the configured issuer and audience. The role comes from the role claim: the highest of its
 * values that maps to agent, supervisor or admin; a token with none is refused.
 */
export class OidcVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly config: OidcConfig) {
    this.jwks = createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  }

  /** The identity, or null for a token that is not the provider's, expired, or has no role here. */
  async verify(token: string): Promise<OidcIdentity | null> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, { issuer: this.config.issuer, audience: this.config.audience, algorithms: ['RS256', 'ES256'] }));
    } catch {
      return null;
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255) return null;
    const role = this.roleOf(claimAt(payload, this.config.roleClaim));
    if (!role) return null;
    const str = (k: string) => (typeof payload[k] === 'string' && (payload[k] as string).length <= 200 ? (payload[k] as string) : undefined);
    const username = str('preferred_username') ?? str('email');
    return {
      sub: payload.sub,
      role,
      name: str('name') ?? username ?? payload.sub,
      ...(username ? { username } : {}),
      ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}),
    };
  }

  private roleOf(value: unknown): UserRole | undefined {
    const values = Array.isArray(value) ? value : [value];
    let best: UserRole | undefined;
    for (const v of values) {
      if (typeof v !== 'string') continue;
      const role = Object.hasOwn(this.config.roleMap, v) ? this.config.roleMap[v] : Object.hasOwn(RANK, v) ? (v as UserRole) : undefined;
      if (role && (!best || RANK[role] > RANK[best])) best = role;
    }
    return best;
  }
}

/** `realm_access.roles` reaches a nested claim. */
function claimAt(payload: JWTPayload, path: string): unknown {
  let at: unknown = payload;
  for (const key of path.split('.')) {
    if (!at || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

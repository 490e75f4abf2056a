import { decodeProtectedHeader } from 'jose';
import type { Actor } from '../domain/actor.js';
import type { Logger } from '../log.js';
import type { UserDirectory } from '../ports.js';
import type { Accounts } from './accounts.js';
import type { OidcVerifier } from './oidc.js';
import type { Tokens } from './tokens.js';

/** Who a socket is, and when its token expires (epoch ms; none for a token without `exp`). */
export interface Authenticated {
  actor: Actor;
  expiresAt?: number;
}

export type Authenticate = (token: unknown) => Promise<Authenticated | null>;

/**
 * The socket handshake's token check (PROTOCOL.md §2.1, §2.3):
 * - the hub's own HS256 tokens: those of `POST /api/tokens` as they are; an agent's or
 *   supervisor's whose `sub` is a user's are checked against the user record (cached a few
 *   seconds): a disabled user is refused, and role and name come from the record;
 * - with single sign-on configured, the identity provider's RS256/ES256 tokens, whose user is
 *   found or made by `sub`.
 * An `admin` user's token has no socket role: refused. Null means `unauthorized`.
 */
export function handshakeAuth(deps: { tokens: Tokens; users: UserDirectory; accounts: Accounts; oidc?: OidcVerifier; log: Logger }): Authenticate {
  const asUser = (user: { id: string; role: string; name: string; disabled: boolean }): Actor | null =>
    user.disabled || (user.role !== 'agent' && user.role !== 'supervisor') ? null : { id: user.id, role: user.role, name: user.name };

  return async (token) => {
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192) return null;
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return null;
    }
    if (alg === 'HS256') {
      const found = await deps.tokens.verifyWithExpiry(token);
      if (!found || (found.actor.role !== 'agent' && found.actor.role !== 'supervisor')) return found;
      const user = await deps.users.get(found.actor.id);
      if (!user) return found; // a back end's token (POST /api/tokens), not a user's
      const actor = asUser(user);
      return actor ? { ...found, actor } : null;
    }
    if (deps.oidc && (alg === 'RS256' || alg === 'ES256')) {
      const identity = await deps.oidc.verify(token);
      if (!identity) return null;
      const user = await deps.accounts.userForOidc(identity);
      const actor = asUser(user);
      if (!actor) deps.log.info({ user: user.id }, 'single sign-on refused: user disabled or without a socket role');
      return actor ? { actor, ...(identity.expiresAt ? { expiresAt: identity.expiresAt } : {}) } : null;
    }
    return null;
  };
}

/** For `/api/users` (PROTOCOL.md §6.5): whether the token is an enabled `admin` user's access token. */
export function userAdminCheck(tokens: Tokens, users: UserDirectory): (token: string) => Promise<boolean> {
  return async (token) => {
    const p = await tokens.payload(token);
    if (!p || p.typ !== 'access' || p.role !== 'admin' || typeof p.sub !== 'string') return false;
    const user = await users.get(p.sub);
    return !!user && !user.disabled && user.role === 'admin';
  };
}

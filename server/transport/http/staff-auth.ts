import type { RequestHandler } from 'express';
import type { Tokens } from '../../auth/tokens.js';
import { forbidden, unauthorized } from '../../domain/errors.js';
import type { UserDirectory } from '../../ports.js';
import { bearer, bearerMatches } from './auth.js';

const NEED = 'the admin key, or an admin’s or a supervisor’s access token, is required';

/**
 * `auth: 'supervisor'` (route-table.ts): the admin key, an enabled admin user's access token, or a
 * supervisor's token. As at the socket handshake, a token whose `sub` is a user's takes its role
 * from the user record (a disabled user is refused); a supervisor token a back end minted (no
 * user) is taken as it is; an admin token needs its user. Other valid tokens are `forbidden`.
 */
export function supervisorAuth(adminKey: string, tokens: Tokens, users?: UserDirectory): RequestHandler {
  const roleOf = async (token: string): Promise<string | null> => {
    const p = await tokens.payload(token);
    if (!p || typeof p.sub !== 'string' || typeof p.role !== 'string') return null;
    const user = users ? await users.get(p.sub) : null;
    if (user) return user.disabled ? null : user.role;
    return p.role === 'admin' ? null : p.role;
  };
  return (req, _res, next) => {
    if (bearerMatches(req, adminKey)) return next();
    const token = bearer(req);
    if (!token) return next(unauthorized(NEED));
    roleOf(token).then((role) => {
      if (role === null) return next(unauthorized(NEED));
      if (role !== 'admin' && role !== 'supervisor') return next(forbidden('only admins and supervisors may read reports'));
      next();
    }, next);
  };
}

import { LoginBody, RefreshBody, TokenPair } from '@conversation-hub/client-sdk/contract';
import type { Accounts } from '../../auth/accounts.js';
import { routesFor, type HttpRoute } from './route-table.js';

export interface AuthRouteDeps {
  accounts: Accounts;
}

const route = routesFor<AuthRouteDeps>();

/** Sign-in for agents, supervisors and admins (PROTOCOL.md §2.3): public, rate-limited. */
export const authRouteTable: HttpRoute<AuthRouteDeps>[] = [
  route({
    method: 'post',
    path: '/api/auth/login',
    operationId: 'login',
    tag: 'sign-in',
    summary: 'Sign in with a username and password',
    description:
      'Answers an access token (a JWT for the socket handshake, `expiresIn` seconds, `HUB_ACCESS_TOKEN_TTL_SECONDS`) and a refresh token. ' +
      'A wrong username, a wrong password and a disabled user all get the same `401`. Failed sign-ins are limited per username and per ' +
      'client address (`HUB_LOGIN_FAILURES_PER_USER`, `HUB_LOGIN_FAILURES_PER_IP` in 15 minutes): `429`.',
    auth: 'none',
    rateLimit: { perSecond: 5, burst: 20 },
    body: LoginBody,
    errors: ['unauthorized', 'rate_limited'],
    ok: { status: 200, description: 'Signed in', schema: TokenPair },
    handler: async ({ deps, body, ip }) => deps.accounts.login(body.username, body.password, ip),
  }),
  route({
    method: 'post',
    path: '/api/auth/refresh',
    operationId: 'refresh',
    tag: 'sign-in',
    summary: 'A new access token and refresh token for a refresh token',
    description:
      'The refresh token is spent: presenting it again is taken as theft and revokes every token of that sign-in (`401`). ' +
      'A disabled user’s tokens are refused.',
    auth: 'none',
    rateLimit: { perSecond: 5, burst: 20 },
    body: RefreshBody,
    errors: ['unauthorized'],
    ok: { status: 200, description: 'A new pair', schema: TokenPair },
    handler: async ({ deps, body }) => deps.accounts.refresh(body.refreshToken),
  }),
  route({
    method: 'post',
    path: '/api/auth/logout',
    operationId: 'logout',
    tag: 'sign-in',
    summary: 'Sign out: revokes the refresh token (and the others of its sign-in)',
    description: 'Answers 204 for an unknown token too. The access token stays good until it expires.',
    auth: 'none',
    rateLimit: { perSecond: 5, burst: 20 },
    body: RefreshBody,
    ok: { status: 204, description: 'Signed out' },
    handler: async ({ deps, body }) => deps.accounts.logout(body.refreshToken),
  }),
];

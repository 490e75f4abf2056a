import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { TokenPair, User, UserCreateBody, UserPatchBody } from '@conversation-hub/client-sdk/contract';
import { HubError, unauthorized } from '../domain/errors.js';
import type { Logger } from '../log.js';
import type { RefreshTokenRepository } from '../persistence/refresh-tokens.js';
import type { UserRepository } from '../persistence/users.js';
import type { Sessions } from '../ports.js';
import type { LoginLimiter } from './login-limiter.js';
import type { OidcIdentity } from './oidc.js';
import { dummyHash, hashPassword, verifyPassword } from './passwords.js';
import type { Tokens } from './tokens.js';
import type { CachedUserDirectory } from './user-directory.js';

export interface AccountsDeps {
  users: UserRepository;
  refreshTokens: RefreshTokenRepository;
  directory: CachedUserDirectory;
  tokens: Tokens;
  limiter: LoginLimiter;
  /** Set once the socket server exists (app.ts). */
  sessions?: Sessions;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  log: Logger;
}

/** One message for a wrong username and a wrong password (and a disabled user), so neither is revealed. */
const BAD_LOGIN = 'wrong username or password';
const BAD_REFRESH = 'invalid refresh token';

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

/**
 * Accounts and sign-in (PROTOCOL.md §2.3): users made by an admin, password login, refresh-token
 * rotation with reuse detection, logout, and the users of single sign-on. No password, hash or
 * token is ever logged.
 */
export class Accounts {
  constructor(readonly d: AccountsDeps) {}

  // ---- sign-in ----------------------------------------------------------------------------

  async login(username: string, password: string, ip: string): Promise<TokenPair> {
    await this.d.limiter.check(username, ip);
    const found = await this.d.users.credentials(username);
    // An unknown user (or one without a password) costs the same scrypt work as a wrong password.
    const ok = await verifyPassword(password, found?.passwordHash ?? (await dummyHash()));
    if (!found || !found.passwordHash || !ok || found.user.disabled) {
      await this.d.limiter.failed(username, ip);
      this.d.log.info({ ip, known: !!found }, 'sign-in refused');
      throw unauthorized(BAD_LOGIN);
    }
    await this.d.limiter.succeeded(username);
    this.d.log.info({ user: found.user.id }, 'signed in');
    return this.issue(found.user, randomUUID());
  }

  /** A new pair for a refresh token, which is spent; a spent one presented again revokes its family. */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const row = await this.d.refreshTokens.byHash(sha256(refreshToken));
    if (!row || row.revoked || row.expiresAt.getTime() <= Date.now()) throw unauthorized(BAD_REFRESH);
    if (row.spent || !(await this.d.refreshTokens.spend(row.id))) {
      const n = await this.d.refreshTokens.revokeFamily(row.family);
      this.d.log.warn({ user: row.userId, family: row.family, revoked: n }, 'spent refresh token presented again: its family is revoked');
      throw unauthorized(BAD_REFRESH);
    }
    const user = await this.d.users.get(row.userId);
    if (!user || user.disabled) {
      await this.d.refreshTokens.revokeFamily(row.family);
      throw unauthorized(BAD_REFRESH);
    }
    return this.issue(user, row.family);
  }

  /** Revokes the token's family (this sign-in); quiet about unknown tokens. */
  async logout(refreshToken: string): Promise<void> {
    const row = await this.d.refreshTokens.byHash(sha256(refreshToken));
    if (row) await this.d.refreshTokens.revokeFamily(row.family);
  }

  private async issue(user: User, family: string): Promise<TokenPair> {
    const refreshToken = randomBytes(32).toString('base64url');
    await this.d.refreshTokens.add({ userId: user.id, family, tokenHash: sha256(refreshToken), expiresAt: new Date(Date.now() + this.d.refreshTokenTtlSeconds * 1000) });
    const accessToken = await this.d.tokens.signUser(user, this.d.accessTokenTtlSeconds);
    return { accessToken, refreshToken, expiresIn: this.d.accessTokenTtlSeconds };
  }

  // ---- users ------------------------------------------------------------------------------

  async create(body: UserCreateBody): Promise<User> {
    const { password, ...rest } = body;
    const user = await this.d.users.create({ ...rest, passwordHash: await hashPassword(password) });
    this.d.log.info({ user: user.id, role: user.role }, 'user created');
    return user;
  }

  /**
   * Changes a user. Disabling revokes its refresh tokens and ends its sockets on every node; a new
   * password revokes its refresh tokens (its other sign-ins end when their access tokens expire).
   */
  async update(id: string, patch: UserPatchBody): Promise<User> {
    const { password, ...rest } = patch;
    const user = await this.d.users.update(id, { ...rest, ...(password !== undefined ? { passwordHash: await hashPassword(password) } : {}) });
    this.d.directory.forget(id);
    if (patch.disabled === true || password !== undefined) await this.d.refreshTokens.revokeUser(id);
    if (patch.disabled === true) {
      if (!this.d.sessions) throw new Error('no socket server to drop the user’s sockets');
      await this.d.sessions.dropUser(id);
    }
    this.d.log.info({ user: id, fields: Object.keys(patch) }, 'user changed');
    return user;
  }

  /**
   * The user of a single sign-on identity: found by `sub`, made on first sign-on (its username
   * the provider's `preferred_username` or `email`, else `sso-<sub>`). The provider owns the role
   * and name: a change there is copied here; `disabled` and the lists stay the hub's.
   */
  async userForOidc(id: OidcIdentity): Promise<User> {
    const known = await this.d.users.byOidcSub(id.sub);
    if (known) {
      if (known.role === id.role && known.name === id.name) return known;
      this.d.directory.forget(known.id);
      return this.d.users.update(known.id, { role: id.role, name: id.name });
    }
    const fallback = `sso-${id.sub}`.slice(0, 200);
    for (const username of id.username ? [id.username, fallback] : [fallback]) {
      try {
        const user = await this.d.users.create({ username, name: id.name, role: id.role, passwordHash: null, oidcSub: id.sub });
        this.d.log.info({ user: user.id, role: user.role }, 'user made on first single sign-on');
        return user;
      } catch (err) {
        if (!(err instanceof HubError && err.code === 'conflict')) throw err;
        const raced = await this.d.users.byOidcSub(id.sub); // made meanwhile by another handshake
        if (raced) return raced;
      }
    }
    throw unauthorized('no user can be made for this identity');
  }
}

import type { Kysely } from 'kysely';
import type { HubConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { Database } from '../persistence/database.js';
import { RefreshTokenRepository } from '../persistence/refresh-tokens.js';
import { UserRepository } from '../persistence/users.js';
import type { Sessions, UserDirectory } from '../ports.js';
import { Accounts } from './accounts.js';
import { ensureDemoUsers } from './demo-users.js';
import { handshakeAuth, userAdminCheck, type Authenticate } from './handshake.js';
import { CountingLoginLimiter, type CounterMaker, type LoginLimiter } from './login-limiter.js';
import { OidcVerifier } from './oidc.js';
import type { Tokens } from './tokens.js';
import { CachedUserDirectory } from './user-directory.js';

export interface HubAuth {
  accounts: Accounts;
  /** For the engine (`agent.state`) and the handshake. */
  users: UserDirectory;
  /** The socket handshake's check. */
  authenticate: Authenticate;
  /** For `/api/users` with an admin user's token. */
  isUserAdmin: (token: string) => Promise<boolean>;
  /** The socket server's sessions, once it exists: disabling a user drops its sockets through them. */
  useSessions(sessions: Sessions): void;
}

/**
 * Accounts, sign-in and the handshake's token check, on the hub's database (the users tables of
 * migrations/0003_users.ts). In embedded mode, on first start, makes the demo users.
 */
export async function createAuth(config: HubConfig, db: Kysely<Database>, tokens: Tokens, log: Logger, opts: { limiter?: LoginLimiter; counter?: CounterMaker } = {}): Promise<HubAuth> {
  const users = new UserRepository(db);
  const directory = new CachedUserDirectory(users);
  const accounts = new Accounts({
    users,
    refreshTokens: new RefreshTokenRepository(db),
    directory,
    tokens,
    limiter: opts.limiter ?? new CountingLoginLimiter({ perUser: config.auth.loginFailuresPerUser, perIp: config.auth.loginFailuresPerIp }, opts.counter),
    accessTokenTtlSeconds: config.auth.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: config.auth.refreshTokenTtlSeconds,
    log,
  });
  const oidc = config.auth.oidc ? new OidcVerifier(config.auth.oidc) : undefined;
  if (config.mode === 'embedded' && config.generatedSecretsFile) await ensureDemoUsers(accounts, config.generatedSecretsFile, log);
  return {
    accounts,
    users: directory,
    authenticate: handshakeAuth({ tokens, users: directory, accounts, ...(oidc ? { oidc } : {}), log }),
    isUserAdmin: userAdminCheck(tokens, directory),
    useSessions: (sessions) => {
      accounts.d.sessions = sessions;
    },
  };
}

/**
 * The desk's sign-in (PROTOCOL.md §2.3): username and password to `POST /api/auth/login`, then
 * `tokenFn()` for HubClient, which answers the access token while it has time left and otherwise
 * refreshes it (`POST /api/auth/refresh`, rotating the refresh token). The admin key never enters
 * this page.
 *
 * The refresh token is kept in memory only, not in sessionStorage: it outlives the access token by
 * days, and anything stored is readable by any script running on this origin; in memory it goes
 * with the page. The cost is signing in again after a reload.
 */

export interface Claims {
  sub?: string;
  role?: string;
  name?: string;
  exp?: number;
  iat?: number;
}

interface Pair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** Throws an Error carrying the hub's `code` (`unauthorized`, `rate_limited`...) when refused. */
async function post(path: string, body: unknown): Promise<Pair | undefined> {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status === 204) return undefined;
  const answer = (await res.json().catch(() => ({}))) as Partial<Pair> & { error?: { code?: string; message?: string } };
  if (!res.ok || !answer.accessToken) throw Object.assign(new Error(answer.error?.message ?? `the hub answered ${res.status}`), { code: answer.error?.code });
  return answer as Pair;
}

export class DeskSession {
  private access: string;
  private refreshToken: string;
  private refreshing?: Promise<string>;
  claims: Claims;

  private constructor(pair: Pair) {
    this.access = pair.accessToken;
    this.refreshToken = pair.refreshToken;
    this.claims = decodeClaims(pair.accessToken);
  }

  static async signIn(username: string, password: string): Promise<DeskSession> {
    return new DeskSession((await post('/api/auth/login', { username, password }))!);
  }

  /** For HubClient's `token`: the access token, refreshed once less than a third of its life (at most 30 s) is left. */
  readonly tokenFn = (): Promise<string> => {
    const { exp, iat } = this.claims;
    const margin = exp && iat ? Math.min(30, (exp - iat) / 3) : 30;
    if (exp && exp - Date.now() / 1000 > margin) return Promise.resolve(this.access);
    return (this.refreshing ??= post('/api/auth/refresh', { refreshToken: this.refreshToken })
      .then((pair) => {
        this.access = pair!.accessToken;
        this.refreshToken = pair!.refreshToken;
        this.claims = decodeClaims(pair!.accessToken);
        return this.access;
      })
      .finally(() => {
        this.refreshing = undefined;
      }));
  };

  /** Revokes the refresh token; quiet when the hub is unreachable. */
  async signOut(): Promise<void> {
    await post('/api/auth/logout', { refreshToken: this.refreshToken }).catch(() => undefined);
  }
}

/** The token's claims, for display and timing only (the hub verifies it). */
export function decodeClaims(token: string): Claims {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    return JSON.parse(json) as Claims;
  } catch {
    return {};
  }
}

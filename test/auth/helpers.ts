import type { TokenPair } from '@conversation-hub/client-sdk/contract';

export interface Answer {
  status: number;
  body: any;
  text: string;
}

/** A JSON request to the hub; `auth` is a bearer token or key. */
export async function call(url: string, method: string, path: string, body?: unknown, auth?: string): Promise<Answer> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
}

export async function login(url: string, username: string, password: string): Promise<TokenPair> {
  const r = await call(url, 'POST', '/api/auth/login', { username, password });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
  return r.body as TokenPair;
}

let n = 0;
/** A unique username for this process. */
export const uname = (prefix: string) => `${prefix}-${process.pid}-${++n}`;

export const PASSWORD = 'correct horse battery staple';

/**
 * A token function as the desk makes one: signs in once, then refreshes (rotating the refresh
 * token) whenever asked. `calls` counts how often it was asked.
 */
export function tokenSource(url: string, username: string, password = PASSWORD) {
  let refreshToken: string | undefined;
  const source = Object.assign(
    async () => {
      source.calls++;
      if (refreshToken) {
        const r = await call(url, 'POST', '/api/auth/refresh', { refreshToken });
        if (r.status === 200) {
          refreshToken = r.body.refreshToken;
          return r.body.accessToken as string;
        }
      }
      const pair = await login(url, username, password);
      refreshToken = pair.refreshToken;
      return pair.accessToken;
    },
    { calls: 0 },
  );
  return source;
}

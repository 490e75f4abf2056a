/**
 * The desk's sign-in: a token from `POST /api/tokens` with the admin key (the demo's way; in
 * production a back end issues agents' tokens), kept in sessionStorage, and its claims for display.
 */
import { readStored, store } from '../ui/dom.js';

const TOKEN_KEY = 'hub.desk.token';

export interface Claims {
  sub?: string;
  role?: string;
  name?: string;
  exp?: number;
}

export interface TokenRequest {
  adminKey: string;
  sub: string;
  role: string;
  name: string;
}

/** Throws an Error carrying the hub's `code` when refused. The key goes to this hub only, and is not kept. */
export async function requestToken(r: TokenRequest): Promise<string> {
  const res = await fetch('/api/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${r.adminKey}` },
    body: JSON.stringify({ sub: r.sub, role: r.role, ...(r.name ? { name: r.name } : {}), ttlSeconds: 8 * 3600 }),
  });
  const body = (await res.json().catch(() => ({}))) as { token?: string; error?: { code?: string; message?: string } };
  if (!res.ok || !body.token) throw Object.assign(new Error(body.error?.message ?? `the hub answered ${res.status}`), { code: body.error?.code });
  return body.token;
}

export function savedToken(): string | undefined {
  return readStored('sessionStorage', TOKEN_KEY);
}

export function saveToken(token: string): void {
  store('sessionStorage', TOKEN_KEY, token);
}

/** The token's claims, for display only (the hub verifies it). */
export function decodeClaims(token: string): Claims {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    return JSON.parse(json) as Claims;
  } catch {
    return {};
  }
}

/**
 * The widget's connection: the webchat session from the hub's public endpoint (or the site's own
 * proxy of it), what is kept in the browser between page loads, and the customer's HubClient.
 */
import { HubClient } from '@conversation-hub/client-sdk';
import { readStored, store } from '../ui/dom.js';

/** The hub-issued visitor token (PROTOCOL.md §2.2): the same anonymous customer on the next visit. */
const VISITOR_KEY = 'hub.webchat.visitorToken';
const SESSION_KEY = 'hub.webchat.session';

export interface SavedSession {
  token: string;
  customerId: string;
  name?: string;
  /** True when the site's identity token named the customer. */
  verified?: boolean;
  /** The channel was closed (`open: false`) and the offline form's message is not sent yet. */
  closed?: { nextOpeningAt?: string; email?: string };
}

/** The session of this tab, kept in sessionStorage so that a reload goes back into the same chat. */
export function savedSession(): SavedSession | undefined {
  try {
    const raw = readStored('sessionStorage', SESSION_KEY);
    const s = raw ? (JSON.parse(raw) as Partial<SavedSession>) : undefined;
    return s?.token && s.customerId ? (s as SavedSession) : undefined;
  } catch {
    return undefined;
  }
}

export function forgetSession(): void {
  store('sessionStorage', SESSION_KEY, undefined);
}

/**
 * `POST <sessionUrl>` with the pre-chat fields, the visitor token kept in localStorage (the same
 * anonymous customer again) and, when the host page gave one, the site's identity token (a
 * verified customer). The pre-chat email is unverified: the hub keeps it in the session's channel
 * data as `prechatEmail` and identifies nobody by it. Throws an Error with the hub's message when refused.
 */
export async function openSession(sessionUrl: string, serviceIdentifier: string, name: string, email: string, identityToken?: string): Promise<SavedSession> {
  const prechat: Record<string, string> = {};
  if (name) prechat.name = name;
  if (email) prechat.email = email;
  const visitorToken = readStored('localStorage', VISITOR_KEY);
  const res = await fetch(sessionUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ serviceIdentifier, ...(visitorToken ? { visitorToken } : {}), ...(identityToken ? { identityToken } : {}), prechat }),
  });
  const body = (await res.json().catch(() => ({}))) as {
    token?: string;
    customerId?: string;
    visitorToken?: string;
    verified?: boolean;
    open?: boolean;
    nextOpeningAt?: string;
    error?: { message?: string };
  };
  if (!res.ok || !body.token || !body.customerId) throw new Error(body.error?.message ?? `the hub answered ${res.status}`);
  if (body.visitorToken) store('localStorage', VISITOR_KEY, body.visitorToken);
  // Only an explicit `open: false` is closed: a hub (or proxy) from before business hours says nothing.
  const closed = body.open === false ? { ...(body.nextOpeningAt ? { nextOpeningAt: body.nextOpeningAt } : {}), ...(email ? { email } : {}) } : undefined;
  const saved: SavedSession = { token: body.token, customerId: body.customerId, ...(name ? { name } : {}), verified: body.verified === true, ...(closed ? { closed } : {}) };
  saveSession(saved);
  return saved;
}

/** Keeps the session for a reload (e.g. once the offline message is sent, without `closed`). */
export function saveSession(saved: SavedSession): void {
  store('sessionStorage', SESSION_KEY, JSON.stringify(saved));
}

/**
 * The customer's client, with the channelData the desk shows: browser, locale and the pre-chat
 * name (the email, `verified` and the like are the hub's to set, from the session request).
 */
export function customerClient(hubUrl: string, saved: SavedSession): HubClient {
  const channelData: Record<string, string> = { browser: browserName(navigator.userAgent), locale: navigator.language };
  if (saved.name) channelData.name = saved.name;
  return new HubClient(hubUrl, { token: saved.token, channelData });
}

/** A short browser name for channelData ("Chrome 126", "Firefox 128"...). */
export function browserName(ua: string): string {
  const rules: [RegExp, string][] = [
    [/Edg\/(\d+)/, 'Edge'],
    [/OPR\/(\d+)/, 'Opera'],
    [/Firefox\/(\d+)/, 'Firefox'],
    [/HeadlessChrome\/(\d+)/, 'Chrome Headless'],
    [/Chrom(?:e|ium)\/(\d+)/, 'Chrome'],
    [/Version\/(\d+).*Safari\//, 'Safari'],
  ];
  for (const [re, name] of rules) {
    const m = re.exec(ua);
    if (m) return `${name} ${m[1]}`;
  }
  return ua.slice(0, 100) || 'unknown';
}

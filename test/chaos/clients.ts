import { HubCallError, HubClient } from '@conversation-hub/client-sdk';
import type { Actor } from '../../server/auth/tokens.js';
import { recordDelivery, type History } from './history.js';

/** Errors a fault can cause and a retry with the same ids can cure. */
const TRANSIENT = new Set(['timeout', 'disconnected', 'internal', 'rate_limited']);
export const transient = (err: unknown) => err instanceof HubCallError && TRANSIENT.has(err.code);
export const codeOf = (err: unknown) => (err instanceof HubCallError ? err.code : String(err));

export class Abandon extends Error {}

/** Runs `fn` until it succeeds, a non-transient error comes, or `ms` pass (then `Abandon`). */
export async function retrying<T>(what: string, fn: (attempt: number) => Promise<T>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let wait = 100;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!transient(err)) throw err;
      if (Date.now() + wait > deadline) throw new Abandon(`${what}: still ${codeOf(err)} after ${ms} ms`);
    }
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(1_000, wait * 2);
  }
}

export interface ClientFactory {
  (name: string, actor: Actor): Promise<HubClient>;
  /** Every client made, for closing at the end. */
  all: Set<HubClient>;
}

/**
 * Clients through the balancer, each handing every activity to the history under its name. The
 * first connection is retried (the balancer may route to a node that just died).
 */
export function clientFactory(url: string, token: (actor: Actor) => Promise<string>, history: History): ClientFactory {
  const all = new Set<HubClient>();
  const make = async (name: string, actor: Actor) => {
    const signed = await token(actor);
    const client = await retrying(`connect ${name}`, async () => {
      const c = new HubClient(url, { token: signed, callTimeoutMs: 5_000 });
      return c.connect();
    });
    all.add(client);
    client.onActivity((a) => {
      const reason = a.type === 'session.closed' ? (a.payload as { reason?: string }).reason : undefined;
      recordDelivery(history, name, a.conversationId, { id: a.id, seq: a.seq, type: a.type, ...(reason ? { reason } : {}) });
    });
    return client;
  };
  return Object.assign(make, { all });
}

/**
 * Resolves once `check()` holds, re-checking on every activity or view the clients are handed (and
 * each second, for changes no push announces); `Abandon` after `ms`.
 */
export function until(clients: HubClient[], check: () => boolean, ms: number, what: string): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const offs: (() => void)[] = [];
    const done = (err?: Error) => {
      for (const off of offs) off();
      clearInterval(tick);
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const again = () => void (check() && done());
    for (const c of clients) offs.push(c.onActivity(again), c.onConversation(again));
    const tick = setInterval(again, 1_000);
    const timer = setTimeout(() => done(new Abandon(`${what}: not within ${ms} ms`)), ms);
  });
}

import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConversationView } from '@conversation-hub/client-sdk/contract';
import { HubClient, type HubClientOptions } from '@conversation-hub/client-sdk';
import { startHub, type Parts, type RunningHub } from '../../server/app.js';
import type { Actor } from '../../server/auth/tokens.js';
import { loadConfig } from '../../server/config.js';

export interface TestHub extends RunningHub {
  adminKey: string;
  token(actor: Actor): Promise<string>;
  /** A connected client for the actor; closed by `close()`. */
  client(actor: Actor, opts?: Omit<HubClientOptions, 'token'>): Promise<HubClient>;
  /** A webchat customer through the public endpoint, connected. */
  customer(opts?: CustomerOptions): Promise<HubClient & { customerId: string; visitorId: string }>;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /**
   * Resolves once the conversation's live state is gone and the archive has it (there is no event
   * for the removal, so this polls, bounded by `ms`); answers the archived conversation.
   */
  archived(conversationId: string, ms?: number): Promise<ConversationView>;
}

export interface CustomerOptions {
  serviceIdentifier?: string;
  visitorId?: string;
  name?: string;
  /** The pre-chat form's email: identifies a known customer (protocol.md §2). */
  email?: string;
  channelData?: Record<string, string>;
}

/**
 * An embedded hub in this process on port 0, with its own secrets and data folder (PGlite in it).
 * `opts.parts` runs the hub on ready-made parts instead (made from the config, e.g. for its data folder).
 */
export async function startTestHub(
  env: Record<string, string> = {},
  opts: { parts?: (config: ReturnType<typeof loadConfig>) => Promise<Parts> } = {},
): Promise<TestHub> {
  const adminKey = randomBytes(18).toString('base64url');
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    HUB_JWT_SECRET: randomBytes(24).toString('base64url'),
    HUB_ADMIN_KEY: adminKey,
    HUB_DATA_DIR: mkdtempSync(join(tmpdir(), 'hub-test-')),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const running = await startHub(config, opts.parts ? { parts: await opts.parts(config) } : {});
  const clients = new Set<HubClient>();
  const hub: TestHub = {
    ...running,
    adminKey,
    token: (actor) => running.tokens.sign(actor),
    async client(actor, opts = {}) {
      const c = new HubClient(running.url, { ...opts, token: await running.tokens.sign(actor) });
      clients.add(c);
      return c.connect();
    },
    async customer(opts = {}) {
      const res = await fetch(`${running.url}/api/webchat/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          serviceIdentifier: opts.serviceIdentifier ?? 'webchat',
          ...(opts.visitorId ? { visitorId: opts.visitorId } : {}),
          ...(opts.name || opts.email ? { prechat: { ...(opts.name ? { name: opts.name } : {}), ...(opts.email ? { email: opts.email } : {}) } } : {}),
        }),
      });
      if (res.status !== 201) throw new Error(`webchat session: ${res.status} ${await res.text()}`);
      const { token, customerId, visitorId } = (await res.json()) as { token: string; customerId: string; visitorId: string };
      const c = new HubClient(running.url, { token, channelData: opts.channelData ?? {} });
      clients.add(c);
      return Object.assign(await c.connect(), { customerId, visitorId });
    },
    async admin(method, path, body) {
      const res = await fetch(`${running.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async archived(conversationId, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        if (!(await running.parts.store.get(conversationId))) {
          const found = await running.parts.archive.find(conversationId);
          if (found) return found;
        }
        if (Date.now() > deadline) throw new Error(`conversation ${conversationId} not archived within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      for (const c of clients) c.close();
      await running.close();
    },
  };
  return hub;
}

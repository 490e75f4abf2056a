import { randomBytes } from 'node:crypto';
import type { ConversationView } from '@conversation-hub/client-sdk/contract';
import { expect } from '@jest/globals';
import { HubClient, type HubClientOptions } from '@conversation-hub/client-sdk';
import { startHub, type Parts, type RunningHub } from '../../server/app.js';
import type { Actor } from '../../server/auth/tokens.js';
import { loadConfig, type HubConfig } from '../../server/config.js';
import { pgliteDataDir } from '../../server/persistence/create-database.js';
import { startClusterHubs } from './cluster-hubs.js';
import { makeTestDataDir, removeTestDataDir } from './data-dir.js';
import { seedPgliteDir } from './pglite-template.js';
import { testMode } from './test-mode.js';

export { testMode } from './test-mode.js';

/**
 * One hub as the tests see it. In embedded mode it is one instance; in cluster mode
 * (`HUB_TEST_MODE=cluster`) two instances, A and B, on one Redis prefix and one Postgres schema,
 * and the clients are spread over both (see `client`). `url`, `parts`, `hub`, `tokens`... are
 * instance A's; `parts.store` and `parts.archive` are the shared Redis and Postgres in a cluster.
 */
export interface TestHub extends RunningHub {
  adminKey: string;
  /** Every instance: `[A]` embedded, `[A, B]` in a cluster. */
  instances: RunningHub[];
  token(actor: Actor): Promise<string>;
  /**
   * A connected client for the actor; closed by `close()`. Where it connects, unless `instance`
   * says: customers and connectors on A; supervisors on B; agents and bots alternate B, A, B...
   * within each test (so a customer and the agents side, and two agents racing, are on different nodes).
   */
  client(actor: Actor, opts?: ClientOptions): Promise<HubClient>;
  /** A webchat customer: its session is made through B's public endpoint (A's when alone), its socket on A unless `instance` says. */
  customer(opts?: CustomerOptions): Promise<HubClient & { customerId: string; visitorToken: string; verified: boolean }>;
  /** The admin REST API; calls alternate A, B, A... within each test unless `instance` says (0 is A). */
  admin(method: string, path: string, body?: unknown, at?: { instance?: number }): Promise<{ status: number; body: any }>;
  /**
   * Resolves once the conversation's live state is gone and the archive has it (there is no event
   * for the removal, so this polls, bounded by `ms`); answers the archived conversation.
   */
  archived(conversationId: string, ms?: number): Promise<ConversationView>;
}

export type ClientOptions = Omit<HubClientOptions, 'token'> & { /** 0 is A, 1 is B (taken modulo the number of instances). */ instance?: number };

export interface CustomerOptions {
  serviceIdentifier?: string;
  /** The visitor token an earlier session answered: the same anonymous customer (PROTOCOL.md §2.2). */
  visitorToken?: string;
  /** A website's identity token (HS256 with the channel's identity secret): a verified, known customer. */
  identityToken?: string;
  name?: string;
  /** The pre-chat form's email: unverified, it identifies nobody (it goes into the channel data as `prechatEmail`). */
  email?: string;
  channelData?: Record<string, string>;
  /** The instance its socket connects to (0 is A, the default). */
  instance?: number;
  /** Runs before the socket connects: listeners for pushes that come as the session opens (`queue.position`). */
  before?: (c: HubClient) => void;
}

export interface StartTestHubOptions {
  /** Runs each instance on ready-made parts, made from its config (e.g. for its data folder or database). */
  parts?: (config: HubConfig, index: number) => Promise<Parts>;
}

/** A test hub's config: port 0 on loopback, the given secrets, a data folder of its own, quiet logs; `env` last. */
export function testHubConfig(secrets: { jwtSecret: string; adminKey: string }, env: Record<string, string>): HubConfig {
  const dataDir = env.HUB_DATA_DIR ?? makeTestDataDir();
  // An embedded hub opens a copy of a made database instead of making its own (test/helpers/pglite-template.ts).
  if (!env.HUB_DATA_DIR && !env.DATABASE_URL) seedPgliteDir(pgliteDataDir(dataDir));
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    HUB_JWT_SECRET: secrets.jwtSecret,
    HUB_ADMIN_KEY: secrets.adminKey,
    HUB_DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // The tests' webchat has no bot unless a test asks: most count what the customer gets.
    HUB_WEBCHAT_BOT: 'none',
    ...env,
  });
}

/**
 * A hub in this process on port 0, with its own secrets: embedded (its own data folder, PGlite in
 * it) or, in cluster mode, two instances on a fresh Redis prefix and Postgres schema, removed by
 * `close()`. `env` applies to every instance.
 */
export async function startTestHub(env: Record<string, string> = {}, opts: StartTestHubOptions = {}): Promise<TestHub> {
  const adminKey = randomBytes(18).toString('base64url');
  const secret = randomBytes(24).toString('base64url');
  const makeConfig = (clusterEnv: Record<string, string> = {}) =>
    testHubConfig(
      { jwtSecret: secret, adminKey },
      // Every test client comes from 127.0.0.1: per-address limits are lifted unless a test sets them.
      { HUB_IP_CONNECT_RATE: '100000', HUB_PUBLIC_HTTP_RATE: '100000', ...clusterEnv, ...env },
    );

  if (testMode === 'cluster') {
    const cluster = await startClusterHubs(2, makeConfig, opts.parts);
    return testHub(cluster.instances, adminKey, () => cluster.close());
  }
  const config = makeConfig();
  const running = await startHub(config, opts.parts ? { parts: await opts.parts(config, 0) } : {});
  return testHub([running], adminKey, async () => {
    await running.close();
    removeTestDataDir(config.dataDir);
  });
}

function testHub(instances: RunningHub[], adminKey: string, closeInstances: () => Promise<void>): TestHub {
  const a = instances[0]!;
  const at = (index: number) => instances[index % instances.length]!;
  const clients = new Set<HubClient>();
  // The alternations start afresh in each test, so where a test's clients land does not depend on the tests before it.
  let currentTest: string | undefined;
  let agentSide = 1;
  let adminCalls = 0;
  const inThisTest = () => {
    const name = expect.getState().currentTestName;
    if (name === currentTest) return;
    currentTest = name;
    agentSide = 1;
    adminCalls = 0;
  };

  const placeOf = (actor: Actor): number => {
    inThisTest();
    switch (actor.role) {
      case 'customer':
      case 'connector':
        return 0;
      case 'supervisor':
        return 1;
      default:
        return agentSide++;
    }
  };

  const connect = async (url: string, opts: HubClientOptions, before?: (c: HubClient) => void) => {
    const c = new HubClient(url, opts);
    clients.add(c);
    before?.(c);
    return c.connect();
  };

  return {
    ...a,
    adminKey,
    instances,
    token: (actor) => a.tokens.sign(actor),
    async client(actor, { instance, ...opts } = {}) {
      return connect(at(instance ?? placeOf(actor)).url, { ...opts, token: await a.tokens.sign(actor) });
    },
    async customer(opts = {}) {
      const res = await fetch(`${at(instances.length - 1).url}/api/webchat/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          serviceIdentifier: opts.serviceIdentifier ?? 'webchat',
          ...(opts.visitorToken ? { visitorToken: opts.visitorToken } : {}),
          ...(opts.identityToken ? { identityToken: opts.identityToken } : {}),
          ...(opts.name || opts.email ? { prechat: { ...(opts.name ? { name: opts.name } : {}), ...(opts.email ? { email: opts.email } : {}) } } : {}),
        }),
      });
      if (res.status !== 201) throw new Error(`webchat session: ${res.status} ${await res.text()}`);
      const { token, customerId, visitorToken, verified } = (await res.json()) as { token: string; customerId: string; visitorToken: string; verified: boolean };
      const c = await connect(at(opts.instance ?? 0).url, { token, channelData: opts.channelData ?? {} }, opts.before);
      return Object.assign(c, { customerId, visitorToken, verified });
    },
    async admin(method, path, body, where = {}) {
      inThisTest();
      const res = await fetch(`${at(where.instance ?? adminCalls++).url}${path}`, {
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
        if (!(await a.parts.store.get(conversationId))) {
          const found = await a.parts.archive.find(conversationId);
          if (found) return found;
        }
        if (Date.now() > deadline) throw new Error(`conversation ${conversationId} not archived within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      for (const c of clients) c.close();
      await closeInstances();
    },
  };
}

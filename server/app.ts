import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Tokens } from './auth/tokens.js';
import { createAuth } from './auth/wiring.js';
import { VisitorTokens } from './auth/visitor-tokens.js';
import type { HubConfig } from './config.js';
import { Hub } from './engine/hub.js';
import { createLogger, type Logger } from './log.js';
import type { Parts } from './ports.js';
import { checksOf } from './readiness.js';
import { errorHandler, noSuchRoute } from './transport/http/errors.js';
import { OutboundWebhooks } from './transport/http/outbound-webhooks.js';
import { pageRoutes } from './transport/http/pages.js';
import { httpRoutes } from './transport/http/routes.js';
import { createMetrics } from './transport/metrics.js';
import { socketSessions } from './transport/sessions.js';
import { SocketFanout } from './transport/socket-fanout.js';
import { createSocketServer, serveCalls } from './transport/socket-server.js';
import { BROWSER_PATHS, createEdges } from './transport/http/edges.js';
import { createLimits } from './transport/limits.js';

export type { Parts } from './ports.js';

export interface RunningHub {
  hub: Hub;
  http: HttpServer;
  url: string;
  port: number;
  log: Logger;
  parts: Parts;
  tokens: Tokens;
  close(): Promise<void>;
}

async function partsFor(config: HubConfig, log: Logger): Promise<Parts> {
  // Cluster parts load on demand, so embedded mode never touches Redis or pg.
  if (config.mode === 'cluster') return (await import('./parts/cluster.js')).clusterParts(config, log);
  return (await import('./parts/embedded.js')).embeddedParts(config, log);
}

/** Builds the hub from its config, listens, and answers a handle to stop it gracefully. */
export async function startHub(config: HubConfig, opts: { log?: Logger; parts?: Parts } = {}): Promise<RunningHub> {
  const log = opts.log ?? createLogger(config.logLevel);
  const parts = opts.parts ?? (await partsFor(config, log));
  const tokens = new Tokens(config.jwtSecret);
  const metrics = createMetrics();

  const app = express();
  app.disable('x-powered-by');
  // The edges (PROTOCOL.md §9): trusted proxies, security headers, origins and CORS, rate limits.
  const edges = createEdges(config.edges, config.mode);
  const limits = createLimits({ socketRate: config.socketRate, edges: config.edges, store: parts.limiterStore, log });
  // Accounts and sign-in (PROTOCOL.md §2.3); failed sign-ins are counted on the shared limiters.
  const auth = await createAuth(config, parts.admin.db, tokens, log, { counter: limits.counter });
  app.set('trust proxy', edges.trust);
  app.use(edges.headers);
  app.use(BROWSER_PATHS, edges.browserRoutes);
  app.use(express.json({ limit: '256kb' }));
  const http = createServer(app);
  const io = createSocketServer(http, { tokens, limits, edges, authenticate: auth.authenticate });
  auth.useSessions(socketSessions(io));
  if (parts.adapter) io.adapter(parts.adapter as never);
  const webhooks = new OutboundWebhooks(parts.channels, log);
  const fanout = new SocketFanout(io, (o) => webhooks.deliver(o));
  const hub = new Hub({
    store: parts.store,
    routing: parts.routing,
    scheduler: parts.scheduler,
    channels: parts.channels,
    customers: parts.customers,
    archive: parts.archive,
    fanout,
    log,
    agentCapacity: config.agentCapacity,
    agentGraceSeconds: config.agentGraceSeconds,
    inactivityOverrideSeconds: config.inactivityOverrideSeconds,
    archiveFailures: parts.archiveFailures,
    archiveRetry: config.archiveRetry,
    users: auth.users,
  });
  metrics.archiveDeadLetters.count = async () => (await hub.archiveFailures.store.list()).length;
  serveCalls(io, hub, { log, metrics, limits });

  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  app.get('/readyz', async (_req, res) => {
    // Each dependency by name, 'ok' or why not, each bounded in time (server/readiness.ts); 503 when any is not 'ok'.
    const checks = await checksOf(parts);
    const ok = Object.values(checks).every((v) => v === 'ok');
    res.status(ok ? 200 : 503).json({ ok, mode: config.mode, checks });
  });
  app.get('/metrics', edges.metricsGuard, async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const httpDeps = { hub, tokens, store: parts.store, admin: parts.admin, channels: parts.channels, customers: parts.customers, adminKey: config.adminKey, limits, accounts: auth.accounts, isUserAdmin: auth.isUserAdmin, visitorTokens: new VisitorTokens(config.jwtSecret, config.visitorTokenTtlSeconds) };
  app.use(httpRoutes(httpDeps));
  app.use(await pageRoutes(log)); // GET /, /agent, /webchat.js and their assets, built by `npm run build`
  app.use(noSuchRoute);
  app.use(errorHandler(log));

  await parts.scheduler.start();
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  log.info({ port, mode: config.mode }, 'hub listening');

  let closing: Promise<void> | undefined;
  return {
    hub,
    http,
    url,
    port,
    log,
    parts,
    tokens,
    close: () =>
      (closing ??= (async () => {
        io.disconnectSockets(true);
        await new Promise<void>((resolve) => io.close(() => resolve()));
        await limits.close();
        await parts.close();
      })()),
  };
}

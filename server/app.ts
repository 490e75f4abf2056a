import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Tokens } from './auth/tokens.js';
import { createAuth } from './auth/wiring.js';
import { VisitorTokens } from './auth/visitor-tokens.js';
import type { HubConfig } from './config.js';
import { dashboardMarks } from './engine/dashboard.js';
import { Hub } from './engine/hub.js';
import { createLogger, type Logger } from './log.js';
import type { Parts } from './ports.js';
import { checksOf } from './readiness.js';
import { errorHandler, noSuchRoute } from './transport/http/errors.js';
import { pageRoutes } from './transport/http/pages.js';
import { httpRoutes } from './transport/http/routes.js';
import { createMetrics, type Metrics } from './transport/metrics.js';
import { socketSessions } from './transport/sessions.js';
import { SocketFanout } from './transport/socket-fanout.js';
import { adapterStarted } from './transport/sharded-adapter.js';
import { createSocketServer, serveCalls } from './transport/socket-server.js';
import { BROWSER_PATHS, createEdges } from './transport/http/edges.js';
import { createLimits } from './transport/limits.js';
import { drainSockets, hubWork } from './transport/drain.js';
import { createReporting } from './reporting/flush.js';
import { serviceLevelToday } from './reporting/queries.js';
import { attachmentRoutes } from './attachments/routes.js';
import { AttachmentRecords } from './attachments/metadata.js';
import { attachmentLinks } from './attachments/signed-links.js';
import { blobStoreFor } from './parts/blobs.js';
import { createWebhooks } from './webhooks/wiring.js';
import { createWhatsApp } from './whatsapp/wiring.js';
import { connectorOutboundSink } from './transport/connector-outbound.js';
import { keepRawBody } from './transport/http/raw-body.js';
import { retention } from './persistence/retention.js';

export type { Parts } from './ports.js';

/** How long close() waits for disconnect handling before it closes the parts. */
const CLOSE_WAIT_MS = 5_000;

export interface RunningHub {
  hub: Hub;
  http: HttpServer;
  url: string;
  port: number;
  log: Logger;
  parts: Parts;
  tokens: Tokens;
  /** Stops at once: this node's sockets are disconnected (they reconnect elsewhere), then the parts close. */
  close(): Promise<void>;
  /**
   * SIGTERM's graceful stop, within `HUB_DRAIN_SECONDS` (server/transport/drain.ts): `/readyz`
   * answers 503 and handshakes are refused at once; the calls in flight finish; this node's own
   * sockets get a `reconnect` push and are disconnected; then `close()` (BullMQ's workers finish
   * their active jobs).
   */
  drain(): Promise<void>;
}

async function partsFor(config: HubConfig, log: Logger, metrics: Metrics): Promise<Parts> {
  // Cluster parts load on demand, so embedded mode never touches Redis or pg.
  if (config.mode === 'cluster') return (await import('./parts/cluster.js')).clusterParts(config, log, metrics);
  return (await import('./parts/embedded.js')).embeddedParts(config, log, metrics);
}

/** Builds the hub from its config, listens, and answers a handle to stop it gracefully. */
export async function startHub(config: HubConfig, opts: { log?: Logger; parts?: Parts } = {}): Promise<RunningHub> {
  const log = opts.log ?? createLogger(config.logLevel, { format: config.logFormat });
  const metrics = createMetrics(); // its recorders go to the parts, the engine and the transport as arguments
  const parts = opts.parts ?? (await partsFor(config, log, metrics));
  const tokens = new Tokens(config.jwtSecret);
  const work = hubWork(); // calls and disconnect handling under way, for drain() and close()
  let draining = false;

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
  app.use(express.json({ limit: '256kb', verify: keepRawBody }));
  const http = createServer(app);
  const io = createSocketServer(http, { tokens, limits, edges, authenticate: auth.authenticate, draining: () => draining });
  auth.useSessions(socketSessions(io));
  if (parts.adapter) io.adapter(parts.adapter as never);
  // Before the scheduler starts: the `webhook` timer's handler is registered here.
  const webhooks = createWebhooks(config, parts, log, metrics.webhook);
  const links = attachmentLinks(config.jwtSecret); // signed download links, for Meta to fetch the files agents send
  const whatsapp = createWhatsApp(parts, log, links);
  const bookkeeping = retention(parts.admin.db, parts.scheduler, log); // webhook and WhatsApp rows past their time
  bookkeeping.register();
  const outbound = connectorOutboundSink(parts.channels, { webhooks: webhooks.dispatch, whatsapp: whatsapp.sender }, log);
  const fanout = new SocketFanout(io, { activities: (list) => webhooks.dispatch.activities(list), connectorOutbound: outbound });
  // Report rows go through a durable outbox, drained into Postgres by the `reports` timer (server/reporting/).
  const reporting = parts.reportOutbox ? createReporting({ outbox: parts.reportOutbox, db: parts.admin.db, scheduler: parts.scheduler, log }) : undefined;
  reporting?.register();
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
    housekeepingSeconds: config.housekeepingSeconds,
    archiveFailures: parts.archiveFailures,
    archiveRetry: config.archiveRetry,
    users: auth.users,
    metrics: metrics.engine,
    dashboard: dashboardMarks(parts.scheduler, log),
    ...(reporting ? { reports: reporting.sink } : {}),
    serviceLevelToday: (thresholdSeconds) => serviceLevelToday(parts.admin.db, thresholdSeconds),
    serviceWindows: whatsapp.windows,
  });
  // The hub-wide gauges, read from the stores at each scrape.
  metrics.sources.deadLetters = async () => (await hub.archiveFailures.store.list()).length;
  metrics.sources.conversationsByState = () => parts.store.countByState();
  metrics.sources.queueLengths = () => parts.routing.queueLengths();
  serveCalls(io, hub, { log, metrics, limits, work });

  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  app.get('/readyz', async (_req, res) => {
    if (draining) return void res.status(503).json({ ok: false, mode: config.mode, draining: true }); // SIGTERM: the load balancer moves on (transport/drain.ts)
    // Each dependency by name, 'ok' or why not, each bounded in time (server/readiness.ts); 503 when any is not 'ok'.
    const checks = await checksOf(parts);
    const ok = Object.values(checks).every((v) => v === 'ok');
    res.status(ok ? 200 : 503).json({ ok, mode: config.mode, checks });
  });
  app.get('/metrics', edges.metricsGuard, async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const httpDeps = { webhooks, hub, tokens, store: parts.store, admin: parts.admin, channels: parts.channels, customers: parts.customers, adminKey: config.adminKey, limits, accounts: auth.accounts, isUserAdmin: auth.isUserAdmin, visitorTokens: new VisitorTokens(config.jwtSecret, config.visitorTokenTtlSeconds) };
  app.use(httpRoutes(httpDeps));
  // Attachments (PROTOCOL.md §1.7.5): multipart in, bytes out, so a router of their own.
  const blobs = await blobStoreFor(config, parts.admin.db);
  const attachments = { maxBytes: config.attachments?.maxBytes ?? 10 * 1024 * 1024, ...(config.edges.publicUrl ? { publicUrl: config.edges.publicUrl } : {}) };
  const records = new AttachmentRecords(parts.admin.db);
  app.use(attachmentRoutes({ hub, tokens, store: parts.store, blobs, records, links, ...attachments }));
  app.use(whatsapp.routes({ hub, blobs, records, ...attachments })); // Meta's webhook (PROTOCOL.md §1.7.1)
  app.use(await pageRoutes(log)); // GET /, /agent, /webchat.js and their assets, built by `npm run build`
  app.use(noSuchRoute);
  app.use(errorHandler(log, metrics.httpErrors));

  await parts.scheduler.start();
  await hub.housekeeping.start();
  await bookkeeping.start();
  // Rows a previous run left, and a flush whose retries gave up during a long outage: re-armed each minute.
  const kickReports = () => void reporting?.kick().catch((err: unknown) => log.warn({ err }, 'report flush timer not armed'));
  kickReports();
  const reportKicks = setInterval(kickReports, 60_000).unref();
  // Sharded fan-out: listen once this node hears its adapter's channels, so it counts for the others from its first socket.
  await adapterStarted(io.of('/').adapter);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  log.info({ port, mode: config.mode }, 'hub listening');

  let closing: Promise<void> | undefined;
  let drained: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      draining = true;
      clearInterval(reportKicks);
      // This node's sockets only: io.disconnectSockets would reach every node through the Redis adapter.
      io.local.disconnectSockets(true);
      // Their disconnect handling (an agent's: fetchSockets, a timer) still needs the parts.
      if (!(await work.disconnects.idle(CLOSE_WAIT_MS))) log.warn({ pending: work.disconnects.count }, 'closing with disconnect handling still running');
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await limits.close();
      await hub.close();
      await blobs.close?.();
      await parts.close();
    })());
  const drain = () =>
    (drained ??= (async () => {
      draining = true;
      await drainSockets(io, work, log, { deadline: Date.now() + config.drainSeconds * 1000, noticeMs: config.drainNoticeSeconds * 1000 });
      await close();
    })());
  return { hub, http, url, port, log, parts, tokens, close, drain };
}

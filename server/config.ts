import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { AuthEnv, authConfig, oidcComplete, oidcIncomplete, type AuthConfig } from './auth/config.js';
import type { LogFormat } from './log.js';

const Env = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    HUB_JWT_SECRET: z.string().min(16, 'HUB_JWT_SECRET must be at least 16 characters').optional(),
    HUB_ADMIN_KEY: z.string().min(16, 'HUB_ADMIN_KEY must be at least 16 characters').optional(),
    HUB_DATA_DIR: z.string().default('./data'),
    REDIS_URL: z.string().url().optional(),
    /** A Redis Cluster instead of one Redis: some of its masters, `host:port` comma-separated (the rest is discovered). */
    REDIS_CLUSTER_NODES: z
      .string()
      .regex(/^[A-Za-z0-9.\-\[\]:]+:\d{1,5}(,[A-Za-z0-9.\-\[\]:]+:\d{1,5})*$/, 'REDIS_CLUSTER_NODES must be host:port[,host:port...]')
      .optional(),
    DATABASE_URL: z.string().url().optional(),
    /** Postgres schema for this hub's tables (tests give each hub its own). */
    DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).optional(),
    /** Prefix of every Redis key and queue name (tests give each cluster its own). */
    HUB_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]*$/).default('hub'),
    /** Cluster fan-out: `sharded` (Redis 7 sharded Pub/Sub, one channel per room) or `classic` (every node hears every message; for Redis < 7 and for comparison). */
    HUB_REDIS_ADAPTER: z.enum(['sharded', 'classic'], { error: "HUB_REDIS_ADAPTER must be 'sharded' or 'classic'" }).default('sharded'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** `json` (one object a line, for collectors) or `pretty` (human-readable, development; needs the pino-pretty dev dependency). */
    LOG_FORMAT: z.enum(['json', 'pretty'], { error: "LOG_FORMAT must be 'json' (the default) or 'pretty'" }).default('json'),
    /** Default concurrent conversations of an agent who names no capacity. */
    HUB_AGENT_CAPACITY: z.coerce.number().int().min(1).max(100).default(3),
    /** How long an agent with no socket keeps its offers before they are re-routed. */
    HUB_AGENT_GRACE_SECONDS: z.coerce.number().positive().default(10),
    /** Calls a socket may make per second (burst twice that). */
    HUB_SOCKET_RATE: z.coerce.number().positive().default(50),
    /** Rate-limit refusals within 10 s after which a socket is disconnected (`rate_limited`). */
    HUB_SOCKET_STRIKES: z.coerce.number().int().min(1).default(100),
    /** Calls per second of one identity (token `sub` + role) over all its sockets and nodes. */
    HUB_IDENTITY_RATE: z.coerce.number().positive().default(200),
    /** Concurrent sockets of one identity, counted over every node. */
    HUB_MAX_SOCKETS_PER_IDENTITY: z.coerce.number().int().min(1).default(20),
    /** New socket connections per second per client address (10 s windows). */
    HUB_IP_CONNECT_RATE: z.coerce.number().positive().default(50),
    /** Requests per second per client address on each public HTTP route (burst four times that); unset: each route's own. */
    HUB_PUBLIC_HTTP_RATE: z.coerce.number().positive().optional(),
    /** The hub's public origin (`https://chat.example.com`): its own origin for the Origin check. */
    HUB_PUBLIC_URL: z.string().url().optional(),
    /** Comma-separated origins browsers may call from (`https://shop.example.com,http://localhost:*`). */
    HUB_ALLOWED_ORIGINS: z.string().optional().refine((v) => !v || splitList(v).every(isOriginPattern), 'each entry must be an origin like https://shop.example.com, https://*.example.com or http://localhost:*'),
    /** Proxies whose X-Forwarded-For is believed: a hop count, or addresses/CIDRs/`loopback`; unset: none. */
    HUB_TRUST_PROXY: z.string().optional().refine((v) => !v || /^\d+$/.test(v.trim()) || splitList(v).every(isProxyAddress), 'a hop count, or comma-separated addresses, CIDRs, loopback, linklocal or uniquelocal'),
    /** `Authorization: Bearer` token of `GET /metrics`; unset: `/metrics` answers 404. */
    HUB_METRICS_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'HUB_METRICS_TOKEN must be at least 16 characters').optional()),
    /** Lifetime of a webchat visitor token (PROTOCOL.md §2.2), in days. */
    HUB_VISITOR_TOKEN_TTL_DAYS: z.coerce.number().positive().max(3650).default(365),
    /** On SIGTERM: the longest the drain may take, from `/readyz` turning 503 to the exit (server/transport/drain.ts). */
    HUB_DRAIN_SECONDS: z.coerce.number().positive().max(3600).default(10),
    /** On SIGTERM: how long the node keeps serving its sockets after `/readyz` turned 503, for the load balancer to notice. */
    HUB_DRAIN_NOTICE_SECONDS: z.coerce.number().min(0).max(3600).default(0),
    /** Archive attempts of a closing conversation before it is dead-lettered (GET /api/archive/failures). */
    HUB_ARCHIVE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(20),
    /** First backoff between archive attempts, ms; it doubles up to 30 s. */
    HUB_ARCHIVE_BACKOFF_MS: z.coerce.number().int().min(1).max(30_000).default(500),
    /** Signed webhooks (server/webhooks/): attempts per delivery, first backoff (doubling) and its ceiling, ms. */
    HUB_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(15),
    HUB_WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(1).max(600_000).default(2_000),
    HUB_WEBHOOK_MAX_BACKOFF_MS: z.coerce.number().int().min(1).max(24 * 3600_000).default(3600_000),
    /** Overrides every channel's customer inactivity timeout (tests, demos). */
    HUB_INACTIVITY_OVERRIDE_SECONDS: z.coerce.number().positive().optional(),
    /** Period of the housekeeping sweep that restores follow-ups a dead node left undone (server/engine/housekeeping.ts). */
    HUB_HOUSEKEEPING_SECONDS: z.coerce.number().positive().max(3600).default(30),
    /** How long start-up waits for Postgres and Redis (server/startup.ts) before it gives up. */
    HUB_STARTUP_TIMEOUT_SECONDS: z.coerce.number().positive().default(60),
    /** The bot of the seeded `webchat` channel when the seed makes it: `builtin` (embedded default) or `none` (cluster default). */
    HUB_WEBCHAT_BOT: z.enum(['builtin', 'none'], { error: "HUB_WEBCHAT_BOT must be 'builtin' or 'none'" }).optional(),
    /** Largest attachment upload (PROTOCOL.md §1.7.5), bytes. */
    HUB_ATTACHMENT_MAX_BYTES: z.coerce.number().int().positive().max(1024 * 1024 * 1024).default(10 * 1024 * 1024),
    /** S3-compatible attachment storage: the bucket (set: S3 is used); credentials from the standard AWS environment. */
    HUB_S3_BUCKET: z.string().min(1).optional(),
    /** The S3 endpoint (MinIO, R2...); unset: AWS's own for the region. */
    HUB_S3_ENDPOINT: z.string().url().optional(),
    HUB_S3_REGION: z.string().min(1).default('us-east-1'),
    /** Path-style addressing (`endpoint/bucket/key`), which most non-AWS stores need. */
    HUB_S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('false'),
    /** Sign-in (server/auth/config.ts): token lifetimes, login limits, single sign-on. */
    ...AuthEnv,
  })
  .refine(oidcComplete, oidcIncomplete)
  .refine((e) => !(e.REDIS_URL && e.REDIS_CLUSTER_NODES), { message: 'set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both' })
  .refine((e) => !!(e.REDIS_URL || e.REDIS_CLUSTER_NODES) === !!e.DATABASE_URL, {
    message: 'set both REDIS_URL (or REDIS_CLUSTER_NODES) and DATABASE_URL (cluster mode) or neither (embedded mode)',
  });

export type HubConfig = {
  mode: 'embedded' | 'cluster';
  port: number;
  host: string;
  jwtSecret: string;
  adminKey: string;
  dataDir: string;
  redisUrl?: string;
  /** Set instead of `redisUrl` for a Redis Cluster: `host:port` of some of its masters. */
  redisClusterNodes?: string[];
  databaseUrl?: string;
  databaseSchema?: string;
  redisPrefix: string;
  /** The Socket.IO Redis adapter's kind (server/parts/cluster.ts). */
  redisAdapter: 'sharded' | 'classic';
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  logFormat: LogFormat;
  agentCapacity: number;
  agentGraceSeconds: number;
  socketRate: number;
  /** The edges (server/transport/limits.ts, http/edges.ts): rate limits, origins, proxies, metrics. */
  edges: EdgeConfig;
  inactivityOverrideSeconds?: number;
  housekeepingSeconds: number;
  /** Archive attempts before a dead letter, and their backoff (server/engine/archive-failures.ts). */
  archiveRetry: { maxAttempts: number; backoffMs: number; maxBackoffMs: number };
  /** How long start-up waits for Postgres and Redis (server/startup.ts). */
  startupTimeoutSeconds: number;
  /** Signed webhook deliveries' retries (server/webhooks/deliveries.ts). */
  webhookRetry: { attempts: number; backoffMs: number; maxBackoffMs: number };
  /** The seeded `webchat` channel's bot, set only when the seed makes the channel (an admin's changes stay). */
  webchatBot: 'builtin' | 'none';
  /** Lifetime of a webchat visitor token (server/auth/visitor-tokens.ts). */
  visitorTokenTtlSeconds: number;
  /** The drain on SIGTERM (server/transport/drain.ts): its time limit and its notice period. */
  drainSeconds: number;
  drainNoticeSeconds: number;
  /** Sign-in and accounts (server/auth/config.ts). */
  auth: AuthConfig;
  /** Attachments (server/attachments/): upload limit and where the bytes live; unset: 10 MB, the mode's own store. */
  attachments?: AttachmentConfig;
  /** Set when the secrets were generated rather than given: main logs where they are. */
  generatedSecretsFile?: string;
};

export interface AttachmentConfig {
  maxBytes: number;
  s3?: { bucket: string; endpoint?: string; region: string; forcePathStyle: boolean };
}

/** Reads and validates the environment; in embedded mode, missing secrets are made once and kept in the data folder. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`);
    throw new Error(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const mode = e.REDIS_URL || e.REDIS_CLUSTER_NODES ? 'cluster' : 'embedded';
  const dataDir = resolve(e.HUB_DATA_DIR);
  let jwtSecret = e.HUB_JWT_SECRET;
  let adminKey = e.HUB_ADMIN_KEY;
  let generatedSecretsFile: string | undefined;
  if (!jwtSecret || !adminKey) {
    if (mode === 'cluster') throw new Error('invalid configuration:\n  cluster mode needs HUB_JWT_SECRET and HUB_ADMIN_KEY (every node must share them)');
    const s = loadOrMakeSecrets(dataDir);
    jwtSecret ??= s.jwtSecret;
    adminKey ??= s.adminKey;
    generatedSecretsFile = s.file;
  }
  return {
    mode,
    port: e.PORT,
    host: e.HOST,
    jwtSecret,
    adminKey,
    dataDir,
    redisUrl: e.REDIS_URL,
    ...(e.REDIS_CLUSTER_NODES ? { redisClusterNodes: e.REDIS_CLUSTER_NODES.split(',') } : {}),
    databaseUrl: e.DATABASE_URL,
    databaseSchema: e.DATABASE_SCHEMA,
    redisPrefix: e.HUB_REDIS_PREFIX,
    redisAdapter: e.HUB_REDIS_ADAPTER,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    agentCapacity: e.HUB_AGENT_CAPACITY,
    agentGraceSeconds: e.HUB_AGENT_GRACE_SECONDS,
    socketRate: e.HUB_SOCKET_RATE,
    edges: {
      socketStrikes: e.HUB_SOCKET_STRIKES,
      identityRate: e.HUB_IDENTITY_RATE,
      maxSocketsPerIdentity: e.HUB_MAX_SOCKETS_PER_IDENTITY,
      ipConnectRate: e.HUB_IP_CONNECT_RATE,
      publicHttpRate: e.HUB_PUBLIC_HTTP_RATE,
      publicUrl: e.HUB_PUBLIC_URL,
      allowedOrigins: e.HUB_ALLOWED_ORIGINS ? splitList(e.HUB_ALLOWED_ORIGINS) : undefined,
      trustProxy: !e.HUB_TRUST_PROXY ? false : /^\d+$/.test(e.HUB_TRUST_PROXY.trim()) ? Number(e.HUB_TRUST_PROXY) : splitList(e.HUB_TRUST_PROXY),
      metricsToken: e.HUB_METRICS_TOKEN,
    },
    inactivityOverrideSeconds: e.HUB_INACTIVITY_OVERRIDE_SECONDS,
    housekeepingSeconds: e.HUB_HOUSEKEEPING_SECONDS,
    archiveRetry: { maxAttempts: e.HUB_ARCHIVE_MAX_ATTEMPTS, backoffMs: e.HUB_ARCHIVE_BACKOFF_MS, maxBackoffMs: 30_000 },
    startupTimeoutSeconds: e.HUB_STARTUP_TIMEOUT_SECONDS,
    webhookRetry: { attempts: e.HUB_WEBHOOK_MAX_ATTEMPTS, backoffMs: e.HUB_WEBHOOK_BACKOFF_MS, maxBackoffMs: Math.max(e.HUB_WEBHOOK_BACKOFF_MS, e.HUB_WEBHOOK_MAX_BACKOFF_MS) },
    // A newcomer's `npm start` shows a bot first; a cluster is set up by an admin.
    webchatBot: e.HUB_WEBCHAT_BOT ?? (mode === 'embedded' ? 'builtin' : 'none'),
    visitorTokenTtlSeconds: Math.round(e.HUB_VISITOR_TOKEN_TTL_DAYS * 24 * 3600),
    drainSeconds: e.HUB_DRAIN_SECONDS,
    drainNoticeSeconds: e.HUB_DRAIN_NOTICE_SECONDS,
    auth: authConfig(e),
    attachments: {
      maxBytes: e.HUB_ATTACHMENT_MAX_BYTES,
      ...(e.HUB_S3_BUCKET ? { s3: { bucket: e.HUB_S3_BUCKET, ...(e.HUB_S3_ENDPOINT ? { endpoint: e.HUB_S3_ENDPOINT } : {}), region: e.HUB_S3_REGION, forcePathStyle: e.HUB_S3_FORCE_PATH_STYLE === 'true' } } : {}),
    },
    generatedSecretsFile,
  };
}

export interface EdgeConfig {
  socketStrikes: number;
  identityRate: number;
  maxSocketsPerIdentity: number;
  ipConnectRate: number;
  publicHttpRate?: number;
  publicUrl?: string;
  /** Unset: the mode's default (http/edges.ts). */
  allowedOrigins?: string[];
  /** express's `trust proxy`: false (none), a hop count, or addresses, CIDRs and proxy-addr's names. */
  trustProxy: false | number | string[];
  metricsToken?: string;
}

function splitList(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** `https://shop.example.com`, `https://*.example.com`, `http://localhost:*`. */
function isOriginPattern(v: string): boolean {
  return /^https?:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:(\d{1,5}|\*))?$/i.test(v) || /^https?:\/\/\[[0-9a-f:.]+\](:(\d{1,5}|\*))?$/i.test(v);
}

function isProxyAddress(v: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(v)) return true;
  const [ip, bits, ...rest] = v.split('/');
  return rest.length === 0 && isIP(ip!) !== 0 && (bits === undefined || /^\d{1,3}$/.test(bits) || isIP(bits) !== 0);
}

function loadOrMakeSecrets(dataDir: string): { jwtSecret: string; adminKey: string; file: string } {
  const file = join(dataDir, 'secrets.json');
  try {
    const s = z.object({ jwtSecret: z.string().min(16), adminKey: z.string().min(16) }).parse(JSON.parse(readFileSync(file, 'utf8')));
    return { ...s, file };
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const s = { jwtSecret: randomBytes(32).toString('base64url'), adminKey: randomBytes(24).toString('base64url') };
    writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 });
    return { ...s, file };
  }
}

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

const Env = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    HUB_JWT_SECRET: z.string().min(16, 'HUB_JWT_SECRET must be at least 16 characters').optional(),
    HUB_ADMIN_KEY: z.string().min(16, 'HUB_ADMIN_KEY must be at least 16 characters').optional(),
    HUB_DATA_DIR: z.string().default('./data'),
    REDIS_URL: z.string().url().optional(),
    DATABASE_URL: z.string().url().optional(),
    /** Postgres schema for this hub's tables (tests give each hub its own). */
    DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).optional(),
    /** Prefix of every Redis key and queue name (tests give each cluster its own). */
    HUB_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]*$/).default('hub'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Default concurrent conversations of an agent who names no capacity. */
    HUB_AGENT_CAPACITY: z.coerce.number().int().min(1).max(100).default(3),
    /** How long an agent with no socket keeps its offers before they are re-routed. */
    HUB_AGENT_GRACE_SECONDS: z.coerce.number().positive().default(10),
    /** Calls a socket may make per second (burst twice that). */
    HUB_SOCKET_RATE: z.coerce.number().positive().default(50),
    /** Overrides every channel's customer inactivity timeout (tests, demos). */
    HUB_INACTIVITY_OVERRIDE_SECONDS: z.coerce.number().positive().optional(),
  })
  .refine((e) => !!e.REDIS_URL === !!e.DATABASE_URL, {
    message: 'set both REDIS_URL and DATABASE_URL (cluster mode) or neither (embedded mode)',
  });

export type HubConfig = {
  mode: 'embedded' | 'cluster';
  port: number;
  host: string;
  jwtSecret: string;
  adminKey: string;
  dataDir: string;
  redisUrl?: string;
  databaseUrl?: string;
  databaseSchema?: string;
  redisPrefix: string;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  agentCapacity: number;
  agentGraceSeconds: number;
  socketRate: number;
  inactivityOverrideSeconds?: number;
  /** Set when the secrets were generated rather than given: main logs where they are. */
  generatedSecretsFile?: string;
};

/** Reads and validates the environment; in embedded mode, missing secrets are made once and kept in the data folder. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`);
    throw new Error(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const mode = e.REDIS_URL ? 'cluster' : 'embedded';
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
    databaseUrl: e.DATABASE_URL,
    databaseSchema: e.DATABASE_SCHEMA,
    redisPrefix: e.HUB_REDIS_PREFIX,
    logLevel: e.LOG_LEVEL,
    agentCapacity: e.HUB_AGENT_CAPACITY,
    agentGraceSeconds: e.HUB_AGENT_GRACE_SECONDS,
    socketRate: e.HUB_SOCKET_RATE,
    inactivityOverrideSeconds: e.HUB_INACTIVITY_OVERRIDE_SECONDS,
    generatedSecretsFile,
  };
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

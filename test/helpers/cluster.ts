import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { HubClient, type HubClientOptions } from '@conversation-hub/client-sdk';
import { Tokens, type Actor } from '../../server/auth/tokens.js';
import { TEST_DATABASE_URL } from './database.js';
import { connectTestRedis, deleteKeys, testRedisUrl } from './redis.js';

export interface HubNode {
  index: number;
  port: number;
  url: string;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
}

export interface Cluster {
  nodes: HubNode[];
  prefix: string;
  schema: string;
  token(actor: Actor): Promise<string>;
  /** A connected client on a node (or any URL, e.g. a proxy); closed by `stop()`. */
  client(at: HubNode | string, actor: Actor, opts?: Omit<HubClientOptions, 'token'>): Promise<HubClient>;
  admin(node: HubNode, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  startNode(): Promise<HubNode>;
  kill(node: HubNode, signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

const root = new URL('../../', import.meta.url).pathname;

/**
 * Real hub processes in cluster mode, on port 0, against the machine's Redis and Postgres, with a
 * random key prefix and a fresh schema so clusters of different tests never meet.
 */
export async function startCluster(size: number, env: Record<string, string> = {}): Promise<Cluster> {
  const prefix = `test-${randomBytes(5).toString('hex')}`;
  const schema = `cluster_${randomBytes(5).toString('hex')}`;
  const secret = randomBytes(24).toString('base64url');
  const adminKey = randomBytes(18).toString('base64url');
  const tokens = new Tokens(secret);
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  // Made here, once: nodes starting together would race on CREATE SCHEMA.
  await pool.query(`create schema "${schema}"`);
  const clients = new Set<HubClient>();
  const nodes: HubNode[] = [];

  const startNode = async (): Promise<HubNode> => {
    const child = spawn(process.execPath, ['--conditions=conversation-hub-source', '--import', 'tsx', 'server/main.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: '0',
        HOST: '127.0.0.1',
        REDIS_URL: testRedisUrl,
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
        HUB_REDIS_PREFIX: prefix,
        HUB_JWT_SECRET: secret,
        HUB_ADMIN_KEY: adminKey,
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const lines: string[] = [];
    child.stderr!.on('data', (d: Buffer) => lines.push(d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`hub did not start in 30 s:\n${lines.join('\n')}`)), 30_000);
      const rl = createInterface({ input: child.stdout! });
      rl.on('line', (line) => {
        lines.push(line);
        if (lines.length > 200) lines.shift();
        if (!line.includes('"hub listening"')) return;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`hub exited with ${code} before listening:\n${lines.join('\n')}`));
      });
    });
    const node = { index: nodes.length, port, url: `http://127.0.0.1:${port}`, child, exited };
    nodes.push(node);
    return node;
  };

  const kill = async (node: HubNode, signal: NodeJS.Signals = 'SIGKILL') => {
    if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill(signal);
    await node.exited;
  };

  try {
    for (let i = 0; i < size; i++) await startNode();
  } catch (err) {
    for (const n of nodes) await kill(n);
    await pool.query(`drop schema if exists "${schema}" cascade`);
    await pool.end();
    throw err;
  }

  return {
    nodes,
    prefix,
    schema,
    token: (actor) => tokens.sign(actor),
    async client(at, actor, opts = {}) {
      const c = new HubClient(typeof at === 'string' ? at : at.url, { ...opts, token: await tokens.sign(actor) });
      clients.add(c);
      return c.connect();
    },
    async admin(node, method, path, body) {
      const res = await fetch(`${node.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    startNode,
    kill,
    async stop() {
      for (const c of clients) c.close();
      await Promise.all(nodes.map((n) => kill(n, 'SIGTERM')));
      if (!env.REDIS_URL) {
        const redis = await connectTestRedis();
        try {
          await deleteKeys(redis, `${prefix}`);
        } finally {
          redis.destroy();
        }
      }
      await pool.query(`drop schema if exists "${schema}" cascade`);
      await pool.end();
    },
  };
}

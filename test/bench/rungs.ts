import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';
import { cleanups, DATABASE_URL, jwtSecret, adminKey, log, REDIS_URL, runId } from './params.js';
import { ROOT, startNode, type Node } from './procs.js';
import { startLocalRedisCluster } from '../helpers/redis-cluster-setup.js';

/** The built server's entry, built first when a source is newer (scripts/build.ts, build-server.ts). */
async function builtServer(): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
  execFileSync(tsx, ['--conditions=conversation-hub-source', 'scripts/build.ts', '--if-stale'], { cwd: ROOT, stdio: 'ignore' });
  execFileSync(tsx, ['scripts/build-server.ts', '--if-stale'], { cwd: ROOT, stdio: 'ignore' });
  return join(ROOT, 'dist', 'server', 'server', 'main.js');
}

// ---- rungs ---------------------------------------------------------------------------------

export type RungName = 'relay-1' | 'relay-2' | 'hub-1' | 'hub-2' | 'hub-4' | 'hub-2-rc';
export interface Rung {
  name: RungName;
  nodes: Node[];
  redis: boolean;
  stop(): Promise<void>;
}

/**
 * `compiled`: the hub as production runs it (`node dist/server/server/main.js`, built here when
 * stale), for memory figures without tsx. `hub-2-rc`: hub-2 on a local three-master Redis Cluster
 * that the rung starts and stops (test/helpers/redis-cluster-setup.ts).
 */
export async function startRung(name: RungName, extraEnv: Record<string, string> = {}, opts: { inspect?: boolean; compiled?: boolean } = {}): Promise<Rung> {
  const relayScript = join(ROOT, 'test', 'bench', 'relay.ts');
  const hubScript = opts.compiled ? await builtServer() : join(ROOT, 'server', 'main.ts');
  if (name === 'relay-1') {
    const a = await startNode('relay-A', relayScript, {}, opts);
    return { name, nodes: [a], redis: false, stop: () => a.stop() };
  }
  if (name === 'relay-2') {
    const env = { RELAY_REDIS_URL: REDIS_URL, RELAY_REDIS_PREFIX: `bench-relay-${runId}` };
    const nodes = await Promise.all([startNode('relay-A', relayScript, env), startNode('relay-B', relayScript, env)]);
    return { name, nodes, redis: true, stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))) };
  }
  // The load comes from one address and one token per generator: the abuse limits would cut it off.
  const limits = { HUB_IP_CONNECT_RATE: '1000000', HUB_PUBLIC_HTTP_RATE: '1000000', HUB_IDENTITY_RATE: '1000000', HUB_MAX_SOCKETS_PER_IDENTITY: '100000', HUB_SOCKET_RATE: '1000' };
  const base = { HUB_JWT_SECRET: jwtSecret, HUB_ADMIN_KEY: adminKey, LOG_LEVEL: 'info', ...limits, ...extraEnv };
  if (name === 'hub-1') {
    // A data folder given in extraEnv is the caller's (kept); else a fresh one, removed at stop.
    const own = !extraEnv.HUB_DATA_DIR;
    const dataDir = extraEnv.HUB_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'hub-bench-'));
    const a = await startNode('hub-A', hubScript, { ...base, HUB_DATA_DIR: dataDir }, opts);
    return {
      name,
      nodes: [a],
      redis: false,
      stop: async () => {
        await a.stop();
        if (own) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  // hub-2 (hub-4): cluster mode, two (four) nodes, its own Redis prefix and Postgres schema, both removed afterwards.
  const tag = randomBytes(4).toString('hex');
  const schema = `bench_${tag}`;
  const prefix = `bench-${tag}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-bench-'));
  const redisCluster = name === 'hub-2-rc' ? await startLocalRedisCluster() : undefined;
  const redisEnv: Record<string, string> = redisCluster ? { REDIS_CLUSTER_NODES: redisCluster.nodes.join(',') } : { REDIS_URL };
  const env = { ...base, ...redisEnv, DATABASE_URL, DATABASE_SCHEMA: schema, HUB_REDIS_PREFIX: prefix, HUB_DATA_DIR: dataDir };
  const cleanup = async () => {
    await redisCluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      await client.query(`drop schema if exists "${schema}" cascade`);
    } finally {
      await client.end();
    }
    if (redisCluster) return;
    const r = createClient({ url: REDIS_URL, RESP: 2 });
    await r.connect();
    try {
      let cursor = '0';
      for (let round = 0; round < 10_000; round++) {
        const reply = await r.scan(cursor, { MATCH: `${prefix}*`, COUNT: 1_000 });
        cursor = String(reply.cursor);
        if (reply.keys.length) await r.del(reply.keys);
        if (cursor === '0') break;
      }
    } finally {
      await r.quit();
    }
  };
  cleanups.push(cleanup);
  let nodes: Node[] = [];
  try {
    // The first node migrates the schema; the others start once it is there.
    const a = await startNode('hub-A', hubScript, env, opts);
    nodes = [a];
    for (const n of name === 'hub-4' ? ['B', 'C', 'D'] : ['B']) nodes.push(await startNode(`hub-${n}`, hubScript, env, opts));
  } catch (err) {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    await cleanup().catch(() => undefined);
    cleanups.splice(cleanups.indexOf(cleanup), 1);
    throw err;
  }
  return {
    name,
    nodes,
    redis: !redisCluster,
    stop: async () => {
      await Promise.allSettled(nodes.map((n) => n.stop()));
      await cleanup().catch((err: unknown) => log(`cleanup of ${schema}/${prefix} failed: ${(err as Error).message}`));
      cleanups.splice(cleanups.indexOf(cleanup), 1);
    },
  };
}

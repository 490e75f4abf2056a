// jest's globalSetup: one local three-master Redis Cluster for the run (the conformance suites'
// "redis cluster" runs and the `integration-redis-cluster` project). Workers start after this, so
// they inherit TEST_REDIS_CLUSTER_NODES. Self-contained: jest resolves a global set-up's imports
// without the projects' module mapping.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A local Redis Cluster of three masters on loopback, made for the tests (no replicas). */
export interface LocalRedisCluster {
  /** `host:port` of each master, the form `REDIS_CLUSTER_NODES` takes (comma-joined). */
  nodes: string[];
  stop(): Promise<void>;
}

/** A port p that is free, with p + 10000 (the cluster bus) free too. */
async function freePortPair(taken: Set<number>): Promise<number> {
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (taken.has(port)) continue;
    try {
      await listen(port);
      await listen(port + 10_000);
      taken.add(port);
      return port;
    } catch {
      // taken: try another
    }
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100)); // polling a child process's readiness: no event to wait for
  }
  throw new Error(`redis cluster: ${what} not reached in ${ms} ms`);
}

const cli = (port: number, ...args: string[]) => run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });

/**
 * Starts three `redis-server --cluster-enabled yes` on free loopback ports (data in a temp folder,
 * nothing saved), joins them with `redis-cli --cluster create` and waits for `cluster_state:ok`
 * on each. `stop` kills them and removes the folder.
 */
export async function startLocalRedisCluster(): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-redis-cluster-'));
  const taken = new Set<number>();
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePortPair(taken);
      ports.push(port);
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout', '2000', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', join(dir, `${port}.log`)];
      children.push(spawn('redis-server', args, { stdio: 'ignore' }));
    }
    for (const port of ports) await waitFor(async () => (await cli(port, 'ping')).stdout.trim() === 'PONG', `node ${port} up`);
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    for (const port of ports) await waitFor(async () => (await cli(port, 'cluster', 'info')).stdout.includes('cluster_state:ok'), `cluster_state:ok on ${port}`);
    return { nodes: ports.map((p) => `127.0.0.1:${p}`), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export default async function setup(): Promise<void> {
  if (process.env.TEST_REDIS_CLUSTER_NODES) return; // given from outside
  const cluster = await startLocalRedisCluster();
  process.env.TEST_REDIS_CLUSTER_NODES = cluster.nodes.join(',');
  (globalThis as { __hubRedisCluster?: LocalRedisCluster }).__hubRedisCluster = cluster;
}

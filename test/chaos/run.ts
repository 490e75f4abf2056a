/**
 * `npm run chaos` (at most 10 minutes; `-- --quick` at most 2, run in CI): three hub nodes behind
 * a TCP balancer, a private Redis with AOF, the machine's Postgres behind a proxy that can refuse.
 * Lanes of customers, bots and agents talk through HubClient while nodes are SIGKILLed and
 * drained, Redis is killed and Postgres refuses for 20 s. The history of every ack, delivery, timer
 * firing and archive is then checked (checker.ts); it prints a table, writes chaos-results.json and
 * exits 1 on any violation. Method: README "Chaos".
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, writeFileSync } from 'node:fs';
import { RedisRoutingStore } from '../../server/routing/redis-routing-store.js';
import { startCluster, type Cluster, type HubNode } from '../helpers/cluster.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { startProxy, type TcpProxy } from '../helpers/proxy.js';
import { startBalancer, type Balancer } from './balancer.js';
import { check, violationsOf } from './checker.js';
import { clientFactory } from './clients.js';
import { inject, type FaultKind, type FaultRecord, type Rig } from './faults.js';
import { newHistory } from './history.js';
import { prepareLane } from './lanes.js';
import { readArchives } from './archives.js';
import { explain, printReport, type ChaosResult } from './report.js';

const quick = process.argv.includes('--quick');
const P = quick
  ? { loadSeconds: 60, chatLanes: 6, idleLanes: 3, messagesPerSide: 15, idleSeconds: 3, faults: [[3, 'postgres'], [27, 'sigkill'], [36, 'sigterm'], [46, 'redis']] as [number, FaultKind][] }
  : { loadSeconds: 400, chatLanes: 24, idleLanes: 6, messagesPerSide: 40, idleSeconds: 4, faults: schedule(400) };

/** The full run: the four faults in turn every 22 s, so each comes about four times. */
function schedule(seconds: number): [number, FaultKind][] {
  const kinds: FaultKind[] = ['sigkill', 'redis', 'sigterm', 'postgres'];
  const out: [number, FaultKind][] = [];
  for (let t = 10, i = 0; t < seconds - 30; t += 22, i++) out.push([t, kinds[i % kinds.length]!]);
  return out;
}

const run = `chaos-${randomBytes(3).toString('hex')}`;
const say = (s: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const nodeLog = createWriteStream('chaos-nodes.log');

let cluster: Cluster | undefined;
let redis: PrivateRedis | undefined;
let postgres: TcpProxy | undefined;
let balancer: Balancer | undefined;
let exitCode = 1;
const started = Date.now();
try {
  redis = await startPrivateRedis();
  postgres = await startProxy({ port: 5432 });
  const env = {
    REDIS_URL: redis.url,
    DATABASE_URL: `postgres://postgres@127.0.0.1:${postgres.port}/test`,
    LOG_LEVEL: 'info', // the "hub listening" line says a node is up
    HUB_DRAIN_SECONDS: '10',
    HUB_DRAIN_NOTICE_SECONDS: '1',
    HUB_ARCHIVE_BACKOFF_MS: '250',
    HUB_HOUSEKEEPING_SECONDS: '5',
    HUB_ARCHIVE_MAX_ATTEMPTS: '100',
    // One machine's clients all come from 127.0.0.1: lift the per-IP and per-socket limits as the bench does.
    HUB_IP_CONNECT_RATE: '1000000',
    HUB_PUBLIC_HTTP_RATE: '1000000',
    HUB_IDENTITY_RATE: '1000000',
    HUB_MAX_SOCKETS_PER_IDENTITY: '100000',
    HUB_SOCKET_RATE: '1000',
  };
  cluster = await startCluster(1, env);
  await Promise.all([cluster.startNode(), cluster.startNode()]);
  const onNode = (n: HubNode) => {
    n.child.stdout!.on('data', (d: Buffer) => nodeLog.write(d));
    n.child.stderr!.on('data', (d: Buffer) => nodeLog.write(d));
    void n.exited.then((code) => nodeLog.write(`{"chaos":"node :${n.port} exited with ${code}"}\n`));
  };
  cluster.nodes.forEach(onNode);
  balancer = await startBalancer();
  balancer.setTargets(cluster.nodes.map((n) => n.port));
  const rig: Rig = { cluster, live: [...cluster.nodes], balancer, redis, postgres, onNode };
  say(`${run}: 3 nodes (:${cluster.nodes.map((n) => n.port).join(', :')}) behind ${balancer.url}, Redis ${redis.url}, Postgres via :${postgres.port}`);

  const history = newHistory();
  const first = cluster.nodes[0]!;
  const admin = (method: string, path: string, body?: unknown) => cluster!.admin(first, method, path, body);
  const make = clientFactory(balancer.url, (actor) => cluster!.token(actor), history);
  const timing = { stopAt: Infinity };
  const lane = (kind: 'chat' | 'idle', index: number) =>
    prepareLane({ run, index, kind, make, admin, history, timing, messagesPerSide: P.messagesPerSide, idleSeconds: P.idleSeconds });
  const prepared = await Promise.all([...Array.from({ length: P.chatLanes }, (_, i) => lane('chat', i)), ...Array.from({ length: P.idleLanes }, (_, i) => lane('idle', i))]);
  const loadStart = Date.now();
  timing.stopAt = loadStart + P.loadSeconds * 1000;
  const lanes = Promise.allSettled(prepared.map((go) => go()));

  const faults: FaultRecord[] = [];
  for (const [at, kind] of P.faults) {
    const wait = loadStart + at * 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t0 = Date.now();
    say(`fault: ${kind}`);
    const detail = await inject(rig, kind, faults.length);
    faults.push({ kind, at: Math.round((t0 - loadStart) / 1000), ms: Date.now() - t0, detail });
    say(`  ${detail} (${Date.now() - t0} ms)`);
  }
  const laneResults = await lanes;
  const laneFailures = laneResults.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
  say(`load done: ${history.conversations.length} conversations; lanes failed: ${laneFailures.length}`);
  for (const c of make.all) c.close();

  const archived = await readArchives(cluster.schema, history, say);
  const verdict = check(history);
  const totalSeconds = Math.round((Date.now() - started) / 1000);
  const result: ChaosResult = { run, quick, params: P, seconds: totalSeconds, loadSeconds: P.loadSeconds, faults, laneFailures, archived, verdict, violations: violationsOf(verdict) + laneFailures.length };
  writeFileSync('chaos-results.json', `${JSON.stringify(result, null, 2)}\n`);
  printReport(result, say);
  const routing = await RedisRoutingStore.connect(redis.url, { prefix: `${cluster.prefix}:routing:` });
  try {
    await explain(verdict.examples, { get: (path) => cluster!.admin(rig.live[0]!, 'GET', path), routing }, say);
  } finally {
    await routing.close();
  }
  exitCode = result.violations === 0 ? 0 : 1;
} catch (err) {
  say(`chaos run failed: ${err instanceof Error ? err.stack : String(err)}`);
} finally {
  await balancer?.close();
  await cluster?.stop().catch(() => {});
  await postgres?.close();
  await redis?.stop();
  nodeLog.end();
}
process.exit(exitCode);

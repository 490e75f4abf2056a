/**
 * `npm run bench [-- --quick]`: cross-node latency, throughput and capacity of the hub against a
 * ladder of bare Socket.IO relays, in one run with one generator. Prints a table and writes
 * bench-results.json. A benchmark, not a test: it asserts nothing, it reports the targets of
 * issue 6 as met or missed.
 *
 * Ladder (each rung its own processes, started fresh, warmed up, then measured):
 *   relay-1  bare Socket.IO relay, one node
 *   relay-2  bare Socket.IO relay, two nodes, @socket.io/redis-adapter
 *   hub-1    the hub, embedded mode, one node
 *   hub-2    the hub, cluster mode, two nodes on one Redis and one Postgres (skipped if it does not start)
 *   scaling  the hub, cluster mode, four nodes with sockets on two: what idle nodes cost per message
 * Conversations: customer socket on node A, agent-side socket on node B. On the hub the agent side
 * is a supervisor who `conversation.join`s (supervisors may send: barge-in), so routing (offers,
 * capacity, accept) stays out of the message path being measured. Customer and supervisor tokens
 * are signed with the hubs' HUB_JWT_SECRET, as the webchat endpoint would (it is rate-limited per IP).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';
import { mergeEncoded, percentilesMs, sleep, type ConnectResult, type RunResult } from './common.js';
import { cpuMsOf, fdsOf, machineBusyMs, heapOf, killAll, killAllNow, ROOT, rssOf, startGenerator, startNode, type Generator, type Node } from './procs.js';
import { fmt, latencyTable, table, writeJson, type LatencyRow } from './report.js';
import { runTimers, type TimersSummary } from './timers.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const P = quick
  ? {
      budgetMs: 112_000,
      minRungMs: 15_000,
      conversations: 500,
      small: { conversations: 100, perSide: 1, warmupMs: 1_000, measureMs: 2_000 },
      big: { perSide: 0.5, warmupMs: 1_000, measureMs: 2_500 },
      ramp: { steps: [1_000, 2_000, 4_000], warmupMs: 800, measureMs: 1_500 },
      idle: { conversations: 1_000, warmConversations: 150, generators: 3 },
      timers: { sessions: 600, timeoutSeconds: 2, generators: 2 },
      drainMs: 1_500,
      generators: 2,
    }
  : {
      budgetMs: 570_000,
      minRungMs: 60_000,
      conversations: 2_000,
      small: { conversations: 100, perSide: 1, warmupMs: 4_000, measureMs: 8_000 },
      big: { perSide: 0.5, warmupMs: 4_000, measureMs: 12_000 },
      ramp: { steps: [1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000, 12_000], warmupMs: 1_500, measureMs: 3_500 },
      idle: { conversations: 9_000, warmConversations: 300, generators: 3 },
      timers: { sessions: 10_000, timeoutSeconds: 5, generators: 2 },
      drainMs: 3_000,
      generators: 2,
    };

const started = Date.now();
const deadline = started + P.budgetMs;
const timeLeft = () => deadline - Date.now();
const runId = randomBytes(4).toString('hex');
const jwtSecret = randomBytes(24).toString('base64url');
const adminKey = randomBytes(18).toString('base64url');
const cleanups: Array<() => Promise<void>> = [];

// ---- stop by itself, kill every child, also on error and SIGINT ----------------------------
const watchdog = setTimeout(() => {
  process.stderr.write(`bench: over its time limit; stopping\n`);
  void shutdown(2);
}, P.budgetMs + 60_000);
watchdog.unref();
let shuttingDown = false;
async function shutdown(code: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    await killAll();
    for (const c of cleanups.splice(0)) await c().catch(() => undefined);
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));
process.on('exit', killAllNow);

const log = (s: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

// ---- rungs ---------------------------------------------------------------------------------

type RungName = 'relay-1' | 'relay-2' | 'hub-1' | 'hub-2' | 'hub-4';
interface Rung {
  name: RungName;
  nodes: Node[];
  redis: boolean;
  stop(): Promise<void>;
}

async function startRung(name: RungName, extraEnv: Record<string, string> = {}, opts: { inspect?: boolean } = {}): Promise<Rung> {
  const relayScript = join(ROOT, 'test', 'bench', 'relay.ts');
  const hubScript = join(ROOT, 'server', 'main.ts');
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
    const dataDir = mkdtempSync(join(tmpdir(), 'hub-bench-'));
    const a = await startNode('hub-A', hubScript, { ...base, HUB_DATA_DIR: dataDir }, opts);
    return {
      name,
      nodes: [a],
      redis: false,
      stop: async () => {
        await a.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  // hub-2 (hub-4): cluster mode, two (four) nodes, its own Redis prefix and Postgres schema, both removed afterwards.
  const tag = randomBytes(4).toString('hex');
  const schema = `bench_${tag}`;
  const prefix = `bench-${tag}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-bench-'));
  const env = { ...base, REDIS_URL, DATABASE_URL, DATABASE_SCHEMA: schema, HUB_REDIS_PREFIX: prefix, HUB_DATA_DIR: dataDir };
  const cleanup = async () => {
    rmSync(dataDir, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      await client.query(`drop schema if exists "${schema}" cascade`);
    } finally {
      await client.end();
    }
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
    redis: true,
    stop: async () => {
      await Promise.allSettled(nodes.map((n) => n.stop()));
      await cleanup().catch((err: unknown) => log(`cleanup of ${schema}/${prefix} failed: ${(err as Error).message}`));
      cleanups.splice(cleanups.indexOf(cleanup), 1);
    },
  };
}

// ---- redis counters ------------------------------------------------------------------------

type RedisClient = ReturnType<typeof createClient>;
async function redisCounters(r: RedisClient): Promise<{ total: number; byCommand: Record<string, number> }> {
  const stats = await r.info('stats');
  const total = Number(/total_commands_processed:(\d+)/.exec(stats)?.[1] ?? 0);
  const byCommand: Record<string, number> = {};
  for (const m of (await r.info('commandstats')).matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) byCommand[m[1]!] = Number(m[2]);
  return { total, byCommand };
}

async function redisPidOf(r: RedisClient): Promise<number | undefined> {
  const pid = Number(/process_id:(\d+)/.exec(await r.info('server'))?.[1]);
  return pid && existsSync(`/proc/${pid}/stat`) ? pid : undefined;
}

function safeCpu(pid: number): number {
  try {
    return cpuMsOf(pid);
  } catch {
    return 0;
  }
}

// ---- latency scenarios ---------------------------------------------------------------------

async function measure(
  rung: Rung,
  gens: Generator[],
  scenario: string,
  conversations: number,
  perSide: number,
  warmupMs: number,
  measureMs: number,
  redis: RedisClient | undefined,
): Promise<LatencyRow> {
  const per = Math.ceil(conversations / gens.length);
  const pids = rung.nodes.map((n) => n.pid);
  let cpu0: number[] = [];
  let cpu1: number[] = [];
  let r0: Awaited<ReturnType<typeof redisCounters>> | undefined;
  let r1: Awaited<ReturnType<typeof redisCounters>> | undefined;
  let t0 = 0;
  let t1 = 0;
  let m0 = 0;
  let m1 = 0;
  let redisCpu0 = 0;
  let redisCpu1 = 0;
  const redisPid = redis ? await redisPidOf(redis) : undefined;
  // Sample the servers' CPU (and Redis' counters) over the generators' measured window.
  const sampler = (async () => {
    await sleep(warmupMs);
    t0 = performance.now();
    cpu0 = pids.map(cpuMsOf);
    m0 = machineBusyMs();
    if (redisPid) redisCpu0 = safeCpu(redisPid);
    if (redis) r0 = await redisCounters(redis);
    await sleep(measureMs);
    t1 = performance.now();
    cpu1 = pids.map(cpuMsOf);
    m1 = machineBusyMs();
    if (redisPid) redisCpu1 = safeCpu(redisPid);
    if (redis) r1 = await redisCounters(redis);
  })();
  const results = await Promise.all(
    gens.map((g, k) =>
      g.call<RunResult>({ cmd: 'run', count: Math.min(per, conversations - k * per), perSideRate: perSide, warmupMs, measureMs, drainMs: P.drainMs }),
    ),
  );
  await sampler;
  const sum = (f: (r: RunResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const errors: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.ackErrors)) errors[k] = (errors[k] ?? 0) + v;
  const measuredSent = sum((r) => r.measuredSent);
  const windowS = Math.max(...results.map((r) => r.windowMs)) / 1000;
  const cpuMs = cpu1.reduce((a, c, i) => a + c - cpu0[i]!, 0);
  const latency = percentilesMs(mergeEncoded(results.map((r) => r.histogram)));
  let redisCmdsPerMsg: number | undefined;
  let redisTopCommands: Record<string, number> | undefined;
  if (r0 && r1 && measuredSent > 0) {
    redisCmdsPerMsg = (r1.total - r0.total) / measuredSent;
    const deltas = Object.entries(r1.byCommand)
      .map(([k, v]) => [k, (v - (r0!.byCommand[k] ?? 0)) / measuredSent] as const)
      .filter(([, v]) => v >= 0.01)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8);
    redisTopCommands = Object.fromEntries(deltas.map(([k, v]) => [k, Math.round(v * 100) / 100]));
  }
  const row: LatencyRow = {
    scenario,
    rung: rung.name,
    conversations,
    rate: measuredSent / windowS,
    latency,
    ack: percentilesMs(mergeEncoded(results.map((r) => r.ackHistogram))),
    lost: sum((r) => r.lost),
    duplicated: sum((r) => r.duplicated),
    reordered: sum((r) => r.reordered),
    errors,
    serverCpuUsPerMsg: measuredSent > 0 ? (cpuMs * 1000) / measuredSent : 0,
    serverCpu: cpu1.map((c, i) => Math.round(((c - cpu0[i]!) / (t1 - t0)) * 100) / 100),
    ...(redisCmdsPerMsg === undefined ? {} : { redisCmdsPerMsg: Math.round(redisCmdsPerMsg * 100) / 100, redisTopCommands }),
    generatorCpu: results.map((r) => Math.round(r.generatorCpu * 100) / 100),
    ...(redisPid ? { redisCpu: round2((redisCpu1 - redisCpu0) / (t1 - t0)) } : {}),
    machineCpu: round2((m1 - m0) / (t1 - t0)),
    otherCpu: 0,
    sendLagP99Ms: Math.max(...results.map((r) => r.sendLagP99Ms)),
    activityBytes: Math.max(...results.map((r) => r.activityBytes)),
    ok: false,
  };
  // Cores busy with something else than this rung (other users of the machine; Postgres counts here too).
  row.otherCpu = round2(Math.max(0, row.machineCpu - row.serverCpu.reduce((a, b) => a + b, 0) - row.generatorCpu.reduce((a, b) => a + b, 0) - (row.redisCpu ?? 0)));
  row.ok = row.lost === 0 && row.duplicated === 0 && row.reordered === 0 && Object.keys(errors).length === 0 && latency.count > 0;
  log(
    `  ${scenario.padEnd(14)} ${rung.name.padEnd(8)} ${fmt(row.rate, 0).padStart(6)} msg/s  p50 ${fmt(latency.p50, 2)}  p99 ${fmt(latency.p99, 2)}  max ${fmt(latency.max, 1)} ms` +
      `  lost ${row.lost} dup ${row.duplicated} reord ${row.reordered}${Object.keys(errors).length ? ` errors ${JSON.stringify(errors)}` : ''}` +
      `  srv ${fmt(row.serverCpuUsPerMsg, 0)} µs/msg cpu ${row.serverCpu.join('/')}  gen ${row.generatorCpu.join('/')} lag99 ${fmt(row.sendLagP99Ms, 1)}` +
      (row.redisCmdsPerMsg !== undefined ? `  redis ${row.redisCmdsPerMsg}/msg cpu ${row.redisCpu}` : '') +
      `  other ${row.otherCpu} cores`,
  );
  return row;
}

interface RungResult {
  rung: RungName;
  nodes: number;
  skipped?: string;
  connectMs?: number;
  rows: LatencyRow[];
  knee?: { rate: number; firstFailing?: number; reason?: string };
}

async function latencyRung(name: RungName): Promise<RungResult> {
  log(`rung ${name}: starting`);
  let rung: Rung;
  try {
    rung = await startRung(name);
  } catch (err) {
    const reason = (err as Error).message.split('\n').find((l) => /not wired|Error|error/.test(l)) ?? (err as Error).message.split('\n')[0]!;
    log(`rung ${name}: skipped (${reason.trim().slice(0, 200)})`);
    return { rung: name, nodes: 0, skipped: reason.trim().slice(0, 500), rows: [] };
  }
  const gens: Generator[] = [];
  let redis: RedisClient | undefined;
  try {
    if (rung.redis) {
      redis = createClient({ url: REDIS_URL, RESP: 2 });
      await redis.connect();
    }
    for (let g = 0; g < P.generators; g++) gens.push(await startGenerator());
    const connectMs = await connectConversations(rung, gens);

    const rows: LatencyRow[] = [];
    const s = P.small;
    rows.push(await measure(rung, gens, `${s.conversations}×${s.perSide}/s`, s.conversations, s.perSide, s.warmupMs, s.measureMs, redis));
    rows.push(await measure(rung, gens, `${P.conversations}×${P.big.perSide}/s`, P.conversations, P.big.perSide, P.big.warmupMs, P.big.measureMs, redis));
    // Ramp to the knee: the highest rate with p99 < 50 ms and nothing lost, duplicated, reordered or refused.
    let knee: RungResult['knee'] = { rate: 0 };
    for (const total of P.ramp.steps) {
      if (timeLeft() < P.minRungMs * 0.6) {
        knee.reason = 'time budget';
        break;
      }
      const row = await measure(rung, gens, `ramp ${total}`, P.conversations, total / (2 * P.conversations), P.ramp.warmupMs, P.ramp.measureMs, redis);
      rows.push(row);
      if (row.ok && row.latency.p99 < 50) knee.rate = Math.round(row.rate);
      else {
        knee = { ...knee, firstFailing: Math.round(row.rate), reason: !row.ok ? 'loss or errors' : `p99 ${row.latency.p99} ms` };
        break;
      }
    }
    if (knee.firstFailing === undefined && !knee.reason) knee.reason = 'top of the ramp reached (knee is higher)';
    log(`rung ${name}: knee ${knee.rate} msg/s (${knee.reason ?? `next step ${knee.firstFailing} failed`})`);
    return { rung: name, nodes: rung.nodes.length, connectMs, rows, knee };
  } finally {
    await Promise.allSettled(gens.map((g) => g.close()));
    await redis?.quit().catch(() => undefined);
    await rung.stop();
  }
}

/** P.conversations conversations: customers on node A, agent sides on node B (the other nodes, if any, get none). */
async function connectConversations(rung: Rung, gens: Generator[]): Promise<number> {
  const [a, b = a] = rung.nodes as [Node, Node?];
  const per = Math.ceil(P.conversations / gens.length);
  const target = rung.name.startsWith('hub') ? 'hub' : 'relay';
  const t = Date.now();
  const connected = await Promise.all(
    gens.map((g, k) => g.call<ConnectResult>({ cmd: 'connect', target, urlA: a.url, urlB: b!.url, from: k * per, count: per, runId: `${runId}${rung.name}`, jwtSecret, concurrency: 50 })),
  );
  const failed = connected.reduce((s, c) => s + c.failed, 0);
  const connectMs = Date.now() - t;
  log(`rung ${rung.name}: ${P.conversations - failed} conversations (${2 * (P.conversations - failed)} sockets) in ${connectMs} ms${failed ? `, ${failed} failed: ${connected.find((c) => c.firstError)?.firstError}` : ''}`);
  if (failed) throw new Error(`${failed} conversations failed to connect`);
  return connectMs;
}

// ---- node scaling --------------------------------------------------------------------------

interface ScalingRound {
  rate: number;
  p99: number;
  /** Server CPU per message over all four nodes, and over the two with sockets alone (µs). */
  totalUsPerMsg: number;
  socketNodesUsPerMsg: number;
  /** The two nodes without a socket (µs per message, both together). */
  idleNodesUsPerMsg: number;
  ratio: number;
}
interface ScalingResult {
  adapter: 'sharded' | 'classic';
  rounds: ScalingRound[];
  medianRatio: number;
  spread: [number, number];
  skipped?: string;
}

/**
 * Four hub nodes, sockets on two: what the two idle nodes cost per message. Measured in the same
 * window as the two busy nodes, so the ratio (all four / the two with sockets, i.e. four nodes
 * against what two would spend) is free of run-to-run noise; repeated, with its median and spread.
 */
async function scaling(rounds: number, adapter: 'sharded' | 'classic'): Promise<ScalingResult> {
  log(`scaling: hub-4 (${adapter} adapter), sockets on two nodes, ${rounds} rounds`);
  let rung: Rung;
  try {
    rung = await startRung('hub-4', { HUB_REDIS_ADAPTER: adapter });
  } catch (err) {
    return { adapter, rounds: [], medianRatio: 0, spread: [0, 0], skipped: (err as Error).message.split('\n')[0]!.slice(0, 200) };
  }
  const gens: Generator[] = [];
  try {
    for (let g = 0; g < P.generators; g++) gens.push(await startGenerator());
    await connectConversations(rung, gens);
    const out: ScalingRound[] = [];
    for (let i = 0; i < rounds; i++) {
      const row = await measure(rung, gens, `${P.conversations}×${P.big.perSide}/s`, P.conversations, P.big.perSide, P.big.warmupMs, P.big.measureMs, undefined);
      const [a = 0, b = 0, c = 0, d = 0] = row.serverCpu; // cores, per node
      const perMsg = (cores: number) => round2((cores * 1e6) / Math.max(1, row.rate));
      out.push({ rate: Math.round(row.rate), p99: row.latency.p99, totalUsPerMsg: perMsg(a + b + c + d), socketNodesUsPerMsg: perMsg(a + b), idleNodesUsPerMsg: perMsg(c + d), ratio: round2((a + b + c + d) / Math.max(1e-9, a + b)) });
      log(`scaling round ${i + 1}: ${JSON.stringify(out.at(-1))}`);
    }
    const ratios = out.map((r) => r.ratio).sort((x, y) => x - y);
    return { adapter, rounds: out, medianRatio: ratios[Math.floor(ratios.length / 2)]!, spread: [ratios[0]!, ratios.at(-1)!] };
  } finally {
    await Promise.allSettled(gens.map((g) => g.close()));
    await rung.stop();
  }
}

// ---- idle capacity -------------------------------------------------------------------------

interface IdleResult {
  rung: RungName;
  conversations: number;
  sockets: number;
  connectMs: number;
  failed: number;
  baseline: { rss: number; heapUsed: number };
  warm: { sockets: number; rss: number; heapUsed: number };
  full: { rss: number; heapUsed: number; external: number; fds: number };
  /** (full - warm) / added sockets: what one more socket costs. */
  rssPerSocketKB: number;
  heapPerSocketKB: number;
  /** Full RSS / sockets, baseline included. */
  rssTotalPerSocketKB: number;
  ok: boolean;
}

async function idle(name: 'hub-1' | 'relay-1'): Promise<IdleResult> {
  const total = P.idle.conversations;
  const warmN = P.idle.warmConversations;
  log(`idle ${name}: ${total} conversations (${2 * total} sockets), ${P.idle.generators} generator processes`);
  const rung = await startRung(name, {}, { inspect: true });
  const node = rung.nodes[0]!;
  const gens: Generator[] = [];
  try {
    for (let g = 0; g < P.idle.generators; g++) gens.push(await startGenerator());
    const memory = async () => {
      const h = await heapOf(node.inspectorUrl!);
      return { rss: rssOf(node.pid), heapUsed: h.heapUsed, external: h.external };
    };
    await sleep(500);
    const baseline = await memory();
    const target = name.startsWith('hub') ? 'hub' : 'relay';
    const G = gens.length;
    const connectAll = async (from: (g: number) => number, count: (g: number) => number) =>
      Promise.all(
        gens.map((gen, g) =>
          gen.call<ConnectResult>({ cmd: 'connect', target, urlA: node.url, urlB: node.url, from: from(g), count: count(g), runId: `${runId}idle${name}`, jwtSecret, concurrency: 50 }),
        ),
      );
    // Warm: a few hundred conversations first, so the per-socket figure leaves out one-time costs
    // (code compiled on first use, pools, caches).
    const warmPer = Math.ceil(warmN / G);
    const restPer = Math.ceil((total - warmPer * G) / G);
    const perGen = warmPer + restPer;
    const w = await connectAll((g) => g * perGen, () => warmPer);
    await sleep(500);
    const warm = { sockets: 2 * w.reduce((a, r) => a + r.connected, 0), ...(await memory()) };
    const t = Date.now();
    const rest = await connectAll((g) => g * perGen + warmPer, () => restPer);
    const connectMs = Date.now() - t;
    const connected = [...w, ...rest].reduce((a, r) => a + r.connected, 0);
    const failed = [...w, ...rest].reduce((a, r) => a + r.failed, 0);
    if (failed) log(`idle ${name}: ${failed} failed: ${[...w, ...rest].find((r) => r.firstError)?.firstError}`);
    await sleep(2_000);
    const m = await memory();
    const full = { ...m, fds: fdsOf(node.pid) };
    const sockets = 2 * connected;
    const added = sockets - warm.sockets;
    const result: IdleResult = {
      rung: name,
      conversations: connected,
      sockets,
      connectMs,
      failed,
      baseline: { rss: baseline.rss, heapUsed: baseline.heapUsed },
      warm: { sockets: warm.sockets, rss: warm.rss, heapUsed: warm.heapUsed },
      full,
      rssPerSocketKB: Math.round(((full.rss - warm.rss) / added / 1024) * 10) / 10,
      heapPerSocketKB: Math.round(((full.heapUsed - warm.heapUsed) / added / 1024) * 10) / 10,
      rssTotalPerSocketKB: Math.round((full.rss / sockets / 1024) * 10) / 10,
      ok: false,
    };
    // Judged on what a socket adds (the baseline is mostly embedded Postgres, PGlite, in the process).
    result.ok = failed === 0 && result.rssPerSocketKB < 40;
    log(
      `idle ${name}: ${sockets} sockets in ${connectMs} ms; RSS ${(full.rss / 2 ** 20).toFixed(0)} MB (${result.rssTotalPerSocketKB} KB/socket total, ` +
        `${result.rssPerSocketKB} KB/socket marginal), heap ${(full.heapUsed / 2 ** 20).toFixed(0)} MB (${result.heapPerSocketKB} KB/socket marginal), fds ${full.fds}`,
    );
    return result;
  } finally {
    await Promise.allSettled(gens.map((g) => g.close()));
    await rung.stop();
  }
}

// ---- timers ---------------------------------------------------------------------------------

async function timers(): Promise<TimersSummary | { skipped: string }> {
  const env = { HUB_INACTIVITY_OVERRIDE_SECONDS: String(P.timers.timeoutSeconds) };
  let rung: Rung;
  let mode = 'cluster (BullMQScheduler)';
  try {
    rung = await startRung('hub-2', env);
  } catch (err) {
    log(`timers: two-node cluster did not start (${(err as Error).message.split('\n')[0]}); using one embedded node (LocalScheduler)`);
    rung = await startRung('hub-1', env);
    mode = 'embedded (LocalScheduler)';
  }
  try {
    log(`timers: ${P.timers.sessions} sessions, timeout ${P.timers.timeoutSeconds} s, on ${rung.nodes.length} node(s), ${mode}`);
    const s = await runTimers({ nodes: rung.nodes, mode, ...P.timers, jwtSecret, runId: `${runId}t` });
    log(
      `timers: opened ${s.opened} (spread ${s.openSpreadMs} ms), lateness p50 ${s.lateness.p50} p99 ${s.lateness.p99} max ${s.lateness.max} ms; ` +
        `missed ${s.missed}, fired twice ${s.firedTwice}, redelivered ${s.redelivered}, other reason ${s.otherReason}${s.failed ? `, failed ${s.failed}: ${s.firstError}` : ''}`,
    );
    return s;
  } finally {
    await rung.stop();
  }
}

// ---- main ------------------------------------------------------------------------------------

async function main(): Promise<void> {
  log(`bench ${quick ? '--quick' : 'full'}: run ${runId}, budget ${P.budgetMs / 1000} s`);
  const want = (k: string) => !only || only.includes(k);
  const rungs: RungResult[] = [];
  for (const name of ['relay-1', 'relay-2', 'hub-1', 'hub-2'] as const) {
    if (!want(name)) continue;
    if (timeLeft() < P.minRungMs) {
      rungs.push({ rung: name, nodes: 0, skipped: 'time budget', rows: [] });
      continue;
    }
    rungs.push(await latencyRung(name));
  }
  const idleResults: IdleResult[] = [];
  if (want('idle')) {
    if (!quick && want('idle-relay') && timeLeft() > 150_000) idleResults.push(await idle('relay-1'));
    if (timeLeft() > P.minRungMs) idleResults.push(await idle('hub-1'));
  }
  // The hub's sharded fan-out, then the classic adapter for comparison (same load, same machine, one after the other).
  const scalingResults: ScalingResult[] = [];
  for (const adapter of ['sharded', 'classic'] as const) {
    if (!want('scaling')) continue;
    scalingResults.push(timeLeft() > P.minRungMs / 2 ? await scaling(quick ? 2 : 3, adapter) : { adapter, rounds: [], medianRatio: 0, spread: [0, 0], skipped: 'time budget' });
  }
  const scalingResult = scalingResults[0];
  let timerResult: TimersSummary | { skipped: string } | undefined;
  if (want('timers')) timerResult = timeLeft() > P.minRungMs / 2 ? await timers() : { skipped: 'time budget' };

  // ---- the table ----
  const rows = rungs.flatMap((r) => r.rows);
  const out: string[] = [];
  out.push('');
  out.push(`Conversation hub bench (${quick ? 'quick' : 'full'}), ${new Date().toISOString().slice(0, 10)}, ${(await import('node:os')).cpus().length} cores, node ${process.version}`);
  out.push('Latency: sender emit to the other end\'s `activity`, customer on node A, agent side on node B; open-loop Poisson arrivals.');
  out.push(latencyTable(rows.filter((r) => !r.scenario.startsWith('ramp'))));
  out.push('');
  out.push('Ramp (2 sides × conversations × rate):');
  out.push(latencyTable(rows.filter((r) => r.scenario.startsWith('ramp'))));
  out.push('');
  out.push(
    table(
      ['rung', 'nodes', 'knee msg/s', 'first failing', 'why', 'skipped'],
      rungs.map((r) => [r.rung, String(r.nodes), r.knee ? String(r.knee.rate) : '-', r.knee?.firstFailing ? String(r.knee.firstFailing) : '-', r.knee?.reason ?? '-', r.skipped ? r.skipped.slice(0, 60) : '']),
    ),
  );
  // Ratios: the hub against the bare two-node relay (same run), and one node against one node.
  const find = (rung: string, scenario: string) => rows.find((r) => r.rung === rung && r.scenario === scenario);
  const ratios: Record<string, unknown> = {};
  const scenarios = [...new Set(rows.filter((r) => !r.scenario.startsWith('ramp')).map((r) => r.scenario))];
  out.push('');
  const ratioRows: string[][] = [];
  for (const [hub, relay] of [
    ['hub-2', 'relay-2'],
    ['hub-1', 'relay-1'],
  ] as const) {
    for (const sc of scenarios) {
      const h = find(hub, sc);
      const r = find(relay, sc);
      if (!h || !r) continue;
      const p99 = h.latency.p99 / r.latency.p99;
      const cpu = h.serverCpuUsPerMsg / r.serverCpuUsPerMsg;
      ratios[`${hub}/${relay} ${sc}`] = { p99: round2(p99), p50: round2(h.latency.p50 / r.latency.p50), serverCpuPerMsg: round2(cpu) };
      ratioRows.push([`${hub} / ${relay}`, sc, `${p99.toFixed(2)}×`, `${(h.latency.p50 / r.latency.p50).toFixed(2)}×`, `${cpu.toFixed(1)}×`]);
    }
    const hk = rungs.find((x) => x.rung === hub)?.knee?.rate;
    const rk = rungs.find((x) => x.rung === relay)?.knee?.rate;
    if (hk !== undefined && rk) {
      ratios[`${hub}/${relay} knee`] = round2(hk / rk);
      ratioRows.push([`${hub} / ${relay}`, 'knee', `${(hk / rk).toFixed(2)}×`, '', '']);
    }
  }
  out.push(table(['ratio', 'scenario', 'p99', 'p50', 'server CPU/msg'], ratioRows));
  if (idleResults.length) {
    out.push('');
    out.push(
      table(
        ['idle', 'sockets', 'connect s', 'base RSS MB', 'RSS MB', 'KB/socket total', 'KB/socket marginal', 'heap MB', 'heap KB/socket', 'fds'],
        idleResults.map((i) => [
          i.rung,
          String(i.sockets),
          (i.connectMs / 1000).toFixed(1),
          (i.baseline.rss / 2 ** 20).toFixed(0),
          (i.full.rss / 2 ** 20).toFixed(0),
          String(i.rssTotalPerSocketKB),
          String(i.rssPerSocketKB),
          (i.full.heapUsed / 2 ** 20).toFixed(0),
          String(i.heapPerSocketKB),
          String(i.full.fds),
        ]),
      ),
    );
  }
  for (const sr of scalingResults) {
    out.push('');
    if (!sr.rounds.length) {
      out.push(`scaling (${sr.adapter}): skipped (${sr.skipped})`);
      continue;
    }
    out.push(`Node scaling, ${sr.adapter} adapter: four hub nodes, sockets on two (A, B); server CPU per message, same window:`);
    out.push(
      table(
        ['round', 'msg/s', 'p99 ms', 'all 4 µs/msg', 'A+B µs/msg', 'C+D (idle) µs/msg', '4 / 2'],
        sr.rounds.map((r, i) => [String(i + 1), String(r.rate), String(r.p99), String(r.totalUsPerMsg), String(r.socketNodesUsPerMsg), String(r.idleNodesUsPerMsg), `${r.ratio}×`]),
      ),
    );
    out.push(`  median 4/2 ratio ${sr.medianRatio}× (spread ${sr.spread[0]}–${sr.spread[1]}×)`);
  }
  if (timerResult && 'lateness' in timerResult) {
    const t = timerResult;
    out.push('');
    out.push(
      table(
        ['timers', 'sessions', 'timeout s', 'late p50 ms', 'late p99 ms', 'late max ms', 'missed', 'fired twice', 'redelivered'],
        [[t.mode, String(t.opened), String(t.timeoutSeconds), String(t.lateness.p50), String(t.lateness.p99), String(t.lateness.max), String(t.missed), String(t.firedTwice), String(t.redelivered)]],
      ),
    );
  } else if (timerResult) out.push(`timers: skipped (${timerResult.skipped})`);

  // ---- targets ----
  const targets: Array<{ target: string; met: boolean | null; detail: string }> = [];
  const big = `${P.conversations}×${P.big.perSide}/s`;
  const hub2big = find('hub-2', big) ?? undefined;
  const bigRow = hub2big ?? find('hub-1', big);
  if (bigRow)
    targets.push({
      target: `${P.conversations} conversations at 0.5 msg/s per side: p99 < 15 ms, nothing lost/duplicated/reordered${hub2big ? '' : ' (hub-1: hub-2 not run)'}`,
      met: bigRow.ok && bigRow.latency.p99 < 15,
      detail: `p99 ${bigRow.latency.p99} ms, lost ${bigRow.lost}, dup ${bigRow.duplicated}, reord ${bigRow.reordered}`,
    });
  const pr = ratios[`hub-2/relay-2 ${big}`] as { p99: number } | undefined;
  targets.push({ target: 'hub p99 ≤ 2 × bare two-node relay p99', met: pr ? pr.p99 <= 2 : null, detail: pr ? `${pr.p99}×` : 'hub-2 not run' });
  const kr = ratios['hub-2/relay-2 knee'] as number | undefined;
  targets.push({ target: 'hub knee ≥ ½ bare two-node relay knee', met: kr === undefined ? null : kr >= 0.5, detail: kr === undefined ? 'hub-2 not run' : `${kr}×` });
  const hi = idleResults.find((i) => i.rung === 'hub-1');
  if (hi)
    targets.push({
      target: `${hi.conversations} idle conversations (${hi.sockets} sockets) on one node: < 40 KB RSS per socket`,
      met: hi.ok,
      detail: `${hi.rssPerSocketKB} KB per added socket; ${hi.rssTotalPerSocketKB} KB/socket counting the whole process (baseline ${(hi.baseline.rss / 2 ** 20).toFixed(0)} MB with no socket, mostly PGlite)`,
    });
  if (scalingResult?.rounds.length)
    targets.push({
      target: 'server CPU per message at 4 nodes (2 with sockets) ≤ 1.1 × at 2 nodes (issue 15)',
      met: scalingResult.medianRatio <= 1.1,
      detail: `median ${scalingResult.medianRatio}× over ${scalingResult.rounds.length} rounds (spread ${scalingResult.spread[0]}–${scalingResult.spread[1]}×)`,
    });
  if (timerResult && 'lateness' in timerResult)
    targets.push({
      target: `timers (${timerResult.opened} sessions, ${timerResult.mode}): p99 lateness < 200 ms, none missed, none twice`,
      met: timerResult.ok,
      detail: `p99 ${timerResult.lateness.p99} ms, missed ${timerResult.missed}, twice ${timerResult.firedTwice}`,
    });
  out.push('');
  out.push('Targets (issue 6):');
  for (const t of targets) out.push(`  ${t.met === null ? 'n/a ' : t.met ? 'MET ' : 'MISS'}  ${t.target}: ${t.detail}`);
  out.push('');
  out.push(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.stdout.write(`${out.join('\n')}\n`);

  writeJson(join(ROOT, 'bench-results.json'), {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    machine: { cores: (await import('node:os')).cpus().length, model: (await import('node:os')).cpus()[0]?.model, node: process.version },
    params: P,
    rungs,
    ratios,
    idle: idleResults,
    scaling: scalingResults,
    timers: timerResult,
    targets,
    seconds: Math.round((Date.now() - started) / 1000),
  });
  log('wrote bench-results.json');
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

main().then(
  () => shutdown(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error)?.stack ?? String(err)}\n`);
    void shutdown(1);
  },
);

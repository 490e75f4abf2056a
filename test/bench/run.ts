/**
 * `npm run bench [-- --quick]`: cross-node latency, throughput and capacity of the hub against a
 * ladder of bare Socket.IO relays, in one run with one generator. Prints a table and writes
 * bench-results.json. A benchmark, not a test: it asserts nothing, it reports the targets of
 * issue 6 as met or missed.
 *
 * Steps (each its own processes, started fresh, warmed up, then measured; `--only=a,b` picks):
 *   pairs          bare two-node Socket.IO relay (@socket.io/redis-adapter) and the two-node hub
 *                  (cluster mode, one Redis, one Postgres) side by side, measured interleaved:
 *                  median and spread of the pairwise ratios, then the knees (pairs.ts)
 *   footprint      the embedded hub's memory with no socket, built JavaScript (footprint.ts)
 *   idle           idle sockets on one embedded node, built JavaScript (idle-relay: the relay too)
 *   scaling        four hub nodes with sockets on two: what idle nodes cost per message
 *                  (scaling-classic: the classic adapter too)
 *   redis-cluster  the two-node hub on a local three-master Redis Cluster (cluster-rung.ts)
 *   timers         inactivity timers at scale
 *   relay-1, relay-2, hub-1, hub-2: the single latency rungs of the earlier ladder, when named
 * Conversations: customer socket on node A, agent-side socket on node B. On the hub the agent side
 * is a supervisor who `conversation.join`s (supervisors may send: barge-in), so routing (offers,
 * capacity, accept) stays out of the message path being measured. Customer and supervisor tokens
 * are signed with the hubs' HUB_JWT_SECRET, as the webchat endpoint would (it is rate-limited per IP).
 *
 * Files: params.ts (size, secrets, services), rungs.ts (the processes of a rung), measure.ts (one
 * measured window), scaling.ts (the node-scaling step), summary.ts (tables, targets, the JSON);
 * this file runs the steps in order and stops every child, also on error and SIGINT.
 */

import { connectConversations, measure, type RedisClient } from './measure.js';
import { createClient } from 'redis';
import { cleanups, jwtSecret, log, only, P, quick, REDIS_URL, runId, timeLeft } from './params.js';
import { fdsOf, heapOf, killAll, killAllNow, rssOf, startGenerator, type Generator } from './procs.js';
import { sleep, type ConnectResult } from './common.js';
import type { LatencyRow } from './report.js';
import type { IdleResult, RungResult } from './results.js';
import { startRung, type Rung, type RungName } from './rungs.js';
import { scaling, type ScalingResult } from './scaling.js';
import { summarize } from './summary.js';
import { pairs } from './pairs.js';
import { footprint } from './footprint.js';
import { clusterRung } from './cluster-rung.js';
import { runTimers, type TimersSummary } from './timers.js';


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

// ---- latency scenarios ---------------------------------------------------------------------

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

// ---- idle capacity -------------------------------------------------------------------------


async function idle(name: 'hub-1' | 'relay-1'): Promise<IdleResult> {
  const total = P.idle.conversations;
  const warmN = P.idle.warmConversations;
  log(`idle ${name}: ${total} conversations (${2 * total} sockets), ${P.idle.generators} generator processes`);
  // The hub as production runs it (built JavaScript, no tsx): its memory is the figure.
  const rung = await startRung(name, {}, { inspect: true, compiled: name === 'hub-1' });
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
  const asked = (k: string) => !!only?.includes(k);
  // The single rungs of the earlier ladder run when named (--only=relay-1,hub-1,...): the pairs replace them.
  const rungs: RungResult[] = [];
  for (const name of ['relay-1', 'relay-2', 'hub-1', 'hub-2'] as const) if (asked(name)) rungs.push(await latencyRung(name));
  const pairResult = want('pairs') ? await pairs(quick ? 2 : 3) : undefined;
  const footprintResult = want('footprint') && timeLeft() > 30_000 ? await footprint() : undefined;
  const idleResults: IdleResult[] = [];
  if (want('idle')) {
    if (asked('idle-relay')) idleResults.push(await idle('relay-1'));
    if (timeLeft() > P.minRungMs) idleResults.push(await idle('hub-1'));
  }
  // Sharded fan-out; the classic adapter for comparison when asked (--only=scaling-classic).
  const scalingResults: ScalingResult[] = [];
  for (const adapter of ['sharded', 'classic'] as const) {
    if (adapter === 'sharded' ? !want('scaling') : !asked('scaling-classic')) continue;
    scalingResults.push(timeLeft() > P.minRungMs / 2 ? await scaling(quick ? 1 : 3, adapter) : { adapter, rounds: [], medianRatio: 0, spread: [0, 0], skipped: 'time budget' });
  }
  const clusterResult = want('redis-cluster') ? (timeLeft() > P.minRungMs / 2 ? await clusterRung(quick ? 1 : 2) : { rows: [], skipped: 'time budget' }) : undefined;
  let timerResult: TimersSummary | { skipped: string } | undefined;
  if (want('timers')) timerResult = timeLeft() > P.minRungMs / 2 ? await timers() : { skipped: 'time budget' };
  await summarize({ rungs, pairResult, footprintResult, idleResults, scalingResults, clusterResult, timerResult });
}

main().then(
  () => shutdown(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error)?.stack ?? String(err)}\n`);
    void shutdown(1);
  },
);

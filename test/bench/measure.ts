import { existsSync } from 'node:fs';
import { createClient } from 'redis';
import { mergeEncoded, percentilesMs, sleep, type ConnectResult, type RunResult } from './common.js';
import { jwtSecret, log, P, round2, runId } from './params.js';
import { cpuMsOf, machineBusyMs, type Generator, type Node } from './procs.js';
import { fmt, type LatencyRow } from './report.js';
import type { Rung } from './rungs.js';

// ---- redis counters ------------------------------------------------------------------------

export type RedisClient = ReturnType<typeof createClient>;
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

export async function measure(
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

/** P.conversations conversations: customers on node A, agent sides on node B (the other nodes, if any, get none). */
export async function connectConversations(rung: Rung, gens: Generator[]): Promise<number> {
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

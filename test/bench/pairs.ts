import { createClient } from 'redis';
import { connectConversations, measure, type RedisClient } from './measure.js';
import { log, P, REDIS_URL, round2, timeLeft, SETTLE } from './params.js';
import { startGenerator, type Generator } from './procs.js';
import type { LatencyRow } from './report.js';
import { startRung, type Rung } from './rungs.js';

/** A median with the lowest and highest value around it. */
export interface Spread {
  median: number;
  spread: [number, number];
}

export interface PairRound {
  relay: LatencyRow;
  hub: LatencyRow;
  /** hub / relay, this pair. */
  p99: number;
  cpuPerMsg: number;
}

export interface PairsResult {
  rounds: PairRound[];
  p99?: Spread;
  cpuPerMsg?: Spread;
  /** Redis commands per message, median over the rounds. */
  redisCmdsPerMsg?: { relay: number; hub: number };
  knee?: { relay: number; hub: number; ratio: number; relayStop: string; hubStop: string; rows: LatencyRow[] };
  skipped?: string;
}

export function spreadOf(values: number[]): Spread | undefined {
  if (!values.length) return undefined;
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  return { median: round2(mid), spread: [round2(v[0]!), round2(v.at(-1)!)] };
}

/**
 * The two-node hub against the bare two-node relay, interleaved on the same load: both run side by
 * side (each with its own generators; the one not measured is idle), and the measured windows go
 * relay, hub, relay, hub... so slow drifts of the machine hit both alike. Each pair gives a ratio;
 * the report is their median and spread. Then one ramp, interleaved step by step, for the knees.
 */
export async function pairs(rounds: number): Promise<PairsResult> {
  log(`pairs: relay-2 and hub-2 side by side, ${rounds} interleaved rounds of ${P.conversations}×${P.big.perSide}/s`);
  const started: Rung[] = [];
  const gens: Generator[] = [];
  let redis: RedisClient | undefined;
  try {
    const relay = await startRung('relay-2');
    started.push(relay);
    let hub: Rung;
    try {
      hub = await startRung('hub-2');
      started.push(hub);
    } catch (err) {
      return { rounds: [], skipped: (err as Error).message.split('\n')[0]!.slice(0, 200) };
    }
    redis = createClient({ url: REDIS_URL, RESP: 2 });
    await redis.connect();
    const relayGens: Generator[] = [];
    const hubGens: Generator[] = [];
    for (let g = 0; g < P.generators; g++) relayGens.push(await startGenerator());
    for (let g = 0; g < P.generators; g++) hubGens.push(await startGenerator());
    gens.push(...relayGens, ...hubGens);
    await connectConversations(relay, relayGens);
    await connectConversations(hub, hubGens);

    const big = `${P.conversations}×${P.big.perSide}/s`;
    const run = (rung: Rung, g: Generator[], scenario: string, perSide: number, warmupMs: number, measureMs: number) =>
      measure(rung, g, scenario, P.conversations, perSide, warmupMs, measureMs, redis);
    const out: PairRound[] = [];
    for (let i = 0; i < rounds; i++) {
      // The first windows after 2 × 2,000 connections get a longer (unrecorded) warm-up: set-up settles.
      const warm = i === 0 ? SETTLE * P.big.warmupMs : P.big.warmupMs;
      const r = await run(relay, relayGens, big, P.big.perSide, warm, P.big.measureMs);
      const h = await run(hub, hubGens, big, P.big.perSide, warm, P.big.measureMs);
      out.push({ relay: r, hub: h, p99: round2(h.latency.p99 / r.latency.p99), cpuPerMsg: round2(h.serverCpuUsPerMsg / r.serverCpuUsPerMsg) });
      log(`pair ${i + 1}: p99 ${out.at(-1)!.p99}×, CPU/msg ${out.at(-1)!.cpuPerMsg}×`);
    }
    const cmds = spreadOf(out.map((p) => p.hub.redisCmdsPerMsg ?? 0));
    const relayCmds = spreadOf(out.map((p) => p.relay.redisCmdsPerMsg ?? 0));

    // The knee: the highest rate with p99 < 50 ms and nothing lost, duplicated, reordered or refused.
    const knee = { relay: 0, hub: 0, relayStop: 'top of the ramp', hubStop: 'top of the ramp', rows: [] as LatencyRow[] };
    const alive = { relay: true, hub: true };
    for (const total of P.ramp.steps) {
      if (timeLeft() < P.minRungMs * 0.5) {
        if (alive.relay) knee.relayStop = 'time budget';
        if (alive.hub) knee.hubStop = 'time budget';
        break;
      }
      for (const side of ['relay', 'hub'] as const) {
        if (!alive[side]) continue;
        const row = await run(side === 'relay' ? relay : hub, side === 'relay' ? relayGens : hubGens, `ramp ${total}`, total / (2 * P.conversations), P.ramp.warmupMs, P.ramp.measureMs);
        knee.rows.push(row);
        if (row.ok && row.latency.p99 < 50) knee[side] = Math.round(row.rate);
        else {
          alive[side] = false;
          knee[`${side}Stop`] = `${Math.round(row.rate)} msg/s: ${!row.ok ? 'loss or errors' : `p99 ${row.latency.p99} ms`}`;
        }
      }
      if (!alive.relay && !alive.hub) break;
    }
    log(`pairs: knee relay ${knee.relay}, hub ${knee.hub} msg/s`);
    return {
      rounds: out,
      ...(spreadOf(out.map((p) => p.p99)) ? { p99: spreadOf(out.map((p) => p.p99))!, cpuPerMsg: spreadOf(out.map((p) => p.cpuPerMsg))! } : {}),
      ...(cmds && relayCmds ? { redisCmdsPerMsg: { relay: relayCmds.median, hub: cmds.median } } : {}),
      knee: { ...knee, ratio: knee.relay ? round2(knee.hub / knee.relay) : 0 },
    };
  } finally {
    await Promise.allSettled(gens.map((g) => g.close()));
    await redis?.quit().catch(() => undefined);
    for (const r of started.reverse()) await r.stop();
  }
}

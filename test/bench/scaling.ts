import { connectConversations, measure } from './measure.js';
import { log, P, round2, SETTLE } from './params.js';
import { startGenerator, type Generator } from './procs.js';
import { startRung, type Rung } from './rungs.js';

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
export interface ScalingResult {
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
export async function scaling(rounds: number, adapter: 'sharded' | 'classic'): Promise<ScalingResult> {
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
      const row = await measure(rung, gens, `${P.conversations}×${P.big.perSide}/s`, P.conversations, P.big.perSide, i === 0 ? SETTLE * P.big.warmupMs : P.big.warmupMs, P.big.measureMs, undefined);
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

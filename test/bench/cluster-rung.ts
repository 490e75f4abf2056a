import { connectConversations, measure } from './measure.js';
import { spreadOf, type Spread } from './pairs.js';
import { log, P, SETTLE } from './params.js';
import { startGenerator, type Generator } from './procs.js';
import type { LatencyRow } from './report.js';
import { startRung, type Rung } from './rungs.js';

export interface ClusterRungResult {
  rows: LatencyRow[];
  p99?: Spread;
  cpuPerMsg?: Spread;
  skipped?: string;
}

/**
 * The two-node hub on a local three-master Redis Cluster (`REDIS_CLUSTER_NODES`), same load as
 * the pairs: what the cluster client, per-slot scripts and sharded Pub/Sub across masters cost.
 * Server CPU counts the two hub nodes only (the three redis-servers are apart).
 */
export async function clusterRung(rounds: number): Promise<ClusterRungResult> {
  log(`redis cluster: hub-2 on a local three-master Redis Cluster, ${rounds} rounds`);
  let rung: Rung;
  try {
    rung = await startRung('hub-2-rc');
  } catch (err) {
    return { rows: [], skipped: (err as Error).message.split('\n')[0]!.slice(0, 200) };
  }
  const gens: Generator[] = [];
  try {
    for (let g = 0; g < P.generators; g++) gens.push(await startGenerator());
    await connectConversations(rung, gens);
    const rows: LatencyRow[] = [];
    for (let i = 0; i < rounds; i++) {
      rows.push(await measure(rung, gens, `${P.conversations}×${P.big.perSide}/s`, P.conversations, P.big.perSide, i === 0 ? SETTLE * P.big.warmupMs : P.big.warmupMs, P.big.measureMs, undefined));
    }
    return { rows, p99: spreadOf(rows.map((r) => r.latency.p99))!, cpuPerMsg: spreadOf(rows.map((r) => r.serverCpuUsPerMsg))! };
  } finally {
    await Promise.allSettled(gens.map((g) => g.close()));
    await rung.stop();
  }
}

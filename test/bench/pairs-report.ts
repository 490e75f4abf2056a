import type { ClusterRungResult } from './cluster-rung.js';
import type { PairsResult } from './pairs.js';
import { fmt, latencyTable, table } from './report.js';

/** The interleaved pairs and the Redis Cluster rung as tables (summary.ts). */
export function pairsTables(p: PairsResult | undefined, c: ClusterRungResult | undefined): string[] {
  const out: string[] = [];
  if (p?.skipped) out.push(`pairs: skipped (${p.skipped})`);
  if (p?.rounds.length) {
    out.push('');
    out.push('Two nodes, relay and hub interleaved on the same load (relay, hub, relay, hub...):');
    out.push(
      table(
        ['pair', 'relay p99 ms', 'hub p99 ms', 'p99 hub/relay', 'relay µs/msg', 'hub µs/msg', 'CPU hub/relay', 'relay Redis cmd/msg', 'hub Redis cmd/msg'],
        p.rounds.map((x, i) => [
          String(i + 1),
          fmt(x.relay.latency.p99, 2),
          fmt(x.hub.latency.p99, 2),
          `${x.p99}×`,
          fmt(x.relay.serverCpuUsPerMsg, 0),
          fmt(x.hub.serverCpuUsPerMsg, 0),
          `${x.cpuPerMsg}×`,
          String(x.relay.redisCmdsPerMsg ?? '-'),
          String(x.hub.redisCmdsPerMsg ?? '-'),
        ]),
      ),
    );
    if (p.p99 && p.cpuPerMsg) out.push(`  median p99 ratio ${p.p99.median}× (spread ${p.p99.spread[0]}–${p.p99.spread[1]}×); median CPU/msg ratio ${p.cpuPerMsg.median}× (spread ${p.cpuPerMsg.spread[0]}–${p.cpuPerMsg.spread[1]}×)`);
    if (p.knee) {
      out.push(`  knee: relay ${p.knee.relay} msg/s (stopped at ${p.knee.relayStop}), hub ${p.knee.hub} msg/s (stopped at ${p.knee.hubStop}): ${p.knee.ratio}×`);
      out.push('Ramp, interleaved step by step:');
      out.push(latencyTable(p.knee.rows));
    }
  }
  if (c) {
    out.push('');
    if (c.skipped) out.push(`redis cluster: skipped (${c.skipped})`);
    else {
      out.push('The two-node hub on a local three-master Redis Cluster (same load):');
      out.push(latencyTable(c.rows));
      const hub = p?.rounds.length ? [...p.rounds.map((x) => x.hub.latency.p99)].sort((a, b) => a - b)[Math.floor(p.rounds.length / 2)] : undefined;
      if (hub !== undefined && c.p99) out.push(`  p99 ${c.p99.median} ms on the cluster against ${hub} ms on one Redis (median of the pairs' hub rounds)`);
    }
  }
  return out;
}

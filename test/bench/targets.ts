import type { ClusterRungResult } from './cluster-rung.js';
import type { FootprintResult } from './footprint.js';
import type { PairsResult } from './pairs.js';
import type { IdleResult } from './results.js';
import type { ScalingResult } from './scaling.js';
import type { TimersSummary } from './timers.js';

export interface Target {
  target: string;
  /** null: not measured in this run. */
  met: boolean | null;
  detail: string;
}

const MB = 2 ** 20;

/** What the run's steps measured (a step left out is undefined or empty). */
export interface Measured {
  pairResult: PairsResult | undefined;
  footprintResult: FootprintResult | undefined;
  idleResults: IdleResult[];
  scalingResults: ScalingResult[];
  clusterResult: ClusterRungResult | undefined;
  timerResult: TimersSummary | { skipped: string } | undefined;
}

/** Issue 15's targets, judged on what this run measured. */
export function issue15Targets(r: Measured): Target[] {
  const t: Target[] = [];
  const p = r.pairResult;
  const none = p?.skipped ? `not run: ${p.skipped}` : 'not run';
  const pairsOk = p?.rounds.every((x) => x.hub.ok && x.relay.ok);
  t.push({ target: 'two nodes, 2,000 conversations at 0.5 msg/s per side: nothing lost, duplicated or reordered', met: p?.rounds.length ? !!pairsOk : null, detail: p?.rounds.length ? p.rounds.map((x) => `lost ${x.hub.lost} dup ${x.hub.duplicated} reord ${x.hub.reordered}`).join('; ') : none });
  t.push({ target: 'hub p99 ≤ 1.5 × the relay\'s (median of interleaved pairs)', met: p?.p99 ? p.p99.median <= 1.5 : null, detail: p?.p99 ? `${p.p99.median}× (spread ${p.p99.spread[0]}–${p.p99.spread[1]}×)` : none });
  t.push({ target: 'hub CPU per message ≤ 1.2 × the relay\'s', met: p?.cpuPerMsg ? p.cpuPerMsg.median <= 1.2 : null, detail: p?.cpuPerMsg ? `${p.cpuPerMsg.median}× (spread ${p.cpuPerMsg.spread[0]}–${p.cpuPerMsg.spread[1]}×)` : none });
  t.push({ target: 'hub knee ≥ 0.7 × the relay\'s', met: p?.knee ? p.knee.ratio >= 0.7 : null, detail: p?.knee ? `${p.knee.ratio}× (hub ${p.knee.hub}, relay ${p.knee.relay} msg/s; hub stopped at ${p.knee.hubStop}, relay at ${p.knee.relayStop})` : none });
  const s = r.scalingResults.find((x) => x.adapter === 'sharded');
  t.push({ target: 'CPU per message at 4 nodes (sockets on 2) ≤ 1.1 × at 2', met: s?.rounds.length ? s.medianRatio <= 1.1 : null, detail: s?.rounds.length ? `${s.medianRatio}× (spread ${s.spread[0]}–${s.spread[1]}×)` : s?.skipped ?? 'not run' });
  const idle = r.idleResults.find((i) => i.rung === 'hub-1');
  t.push({ target: `${idle?.sockets ?? 18_000} idle sockets on one embedded node: ≤ 20 KB RSS per socket, whole process`, met: idle ? idle.failed === 0 && idle.rssTotalPerSocketKB <= 20 : null, detail: idle ? `${idle.rssTotalPerSocketKB} KB/socket (${(idle.full.rss / MB).toFixed(0)} MB for ${idle.sockets}; ${idle.rssPerSocketKB} KB per added socket)` : 'not run' });
  const f = r.footprintResult;
  t.push({ target: 'embedded hub after start, no socket: ≤ 200 MB RSS', met: f ? Math.max(f.firstStart.rss, f.reopened.rss) <= 200 * MB : null, detail: f ? `first start ${(f.firstStart.rss / MB).toFixed(0)} MB (peak ${(f.firstStart.peak / MB).toFixed(0)}), reopened ${(f.reopened.rss / MB).toFixed(0)} MB` : 'not run' });
  const tr = r.timerResult;
  if (tr && 'lateness' in tr) t.push({ target: `${tr.opened} inactivity timers: p99 lateness ≤ 100 ms, none missed, none twice`, met: tr.failed === 0 && tr.missed === 0 && tr.firedTwice === 0 && tr.lateness.p99 <= 100, detail: `p99 ${tr.lateness.p99} ms (p50 ${tr.lateness.p50}, max ${tr.lateness.max}), missed ${tr.missed}, twice ${tr.firedTwice}, opened over ${(tr.openSpreadMs / 1000).toFixed(0)} s` });
  else t.push({ target: 'inactivity timers', met: null, detail: tr ? `skipped: ${tr.skipped}` : 'not run' });
  const c = r.clusterResult;
  t.push({ target: 'the two-node hub runs on a three-master Redis Cluster, nothing lost', met: c?.rows.length ? c.rows.every((x) => x.ok) : null, detail: c?.rows.length ? `p99 ${c.p99!.median} ms, ${c.cpuPerMsg!.median.toFixed(0)} µs/msg` : c?.skipped ?? 'not run' });
  return t;
}

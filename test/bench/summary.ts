import { join } from 'node:path';
import { log, P, quick, round2, started } from './params.js';
import { ROOT } from './procs.js';
import { latencyTable, table, writeJson } from './report.js';
import type { RungResult } from './results.js';
import { pairsTables } from './pairs-report.js';
import { issue15Targets, type Measured } from './targets.js';

/** The bench's tables, its targets met or missed, and bench-results.json. */
export async function summarize(r: Measured & { rungs: RungResult[] }): Promise<void> {
  const { rungs, idleResults, scalingResults, timerResult, pairResult, footprintResult, clusterResult } = r;
  const rows = rungs.flatMap((r) => r.rows);
  const out: string[] = [];
  out.push('');
  out.push(`Conversation hub bench (${quick ? 'quick' : 'full'}), ${new Date().toISOString().slice(0, 10)}, ${(await import('node:os')).cpus().length} cores, node ${process.version}`);
  out.push('Latency: sender emit to the other end\'s `activity`, customer on node A, agent side on node B; open-loop Poisson arrivals.');
  out.push(...pairsTables(pairResult, clusterResult));
  if (!rows.length) out.push('(single rungs not run: --only=relay-1,relay-2,hub-1,hub-2)');
  else out.push(latencyTable(rows.filter((r) => !r.scenario.startsWith('ramp'))));
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
  if (footprintResult) {
    const f = footprintResult;
    const mb = (n: number) => (n / 2 ** 20).toFixed(0);
    out.push('');
    out.push(table(['embedded hub, no socket (built JS)', 'RSS MB', 'peak MB'], [['first start (database made apart)', mb(f.firstStart.rss), mb(f.firstStart.peak)], ['reopened', mb(f.reopened.rss), mb(f.reopened.peak)]]));
  }
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
  const targets = issue15Targets({ pairResult, footprintResult, idleResults, scalingResults, clusterResult, timerResult });
  out.push('');
  out.push('Targets (issue 15):');
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
    pairs: pairResult,
    footprint: footprintResult,
    redisCluster: clusterResult,
    idle: idleResults,
    scaling: scalingResults,
    timers: timerResult,
    targets,
    seconds: Math.round((Date.now() - started) / 1000),
  });
  log('wrote bench-results.json');
}

import { join } from 'node:path';
import { log, P, quick, round2, started } from './params.js';
import { ROOT } from './procs.js';
import { latencyTable, table, writeJson } from './report.js';
import type { IdleResult, RungResult } from './results.js';
import type { ScalingResult } from './scaling.js';
import type { TimersSummary } from './timers.js';

/** The bench's tables, its targets met or missed, and bench-results.json. */
export async function summarize(r: { rungs: RungResult[]; idleResults: IdleResult[]; scalingResults: ScalingResult[]; timerResult: TimersSummary | { skipped: string } | undefined }): Promise<void> {
  const { rungs, idleResults, scalingResults, timerResult } = r;
  const scalingResult = scalingResults[0];
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

import type { Verdict } from './checker.js';
import type { FaultRecord } from './faults.js';

export interface ChaosResult {
  run: string;
  quick: boolean;
  params: unknown;
  seconds: number;
  loadSeconds: number;
  faults: FaultRecord[];
  laneFailures: string[];
  archived: { archived: number; waitMs: number };
  verdict: Verdict;
  violations: number;
}

/** The table the README shows: what moved, what was injected, what broke. */
export function printReport(r: ChaosResult, say: (s: string) => void): void {
  const v = r.verdict;
  const count = (k: string) => r.faults.filter((f) => f.kind === k).length;
  const rows: [string, string | number][] = [
    ['run', `${r.quick ? 'quick' : 'full'}, ${r.seconds} s (load ${r.loadSeconds} s)`],
    ['conversations', v.conversations],
    ['acked messages', v.ackedMessages],
    ['activities archived', v.archivedActivities],
    ['activities handed to applications', v.deliveries],
    ['inactivity timers fired', v.inactivityFirings],
    ['faults: node SIGKILL + restart', count('sigkill')],
    ['faults: node SIGTERM drain + restart', count('sigterm')],
    ['faults: Redis SIGKILL + restart (AOF)', count('redis')],
    ['faults: Postgres refusing 20 s', count('postgres')],
    ['lost', v.lost],
    ['duplicated', v.duplicated],
    ['reordered', v.reordered],
    ['archive mismatches', v.archiveMismatches],
    ['timer violations', v.timerViolations],
    ['conversations abandoned', v.abandoned],
    ['lanes failed', r.laneFailures.length],
    ['violations', r.violations],
  ];
  say('| | |\n|---|--:|\n' + rows.map(([k, val]) => `| ${k} | ${val} |`).join('\n'));
  for (const e of [...v.examples, ...r.laneFailures.slice(0, 5)]) say(`  ${e}`);
}

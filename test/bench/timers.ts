/**
 * Inactivity timers through the real hub: `sessions` webchat customers connect (spread over the
 * nodes and over generator processes), say nothing, and their sessions close by inactivity after
 * HUB_INACTIVITY_OVERRIDE_SECONDS. Each customer's own socket sees its `session.closed`; lateness is
 * that activity's `at` minus (session openedAt + timeout), i.e. the scheduler's lateness plus the
 * handler's work until the close is committed, on the hubs' own clocks.
 */
import { percentilesOf, type Percentiles, type TimersResult } from './common.js';
import { startGenerator, type Generator, type Node } from './procs.js';

export interface TimersSummary {
  nodes: number;
  mode: string;
  sessions: number;
  timeoutSeconds: number;
  opened: number;
  failed: number;
  firstError?: string;
  /** ms: hub `at` of session.closed minus the deadline. */
  lateness: Percentiles;
  /** ms: generator receive time minus the deadline (adds delivery to the socket). */
  observedLateness: Percentiles;
  missed: number;
  firedTwice: number;
  redelivered: number;
  otherReason: number;
  openSpreadMs: number;
  ok: boolean;
}

export async function runTimers(opts: {
  nodes: Node[];
  mode: string;
  sessions: number;
  timeoutSeconds: number;
  generators: number;
  jwtSecret: string;
  runId: string;
}): Promise<TimersSummary> {
  const gens: Generator[] = [];
  try {
    for (let g = 0; g < opts.generators; g++) gens.push(await startGenerator());
    const per = Math.ceil(opts.sessions / opts.generators);
    const results = await Promise.all(
      gens.map((gen, g) =>
        gen.call<TimersResult>({
          cmd: 'timers',
          urls: opts.nodes.map((n) => n.url),
          from: g * per,
          count: Math.min(per, opts.sessions - g * per),
          runId: opts.runId,
          jwtSecret: opts.jwtSecret,
          timeoutSeconds: opts.timeoutSeconds,
          concurrency: 100,
          graceMs: 30_000,
        }),
      ),
    );
    const sum = (f: (r: TimersResult) => number) => results.reduce((a, r) => a + f(r), 0);
    const lateness = percentilesOf(results.flatMap((r) => r.lateness));
    const summary: TimersSummary = {
      nodes: opts.nodes.length,
      mode: opts.mode,
      sessions: opts.sessions,
      timeoutSeconds: opts.timeoutSeconds,
      opened: sum((r) => r.opened),
      failed: sum((r) => r.failed),
      ...(results.find((r) => r.firstError) ? { firstError: results.find((r) => r.firstError)!.firstError } : {}),
      lateness,
      observedLateness: percentilesOf(results.flatMap((r) => r.observedLateness)),
      missed: sum((r) => r.missed),
      firedTwice: sum((r) => r.firedTwice),
      redelivered: sum((r) => r.redelivered),
      otherReason: sum((r) => r.otherReason),
      openSpreadMs: Math.max(...results.map((r) => r.openSpreadMs)),
      ok: false,
    };
    summary.ok = summary.failed === 0 && summary.missed === 0 && summary.firedTwice === 0 && lateness.p99 < 200;
    return summary;
  } finally {
    await Promise.allSettled(gens.map((g) => g.close()));
  }
}

import type { Verdict } from './checker.js';
import type { RoutingStore } from '../../server/ports.js';
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
    ['stalled (a handover not answered in time; not counted as a violation)', v.stalled],
    ['lanes failed', r.laneFailures.length],
    ['violations', r.violations],
  ];
  say('| | |\n|---|--:|\n' + rows.map(([k, val]) => `| ${k} | ${val} |`).join('\n'));
  for (const e of [...v.examples, ...r.laneFailures.slice(0, 5)]) say(`  ${e}`);
}

/** For the first few conversations named in a violation: their live state, as the admin API has it (a lead for whoever reads the run). */
export async function explain(
  examples: string[],
  hub: { get: (path: string) => Promise<{ status: number; body: any }>; routing: Pick<RoutingStore, 'tasksOf' | 'getAgent'> },
  say: (s: string) => void,
): Promise<void> {
  const { get } = hub;
  const ids = [...new Set(examples.map((e) => /^([0-9a-f-]{36})/.exec(e)?.[1]).filter((id): id is string => id !== undefined))].slice(0, 6);
  for (const id of ids) {
    const res = await get(`/api/conversations/${id}`).catch((err: unknown) => ({ status: 0, body: String(err) }));
    if (res.status !== 200) {
      say(`  ${id}: admin API ${res.status}`);
      continue;
    }
    const v = res.body as { state: string; participants: { id: string; role: string }[]; channelSessions: { state: string; closeReason?: string }[]; activities: { seq: number; type: string; from: { role: string } }[] };
    const last = v.activities.slice(-6).map((a) => `${a.seq}:${a.type}(${a.from.role})`).join(' ');
    say(`  ${id}: ${v.state}; in it: ${v.participants.map((p) => p.role).join(',') || 'nobody'}; sessions: ${v.channelSessions.map((s) => s.state + (s.closeReason ? `/${s.closeReason}` : '')).join(',')}; last: ${last}`);
    for (const t of await hub.routing.tasksOf(id)) {
      // The lane's agent serves list-<lane> and is agent-<lane> (lanes.ts).
      const agentId = t.agentId ?? (t.listId ? `agent-${t.listId.slice('list-'.length)}` : undefined);
      const a = agentId ? await hub.routing.getAgent(agentId) : null;
      const agent = a ? `${a.agentId} ${a.state}${a.connected ? '' : ' away'} load ${a.conversationIds.length}/${a.capacity}, offers ${a.offeredTaskIds.length}` : 'no agent record';
      say(`    task ${t.id.slice(0, 8)} ${t.state}${t.offeredAt ? ` offered ${t.offeredAt}` : ''}; ${agent}`);
    }
  }
}

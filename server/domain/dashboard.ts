import type { AgentTask, Dashboard, DashboardAgent, DashboardConversation, DashboardQueue } from '@conversation-hub/client-sdk/contract';
import type { AgentPresence } from './routing-rules.js';
import type { ConversationDoc } from './conversation.js';

/** The service level's threshold: a task answered within this many seconds counts as answered in time. */
export const SERVICE_LEVEL_THRESHOLD_SECONDS = 20;
/** The dashboard lists at most this many live conversations, newest first. */
export const DASHBOARD_MAX_CONVERSATIONS = 500;

/** An agent as the routing store answers it, with what the dashboard shows besides its presence. */
export type DashboardAgentInput = AgentPresence & { notReadyReason?: string; stateSince: number };

/** Today's counts of one list (`null`: tasks without a list), from the reports. */
export interface ServiceLevelRow {
  listId: string | null;
  offered: number;
  answeredWithin: number;
}

export interface DashboardInputs {
  /** Epoch ms: the clock is an input, so the function is pure. */
  now: number;
  agents: readonly DashboardAgentInput[];
  /** The tasks waiting (queued or offered) on each list looked at. */
  waiting: readonly { listId: string | null; tasks: readonly AgentTask[] }[];
  /** Live conversations, in any order. */
  conversations: readonly ConversationDoc[];
  /** Today's service level per list; null when the reports could not say (then zeros, percent null). */
  serviceLevel: readonly ServiceLevelRow[] | null;
  thresholdSeconds?: number;
}

const seconds = (now: number, iso: string) => Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));

/** The lists the dashboard looks at: every list with waiting tasks, served by an agent, or in today's reports. */
export function dashboardLists(agents: readonly Pick<AgentPresence, 'lists'>[], queued: readonly { listId: string | null }[]): (string | null)[] {
  const lists = new Set<string | null>([null, ...queued.map((q) => q.listId)]);
  for (const a of agents) for (const l of a.lists) lists.add(l);
  return [...lists];
}

/** The supervisor's dashboard from what the stores answered (PROTOCOL.md §4 `dashboard`). */
export function buildDashboard(input: DashboardInputs): Dashboard {
  const { now } = input;
  const threshold = input.thresholdSeconds ?? SERVICE_LEVEL_THRESHOLD_SECONDS;
  // The oldest waiting task of each conversation: how long its customer has waited.
  const waitingSince = new Map<string, string>();
  for (const q of input.waiting) {
    for (const t of q.tasks) {
      const seen = waitingSince.get(t.conversationId);
      if (!seen || Date.parse(t.createdAt) < Date.parse(seen)) waitingSince.set(t.conversationId, t.createdAt);
    }
  }
  return {
    at: new Date(now).toISOString(),
    queues: queues(input, threshold),
    agents: [...input.agents].sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0)).map((a) => agent(a)),
    conversations: conversations(input.conversations, waitingSince, now),
  };
}

function queues(input: DashboardInputs, thresholdSeconds: number): DashboardQueue[] {
  const byList = new Map<string | null, DashboardQueue>();
  const entry = (listId: string | null): DashboardQueue => {
    let q = byList.get(listId);
    if (!q) {
      q = { listId, waiting: 0, oldestWaitSeconds: 0, serviceLevel: { thresholdSeconds, offered: 0, answeredWithin: 0, percent: null } };
      byList.set(listId, q);
    }
    return q;
  };
  for (const w of input.waiting) {
    const q = entry(w.listId);
    q.waiting += w.tasks.length;
    for (const t of w.tasks) q.oldestWaitSeconds = Math.max(q.oldestWaitSeconds, seconds(input.now, t.createdAt));
  }
  // A list nobody waits on and nobody reported on is still shown when an agent serves it.
  for (const a of input.agents) for (const l of a.lists) entry(l);
  for (const row of input.serviceLevel ?? []) {
    const q = entry(row.listId);
    const offered = q.serviceLevel.offered + row.offered;
    const answeredWithin = q.serviceLevel.answeredWithin + row.answeredWithin;
    q.serviceLevel = { thresholdSeconds, offered, answeredWithin, percent: offered > 0 ? Math.round((answeredWithin / offered) * 1000) / 10 : null };
  }
  // Tasks without a list only show when there are some (waiting or reported).
  const none = byList.get(null);
  if (none && none.waiting === 0 && none.serviceLevel.offered === 0) byList.delete(null);
  return [...byList.values()].sort((a, b) => (a.listId === b.listId ? 0 : a.listId === null ? -1 : b.listId === null ? 1 : a.listId < b.listId ? -1 : 1));
}

function agent(a: DashboardAgentInput): DashboardAgent {
  return {
    agentId: a.agentId,
    state: a.state,
    ...(a.state === 'not_ready' && a.notReadyReason ? { reason: a.notReadyReason } : {}),
    connected: a.connected,
    load: a.load,
    capacity: a.capacity,
    // A store that predates `stateSince` answers none: the idle time is the next best.
    since: new Date(Number.isFinite(a.stateSince) ? a.stateSince : a.idleSince).toISOString(),
  };
}

function conversations(docs: readonly ConversationDoc[], waitingSince: Map<string, string>, now: number): DashboardConversation[] {
  return docs
    .filter((d) => d.state !== 'closed')
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? -1 : 1))
    .slice(0, DASHBOARD_MAX_CONVERSATIONS)
    .map((d) => {
      const since = waitingSince.get(d.id);
      const serviceIdentifier = d.channelSessions.at(-1)?.serviceIdentifier;
      return {
        conversationId: d.id,
        state: d.state,
        ...(serviceIdentifier ? { serviceIdentifier } : {}),
        waitingSeconds: since ? seconds(now, since) : 0,
        agentIds: d.participants.filter((p) => p.role === 'agent').map((p) => p.id),
      };
    });
}

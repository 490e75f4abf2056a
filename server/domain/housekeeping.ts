import type { AgentTask } from '@conversation-hub/client-sdk/contract';
import { needAgent, type ControllerAction, type ControllerConfig } from './controller-rules.js';
import type { ConversationDoc } from './conversation.js';

/**
 * Housekeeping's repair of one live conversation, as a pure function of its committed state. The
 * after-write pipeline's follow-ups (timers, routing, the Controller) run after the commit, in the
 * process that committed: a node that dies between the two, or a follow-up that meets a Redis or
 * Postgres outage, leaves the state committed and the follow-up undone. Everything a follow-up
 * does can be read back from the state, so a periodic sweep (engine/housekeeping.ts) re-derives it
 * and applies it idempotently: a timer armed only when none is (`Scheduler.ensure`), a task created
 * only when the conversation has none open, an offer made by the routing store's atomic step.
 */

export type Repair =
  /** A timer that must be pending; left alone when it is. */
  | { type: 'ensure.timer'; kind: 'inactivity' | 'wrapup' | 'archive'; key: string; dueAt: number }
  /** The offer timer of a task offered to an agent. */
  | { type: 'ensure.offer'; taskId: string; agentId: string; dueAt: number }
  /** A queued task offered again (push) or announced again (pull). */
  | { type: 'route'; task: AgentTask }
  | { type: 'controller'; action: ControllerAction };

export interface HousekeepingFacts {
  now: number;
  /** Epoch ms of the customer's last activity per open session (StoredConversation.sessionActivity). */
  sessionActivity: Record<string, number>;
  inactivitySeconds: number;
  offerTimeoutSeconds: number;
  /** The conversation's tasks (RoutingStore.tasksOf). */
  tasks: AgentTask[];
  /** Its archive is dead-lettered: it waits for an operator's retry, not for housekeeping. */
  deadLettered: boolean;
  /** The channel's bot has been in the conversation at some time (left on purpose, or is in it). */
  botEverJoined: boolean;
}

const OPEN_TASK = new Set<AgentTask['state']>(['queued', 'offered', 'accepted']);

export function repairs(config: ControllerConfig, doc: ConversationDoc, f: HousekeepingFacts): Repair[] {
  const out: Repair[] = [];
  if (doc.state === 'closed') return out;
  if (doc.state === 'closing') return f.deadLettered ? out : [{ type: 'ensure.timer', kind: 'archive', key: doc.id, dueAt: f.now }];
  const open = doc.channelSessions.filter((s) => s.state === 'open');
  for (const s of open) {
    const last = f.sessionActivity[s.id] ?? Date.parse(s.openedAt);
    out.push({ type: 'ensure.timer', kind: 'inactivity', key: s.id, dueAt: last + f.inactivitySeconds * 1000 });
  }
  // The state changed to wrap_up at an unknown time: a lost wrap-up timer comes back a full timeout late, not never.
  if (doc.state === 'wrap_up') out.push({ type: 'ensure.timer', kind: 'wrapup', key: doc.id, dueAt: f.now + doc.wrapUp.timeoutSeconds * 1000 });
  for (const t of f.tasks) {
    if (t.state === 'queued') out.push({ type: 'route', task: t });
    if (t.state === 'offered' && t.agentId) out.push({ type: 'ensure.offer', taskId: t.id, agentId: t.agentId, dueAt: f.now + f.offerTimeoutSeconds * 1000 });
  }
  // A customer waiting with nobody to serve it: no agent ever, no bot in it, no open task.
  const waiting = doc.state === 'created' && open.length > 0 && !doc.agentsEverJoined;
  const botIn = doc.participants.some((p) => p.role === 'bot');
  if (waiting && !botIn && !f.tasks.some((t) => OPEN_TASK.has(t.state))) {
    if (config.botId !== undefined && !f.botEverJoined) out.push({ type: 'controller', action: { type: 'invite.bot', botId: config.botId } });
    else for (const action of needAgent(config, f.now, 'new')) out.push({ type: 'controller', action });
  }
  return out;
}

import type { Kysely } from 'kysely';
import type { AgentTask } from '@conversation-hub/client-sdk/contract';
import type { Database } from '../../server/persistence/database.js';
import type { ReportEvent } from '../../server/reporting/report-events.js';

/** 2026-03-02 plus the time of day `hh:mm:ss` (UTC), ISO. */
export const at = (time: string, day = '2026-03-02') => `${day}T${time}.000Z`;
export const DAY = { from: at('00:00:00'), to: at('00:00:00', '2026-03-03') };

type Step = { offer?: { agentId: string; at: string; outcome?: 'accepted' | 'rejected' | 'expired' | 'revoked'; endedAt?: string } };

/**
 * The events the engine would record for one task: its versions as it goes (queued, offered,
 * accepted, closed) and each offer made and ended.
 */
export function taskLife(t: { id: string; channelId?: string; listId?: string; reason?: AgentTask['reason']; createdAt: string; offers?: Step['offer'][]; closedAt?: string }): ReportEvent[] {
  const base: AgentTask = { id: t.id, conversationId: `c-${t.id}`, state: 'queued', createdAt: t.createdAt, ...(t.listId ? { listId: t.listId } : {}), ...(t.reason ? { reason: t.reason } : {}) };
  const ch = t.channelId ? { channelId: t.channelId } : {};
  const out: ReportEvent[] = [{ type: 'task', task: base, ...ch }];
  let task = base;
  for (const o of t.offers ?? []) {
    if (!o) continue;
    task = { ...task, state: 'offered', agentId: o.agentId, offeredAt: o.at };
    out.push({ type: 'task', task, ...ch });
    out.push({ type: 'offer.made', taskId: t.id, conversationId: base.conversationId, agentId: o.agentId, offeredAt: o.at, ...(t.listId ? { listId: t.listId } : {}), ...ch });
    if (!o.outcome) continue;
    out.push({ type: 'offer.ended', taskId: t.id, agentId: o.agentId, offeredAt: o.at, outcome: o.outcome, endedAt: o.endedAt! });
    if (o.outcome === 'accepted') task = { ...task, state: 'accepted', acceptedAt: o.endedAt! };
    else {
      const { agentId: _a, ...queued } = task;
      task = { ...queued, state: 'queued' };
    }
    out.push({ type: 'task', task, ...ch });
  }
  if (t.closedAt) out.push({ type: 'task', task: { ...task, state: 'closed', closedAt: t.closedAt }, ...ch });
  return out;
}

/**
 * A hand-made day (threshold 20 s):
 * - web/sales: t1 answered in 10 s, handled 300 s; t2 rejected by a1 then answered by a2 at 30 s,
 *   handled 600 s; t3 offered, expired, closed unanswered (abandoned);
 * - web/no list: t4 still waiting;
 * - no channel/support: t5 answered in 5 s, still open;
 * - t6 the day before and t7 at the end of the range: outside it.
 */
export function handMadeDay(): ReportEvent[] {
  return [
    ...taskLife({ id: 't1', channelId: 'web', listId: 'sales', reason: 'new', createdAt: at('09:00:00'), offers: [{ agentId: 'a1', at: at('09:00:02'), outcome: 'accepted', endedAt: at('09:00:10') }], closedAt: at('09:05:10') }),
    ...taskLife({
      id: 't2', channelId: 'web', listId: 'sales', reason: 'transfer', createdAt: at('09:10:00'),
      offers: [{ agentId: 'a1', at: at('09:10:01'), outcome: 'rejected', endedAt: at('09:10:05') }, { agentId: 'a2', at: at('09:10:06'), outcome: 'accepted', endedAt: at('09:10:30') }],
      closedAt: at('09:20:30'),
    }),
    ...taskLife({ id: 't3', channelId: 'web', listId: 'sales', reason: 'new', createdAt: at('09:30:00'), offers: [{ agentId: 'a2', at: at('09:30:01'), outcome: 'expired', endedAt: at('09:30:31') }], closedAt: at('09:31:00') }),
    ...taskLife({ id: 't4', channelId: 'web', createdAt: at('10:00:00') }),
    ...taskLife({ id: 't5', listId: 'support', createdAt: at('11:00:00'), offers: [{ agentId: 'a3', at: at('11:00:01'), outcome: 'accepted', endedAt: at('11:00:05') }] }),
    ...taskLife({ id: 't6', channelId: 'web', listId: 'sales', createdAt: at('23:59:59', '2026-03-01'), offers: [{ agentId: 'a1', at: at('00:00:01'), outcome: 'accepted', endedAt: at('00:00:02') }] }),
    ...taskLife({ id: 't7', channelId: 'web', listId: 'sales', createdAt: DAY.to }),
    { type: 'agent.state', id: 'st1', agentId: 'a1', state: 'ready', at: at('08:59:00') },
    { type: 'agent.state', id: 'st2', agentId: 'a1', state: 'not_ready', reason: 'lunch', at: at('12:00:00') },
  ];
}

/** Every row the reports write, in a stable order: to compare two databases or two runs. */
export async function reportRows(db: Kysely<Database>) {
  return {
    tasks: await db.selectFrom('agent_tasks').selectAll().orderBy('id').execute(),
    offers: await db.selectFrom('task_offers').selectAll().orderBy('task_id').orderBy('offered_at').orderBy('agent_id').execute(),
    states: await db.selectFrom('agent_states').selectAll().orderBy('id').execute(),
  };
}

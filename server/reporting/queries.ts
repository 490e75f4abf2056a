import { sql, type Kysely } from 'kysely';
import type { Database } from '../persistence/database.js';
import { iso } from '../persistence/sql-util.js';

/** A time range, ISO 8601: from inclusive, to exclusive. */
export interface ReportRange {
  from: string;
  to: string;
}

export interface TaskOfferReport {
  agentId: string;
  offeredAt: string;
  outcome: 'accepted' | 'rejected' | 'expired' | 'revoked' | null;
  endedAt: string | null;
  /** Seconds the offer was open (the agent's time to answer); null while open. */
  answerSeconds: number | null;
}

/** One task of `agentTaskRows`: the `agent_tasks` row with its durations and offers. */
export interface AgentTaskReportRow {
  id: string;
  conversationId: string;
  reason: string | null;
  channelId: string | null;
  listId: string | null;
  agentId: string | null;
  state: string;
  createdAt: string;
  offeredAt: string | null;
  acceptedAt: string | null;
  closedAt: string | null;
  /** Created to accepted; null unless accepted. */
  waitSeconds: number | null;
  /** Accepted to closed; null until both. */
  handleSeconds: number | null;
  offers: TaskOfferReport[];
}

/** Service level of one (channel, list) over a range: what a supervisor's dashboard and `GET /api/reports/service-level` show. */
export interface ServiceLevelRow {
  channelId: string | null;
  listId: string | null;
  /** Tasks created in the range. */
  offered: number;
  /** Of those, accepted within the threshold of their creation. */
  answeredWithin: number;
  /** Of those, closed without ever being accepted. */
  abandoned: number;
  /** Created to accepted, over the accepted ones; null when none. */
  averageWaitSeconds: number | null;
  /** Accepted to closed, over the closed accepted ones; null when none. */
  averageHandleSeconds: number | null;
}

const orNull = (d: Date | string | null): string | null => (d === null ? null : iso(d));
const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

/** Tasks created in [from, to), oldest first, each with its offers (oldest first). */
export async function agentTaskRows(db: Kysely<Database>, range: ReportRange): Promise<AgentTaskReportRow[]> {
  const tasks = await db
    .selectFrom('agent_tasks')
    .select(['id', 'conversation_id', 'reason', 'channel_id', 'list_id', 'agent_id', 'state', 'created_at', 'offered_at', 'accepted_at', 'closed_at', 'handle_time_seconds'])
    .select(sql<number | null>`extract(epoch from (accepted_at - created_at))::double precision`.as('wait_seconds'))
    .where('created_at', '>=', new Date(range.from))
    .where('created_at', '<', new Date(range.to))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  if (tasks.length === 0) return [];
  const offers = await db
    .selectFrom('task_offers')
    .innerJoin('agent_tasks', 'agent_tasks.id', 'task_offers.task_id')
    .select(['task_offers.task_id', 'task_offers.agent_id', 'task_offers.offered_at', 'task_offers.outcome', 'task_offers.ended_at', 'task_offers.answer_seconds'])
    .where('agent_tasks.created_at', '>=', new Date(range.from))
    .where('agent_tasks.created_at', '<', new Date(range.to))
    .orderBy('task_offers.offered_at')
    .orderBy('task_offers.agent_id')
    .execute();
  const byTask = new Map<string, TaskOfferReport[]>();
  for (const o of offers) {
    const list = byTask.get(o.task_id) ?? [];
    list.push({ agentId: o.agent_id, offeredAt: iso(o.offered_at), outcome: o.outcome, endedAt: orNull(o.ended_at), answerSeconds: num(o.answer_seconds) });
    byTask.set(o.task_id, list);
  }
  return tasks.map((t) => ({
    id: t.id,
    conversationId: t.conversation_id,
    reason: t.reason,
    channelId: t.channel_id,
    listId: t.list_id,
    agentId: t.agent_id,
    state: t.state,
    createdAt: iso(t.created_at),
    offeredAt: orNull(t.offered_at),
    acceptedAt: orNull(t.accepted_at),
    closedAt: orNull(t.closed_at),
    waitSeconds: num(t.wait_seconds),
    handleSeconds: num(t.handle_time_seconds),
    offers: byTask.get(t.id) ?? [],
  }));
}

/** Per (channel, list) of the tasks created in [from, to): see ServiceLevelRow. Ordered by channel then list, no-channel and no-list first. */
export async function serviceLevel(db: Kysely<Database>, query: ReportRange & { thresholdSeconds: number }): Promise<ServiceLevelRow[]> {
  const wait = sql`extract(epoch from (accepted_at - created_at))`;
  const rows = await db
    .selectFrom('agent_tasks')
    .select(['channel_id', 'list_id'])
    .select([
      sql<number>`count(*)::int`.as('offered'),
      sql<number>`(count(*) filter (where accepted_at is not null and ${wait} <= ${query.thresholdSeconds}::double precision))::int`.as('answered_within'),
      sql<number>`(count(*) filter (where accepted_at is null and (state = 'closed' or closed_at is not null)))::int`.as('abandoned'),
      sql<number | null>`(avg(${wait}) filter (where accepted_at is not null))::double precision`.as('average_wait_seconds'),
      sql<number | null>`avg(handle_time_seconds)::double precision`.as('average_handle_seconds'),
    ])
    .where('created_at', '>=', new Date(query.from))
    .where('created_at', '<', new Date(query.to))
    .groupBy(['channel_id', 'list_id'])
    .orderBy(sql`channel_id nulls first`)
    .orderBy(sql`list_id nulls first`)
    .execute();
  return rows.map((r) => ({
    channelId: r.channel_id,
    listId: r.list_id,
    offered: Number(r.offered),
    answeredWithin: Number(r.answered_within),
    abandoned: Number(r.abandoned),
    averageWaitSeconds: num(r.average_wait_seconds),
    averageHandleSeconds: num(r.average_handle_seconds),
  }));
}

/**
 * The dashboard's figures (EngineDeps.serviceLevelToday): today's (UTC) tasks per list, every
 * channel together.
 */
export async function serviceLevelToday(db: Kysely<Database>, thresholdSeconds: number, now = Date.now()): Promise<{ listId: string | null; offered: number; answeredWithin: number }[]> {
  const from = new Date(now);
  from.setUTCHours(0, 0, 0, 0);
  const to = new Date(from.getTime() + 24 * 3600_000);
  const byList = new Map<string | null, { listId: string | null; offered: number; answeredWithin: number }>();
  for (const r of await serviceLevel(db, { from: from.toISOString(), to: to.toISOString(), thresholdSeconds })) {
    const sum = byList.get(r.listId) ?? { listId: r.listId, offered: 0, answeredWithin: 0 };
    sum.offered += r.offered;
    sum.answeredWithin += r.answeredWithin;
    byList.set(r.listId, sum);
  }
  return [...byList.values()];
}

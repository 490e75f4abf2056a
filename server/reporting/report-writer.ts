import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { upsertAgentTasks, type AgentTaskWrite } from '../persistence/agent-tasks.js';
import type { Database } from '../persistence/database.js';
import { sqlState } from '../persistence/sql-util.js';
import type { ReportEvent } from './report-events.js';

type OfferMade = Extract<ReportEvent, { type: 'offer.made' }>;
type OfferEnded = Extract<ReportEvent, { type: 'offer.ended' }>;
type AgentState = Extract<ReportEvent, { type: 'agent.state' }>;

/**
 * Writes report events to Postgres in one transaction. Every write is idempotent, so a batch
 * written twice (a flush that failed after the commit, two flushers) gives the same rows:
 * - `task`: upsertAgentTasks (fields only ever fill in; closed stays closed);
 * - `offer.made`: insert, nothing if the offer is there;
 * - `offer.ended`: the offer's outcome, only while it has none (the first ending wins); when the
 *   offer is missing (its `offer.made` was lost) it is inserted with its outcome;
 * - `agent.state`: insert by its id, nothing if there.
 * Tasks go first so that an ended offer without its row can take the task's conversation.
 */
export async function writeReportEvents(db: Kysely<Database>, events: readonly ReportEvent[]): Promise<void> {
  const tasks: AgentTaskWrite[] = [];
  const made: OfferMade[] = [];
  const ended = new Map<string, OfferEnded>();
  const states: AgentState[] = [];
  for (const e of events) {
    if (e.type === 'task') tasks.push(e.channelId === undefined ? e.task : { ...e.task, channelId: e.channelId });
    else if (e.type === 'offer.made') made.push(e);
    else if (e.type === 'offer.ended') {
      // One statement cannot update a row twice: the first ending of an offer is the one kept.
      const key = offerKey(e);
      if (!ended.has(key)) ended.set(key, e);
    } else states.push(e);
  }
  await db.transaction().execute(async (trx) => {
    await upsertAgentTasks(trx, tasks);
    if (made.length > 0) {
      await trx
        .insertInto('task_offers')
        .values(made.map((o) => ({ task_id: o.taskId, agent_id: o.agentId, offered_at: o.offeredAt, conversation_id: o.conversationId, list_id: o.listId ?? null, channel_id: o.channelId ?? null })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    if (ended.size > 0) await endOffers(trx, [...ended.values()]);
    if (states.length > 0) {
      await trx
        .insertInto('agent_states')
        .values(states.map((s) => ({ id: s.id, agent_id: s.agentId, state: s.state, reason: s.reason ?? null, at: s.at })))
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
  });
}

const offerKey = (o: { taskId: string; agentId: string; offeredAt: string }) => `${o.taskId}\u0000${o.agentId}\u0000${Date.parse(o.offeredAt)}`;

async function endOffers(db: Kysely<Database>, list: OfferEnded[]): Promise<void> {
  const rows = sql.join(list.map((o) => sql`(${o.taskId}::text, ${o.agentId}::text, ${o.offeredAt}::timestamptz, ${o.outcome}::text, ${o.endedAt}::timestamptz)`));
  // A missing offer takes its task's conversation, list and channel ('' when the task is unknown too).
  await sql`
    insert into task_offers (task_id, agent_id, offered_at, conversation_id, list_id, channel_id, outcome, ended_at)
    select v.task_id, v.agent_id, v.offered_at, coalesce(t.conversation_id, ''), t.list_id, t.channel_id, v.outcome, v.ended_at
    from (values ${rows}) as v(task_id, agent_id, offered_at, outcome, ended_at)
    left join agent_tasks t on t.id = v.task_id
    on conflict (task_id, agent_id, offered_at) do update
      set outcome = excluded.outcome, ended_at = excluded.ended_at
      where task_offers.outcome is null`.execute(db);
}

/**
 * Whether Postgres refused the data itself (SQLSTATE class 22 data exception, 23 integrity
 * violation): writing it again fails again. Anything else (no connection, a timeout) may pass later.
 */
export function isRefusedData(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && /^2[23][0-9A-Z]{3}$/.test(state);
}

/**
 * The batch in one transaction; when Postgres refuses its data, each event on its own, and those
 * refused are logged and skipped (one bad event must not hold the outbox for ever). Returns how
 * many were skipped. Throws when Postgres is unreachable: the caller keeps the batch.
 */
export async function writeBatch(db: Kysely<Database>, events: readonly ReportEvent[], log?: Logger): Promise<number> {
  try {
    await writeReportEvents(db, events);
    return 0;
  } catch (err) {
    if (!isRefusedData(err)) throw err;
  }
  let skipped = 0;
  for (const event of events) {
    try {
      await writeReportEvents(db, [event]);
    } catch (err) {
      if (!isRefusedData(err)) throw err;
      skipped++;
      log?.error({ err, event }, 'report event refused by Postgres; skipped');
    }
  }
  return skipped;
}

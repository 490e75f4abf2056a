import { sql, type Kysely } from 'kysely';
import type { AgentTask, AgentTaskState } from '@conversation-hub/client-sdk/contract';
import { notFound } from '../domain/errors.js';
import type { AgentTaskRow, Database } from './database.js';
import { iso, isoOrUndefined, opt } from './sql-util.js';

/** A row of the reporting table: the task plus its handle time (closedAt - acceptedAt, seconds). */
export type AgentTaskReport = AgentTask & { handleTimeSeconds?: number };

export function toAgentTaskRow(t: AgentTask) {
  return {
    id: t.id,
    conversation_id: t.conversationId,
    state: t.state,
    agent_id: t.agentId ?? null,
    list_id: t.listId ?? null,
    created_at: t.createdAt,
    offered_at: t.offeredAt ?? null,
    accepted_at: t.acceptedAt ?? null,
    closed_at: t.closedAt ?? null,
  };
}

function toReport(r: AgentTaskRow): AgentTaskReport {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    state: r.state as AgentTaskState,
    ...opt('agentId', r.agent_id),
    ...opt('listId', r.list_id),
    createdAt: iso(r.created_at),
    ...opt('offeredAt', isoOrUndefined(r.offered_at)),
    ...opt('acceptedAt', isoOrUndefined(r.accepted_at)),
    ...opt('closedAt', isoOrUndefined(r.closed_at)),
    ...opt('handleTimeSeconds', r.handle_time_seconds),
  };
}

/**
 * Writes the task's latest state. Writes may arrive late or twice (retries, the archive), so a
 * field the new version lacks keeps its stored value, and `closed` is terminal: a stale write
 * never reopens a task. Handle time is a generated column.
 */
export async function upsertAgentTasks(db: Kysely<Database>, tasks: AgentTask[]): Promise<void> {
  // One statement cannot update a row twice: keep the last version of each task.
  const latest = [...new Map(tasks.map((t) => [t.id, t])).values()];
  if (latest.length === 0) return;
  await db
    .insertInto('agent_tasks')
    .values(latest.map(toAgentTaskRow))
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        state: sql<string>`case when agent_tasks.state = 'closed' then agent_tasks.state else excluded.state end`,
        agent_id: sql<string | null>`coalesce(excluded.agent_id, agent_tasks.agent_id)`,
        list_id: sql<string | null>`coalesce(excluded.list_id, agent_tasks.list_id)`,
        offered_at: sql<string | null>`coalesce(excluded.offered_at, agent_tasks.offered_at)`,
        accepted_at: sql<string | null>`coalesce(excluded.accepted_at, agent_tasks.accepted_at)`,
        closed_at: sql<string | null>`coalesce(excluded.closed_at, agent_tasks.closed_at)`,
      }),
    )
    .execute();
}

export async function upsertAgentTask(db: Kysely<Database>, task: AgentTask): Promise<void> {
  await upsertAgentTasks(db, [task]);
}

export async function getAgentTask(db: Kysely<Database>, id: string): Promise<AgentTaskReport> {
  const row = await db.selectFrom('agent_tasks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('agent task');
  return toReport(row);
}

export async function listAgentTasks(db: Kysely<Database>, filter: { conversationId?: string; agentId?: string } = {}): Promise<AgentTaskReport[]> {
  let q = db.selectFrom('agent_tasks').selectAll();
  if (filter.conversationId !== undefined) q = q.where('conversation_id', '=', filter.conversationId);
  if (filter.agentId !== undefined) q = q.where('agent_id', '=', filter.agentId);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.map(toReport);
}

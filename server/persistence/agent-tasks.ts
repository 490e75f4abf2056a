import { sql, type Kysely } from 'kysely';
import type { AgentTask, AgentTaskState } from '@conversation-hub/client-sdk/contract';
import { notFound } from '../domain/errors.js';
import type { AgentTaskRow, Database } from './database.js';
import { iso, isoOrUndefined, opt } from './sql-util.js';

/** A row of the reporting table: the task plus its handle time (closedAt - acceptedAt, seconds). */
export type AgentTaskReport = AgentTask & { handleTimeSeconds?: number };

/** A task as written: the reporting outbox also knows its channel, which the task itself does not carry. */
export type AgentTaskWrite = AgentTask & { channelId?: string };

export function toAgentTaskRow(t: AgentTaskWrite) {
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
    reason: t.reason ?? null,
    channel_id: t.channelId ?? null,
    // jsonb goes in as a string (see database.ts)
    required_skills: t.requiredSkills === undefined ? null : JSON.stringify(t.requiredSkills),
  };
}

function toReport(r: AgentTaskRow): AgentTaskReport {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    state: r.state as AgentTaskState,
    ...opt('agentId', r.agent_id),
    ...opt('listId', r.list_id),
    ...opt('reason', r.reason as AgentTask['reason'] | null),
    ...opt('requiredSkills', r.required_skills),
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
export async function upsertAgentTasks(db: Kysely<Database>, tasks: readonly AgentTaskWrite[]): Promise<void> {
  // One statement cannot update a row twice: fold each task's versions by the same rules first,
  // so a batch writes what writing its versions one by one would.
  const merged = new Map<string, AgentTaskWrite>();
  for (const t of tasks) {
    const prev = merged.get(t.id);
    merged.set(t.id, prev ? mergeVersions(prev, t) : t);
  }
  const latest = [...merged.values()];
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
        reason: sql<string | null>`coalesce(excluded.reason, agent_tasks.reason)`,
        channel_id: sql<string | null>`coalesce(excluded.channel_id, agent_tasks.channel_id)`,
        required_skills: sql<string | null>`coalesce(excluded.required_skills, agent_tasks.required_skills)`,
      }),
    )
    .execute();
}

/** `next` over `prev`: its set fields win, an unset one keeps `prev`'s, and closed stays closed. */
function mergeVersions(prev: AgentTaskWrite, next: AgentTaskWrite): AgentTaskWrite {
  const out: Record<string, unknown> = { ...prev };
  for (const [k, v] of Object.entries(next)) if (v !== undefined) out[k] = v;
  if (prev.state === 'closed') out.state = 'closed';
  return out as unknown as AgentTaskWrite;
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

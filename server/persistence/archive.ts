import { sql, type Kysely } from 'kysely';
import type { Activity, AgentTask, Conversation } from '@conversation-hub/client-sdk/contract';
import { badRequest, conflict } from '../domain/errors.js';
import { upsertAgentTasks } from './agent-tasks.js';
import { activityToRow, deriveParticipants, deriveWrapUps, sessionToRow, type WrapUpRecord } from './archive-rows.js';
import type { Database } from './database.js';

export interface ArchiveInput {
  /** The live conversation, state `closing` (or `closed`, when a retry comes after markClosed). */
  conversation: Conversation;
  /** Its whole log (ConversationStore.all). */
  activities: Activity[];
  tasks?: AgentTask[];
  /** Explicit wrap-ups; `wrapup` activities in the log are stored anyway. */
  wrapUps?: WrapUpRecord[];
  /** When the archive closed it; default now. Kept from the first successful run. */
  closedAt?: string;
}

export interface ArchiveResult {
  /** Activities this run added: 0 when a previous run already stored them. */
  activitiesInserted: number;
}

// Postgres allows 65535 parameters per statement; activities have 12 columns.
const CHUNK = 1000;

/**
 * Writes a closing conversation to the archive in one transaction, idempotently: every table has
 * a natural key and conflicts update or do nothing, so a retry after a crash (or any second run)
 * adds nothing twice. The row is stored as `closed`. Rejects (and writes nothing) when the
 * database is unreachable: the caller keeps the live state and retries later.
 */
export async function archiveConversation(db: Kysely<Database>, input: ArchiveInput): Promise<ArchiveResult> {
  const { conversation: c, activities } = input;
  if (c.state !== 'closing' && c.state !== 'closed') throw conflict(`conversation is ${c.state}, not closing`);
  const stray = activities.find((a) => a.conversationId !== c.id) ?? (input.tasks ?? []).find((t) => t.conversationId !== c.id);
  if (stray) throw badRequest(`${stray.id} belongs to another conversation`);
  const lastSeq = Math.max(c.lastSeq, ...activities.map((a) => a.seq));
  const closedAt = input.closedAt ?? new Date().toISOString();

  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('conversations')
      .values({ id: c.id, customer_id: c.customerId, state: 'closed', last_seq: lastSeq, created_at: c.createdAt, closed_at: closedAt, data: c.data ? JSON.stringify(c.data) : null })
      // customer_id is left alone: a merge may have moved the conversation since the first run
      .onConflict((oc) => oc.column('id').doUpdateSet({ state: 'closed', last_seq: sql<number>`greatest(conversations.last_seq, excluded.last_seq)`, data: sql`excluded.data` }))
      .execute();

    if (c.channelSessions.length > 0) {
      await trx
        .insertInto('channel_sessions')
        .values(c.channelSessions.map(sessionToRow))
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            state: eb.ref('excluded.state'),
            channel_data: eb.ref('excluded.channel_data'),
            closed_at: eb.ref('excluded.closed_at'),
            close_reason: eb.ref('excluded.close_reason'),
          })),
        )
        .execute();
    }

    const participants = deriveParticipants(c.id, c.participants, activities);
    if (participants.length > 0) {
      await trx
        .insertInto('participants')
        .values(participants)
        .onConflict((oc) =>
          oc.columns(['conversation_id', 'participant_id']).doUpdateSet((eb) => ({
            role: eb.ref('excluded.role'),
            name: sql<string | null>`coalesce(excluded.name, participants.name)`,
            joined_at: sql<string>`least(participants.joined_at, excluded.joined_at)`,
            left_at: eb.ref('excluded.left_at'),
          })),
        )
        .execute();
    }

    let activitiesInserted = 0;
    for (let i = 0; i < activities.length; i += CHUNK) {
      const r = await trx
        .insertInto('activities')
        .values(activities.slice(i, i + CHUNK).map(activityToRow))
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      activitiesInserted += Number(r.numInsertedOrUpdatedRows ?? 0n);
    }

    await upsertAgentTasks(trx, input.tasks ?? []);

    const wrapUps = deriveWrapUps(c.id, activities, input.wrapUps);
    if (wrapUps.length > 0) {
      await trx
        .insertInto('wrap_ups')
        .values(wrapUps)
        .onConflict((oc) =>
          oc.columns(['conversation_id', 'agent_id']).doUpdateSet((eb) => ({
            codes: eb.ref('excluded.codes'),
            note: eb.ref('excluded.note'),
            submitted_at: eb.ref('excluded.submitted_at'),
          })),
        )
        .execute();
    }
    return { activitiesInserted };
  });
}

import type { Kysely } from 'kysely';
import type { Conversation, ConversationState, ConversationView } from '@conversation-hub/client-sdk/contract';
import { notFound } from '../domain/errors.js';
import { rowToActivity, rowToParticipant, rowToSession } from './archive-rows.js';
import { mergedCustomerIds } from './customer-merge.js';
import type { ConversationRow, Database } from './database.js';
import { iso } from './sql-util.js';

/**
 * Builds contract Conversations from archive rows, three queries for any number of them. An
 * archived conversation lists everyone who was ever in it as participants (live ones list who is
 * in it now), each with their first join time.
 */
async function toConversations(db: Kysely<Database>, rows: ConversationRow[]): Promise<Conversation[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [sessions, participants] = await Promise.all([
    db.selectFrom('channel_sessions').selectAll().where('conversation_id', 'in', ids).orderBy('opened_at').orderBy('id').execute(),
    db.selectFrom('participants').selectAll().where('conversation_id', 'in', ids).orderBy('joined_at').orderBy('participant_id').execute(),
  ]);
  return rows.map((r) => ({
    id: r.id,
    customerId: r.customer_id,
    state: r.state as ConversationState,
    channelSessions: sessions.filter((s) => s.conversation_id === r.id).map(rowToSession),
    participants: participants.filter((p) => p.conversation_id === r.id).map(rowToParticipant),
    lastSeq: r.last_seq,
    createdAt: iso(r.created_at),
    ...(r.data ? { data: r.data } : {}),
  }));
}

async function withActivities(db: Kysely<Database>, conversations: Conversation[]): Promise<ConversationView[]> {
  if (conversations.length === 0) return [];
  const rows = await db
    .selectFrom('activities')
    .selectAll()
    .where(
      'conversation_id',
      'in',
      conversations.map((c) => c.id),
    )
    .orderBy('conversation_id')
    .orderBy('seq')
    .execute();
  return conversations.map((c) => ({ ...c, activities: rows.filter((r) => r.conversation_id === c.id).map(rowToActivity) }));
}

/** The archived conversation with its whole log in seq order; null when the archive lacks it. */
export async function findArchivedConversation(db: Kysely<Database>, id: string): Promise<ConversationView | null> {
  const row = await db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  const [view] = await withActivities(db, await toConversations(db, [row]));
  return view ?? null;
}

/** The same, `not_found` when absent (`GET /api/conversations/:id` after the live store said no). */
export async function getArchivedConversation(db: Kysely<Database>, id: string): Promise<ConversationView> {
  const view = await findArchivedConversation(db, id);
  if (!view) throw notFound('conversation');
  return view;
}

/** Archived conversations, newest first, without their logs (`GET /api/conversations`). */
export async function listConversations(
  db: Kysely<Database>,
  filter: { customerId?: string; state?: ConversationState; limit?: number } = {},
): Promise<Conversation[]> {
  let q = db.selectFrom('conversations').selectAll();
  if (filter.customerId !== undefined) q = q.where('customer_id', 'in', await mergedCustomerIds(db, filter.customerId));
  if (filter.state !== undefined) q = q.where('state', '=', filter.state);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit ?? 100).execute();
  return toConversations(db, rows);
}

/**
 * The customer's archived conversations, newest first, each with its log, including those of
 * customers merged into this one (even ones archived after the merge under the old id).
 */
export async function customerHistory(db: Kysely<Database>, customerId: string, limit = 10): Promise<ConversationView[]> {
  const ids = await mergedCustomerIds(db, customerId);
  const rows = await db
    .selectFrom('conversations')
    .selectAll()
    .where('customer_id', 'in', ids)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return withActivities(db, await toConversations(db, rows));
}

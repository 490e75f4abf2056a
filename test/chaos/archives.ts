import pg from 'pg';
import { TEST_DATABASE_URL } from '../helpers/database.js';
import type { ArchivedActivity, History } from './history.js';

/**
 * Waits (at most 90 s) until every conversation the load finished is archived, then reads each
 * archived log back from Postgres (directly, not through the refusing proxy) into the history.
 * Returns how many were archived and how long the wait took.
 */
export async function readArchives(schema: string, h: History, say: (s: string) => void): Promise<{ archived: number; waitMs: number }> {
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  const started = Date.now();
  try {
    const finished = h.conversations.filter((c) => !c.abandoned && !c.id.startsWith('none-')).map((c) => c.id);
    const all = h.conversations.filter((c) => !c.id.startsWith('none-')).map((c) => c.id);
    const closed = async (ids: string[]) =>
      new Set((await pool.query<{ id: string }>(`select id from "${schema}".conversations where id = any($1) and state = 'closed'`, [ids])).rows.map((r) => r.id));
    for (let last = -1; ; ) {
      const done = await closed(finished);
      if (done.size === finished.length || Date.now() - started > 90_000) break;
      if (done.size !== last) say(`archives: ${done.size} of ${finished.length}`);
      last = done.size;
      await new Promise((r) => setTimeout(r, 500));
    }
    const archivedIds = [...(await closed(all))];
    const rows = await pool.query<{ conversation_id: string; id: string; seq: number; type: string; client_message_id: string | null; from_id: string; payload: { text?: string; reason?: string } }>(
      `select conversation_id, id, seq, type, client_message_id, from_id, payload from "${schema}".activities where conversation_id = any($1) order by conversation_id, seq`,
      [archivedIds],
    );
    for (const id of archivedIds) h.archives.set(id, []);
    for (const r of rows.rows) {
      const a: ArchivedActivity = { id: r.id, seq: Number(r.seq), type: r.type, clientMessageId: r.client_message_id, fromId: r.from_id };
      if (typeof r.payload?.text === 'string') a.text = r.payload.text;
      if (typeof r.payload?.reason === 'string') a.reason = r.payload.reason;
      h.archives.get(r.conversation_id)!.push(a);
    }
    return { archived: archivedIds.length, waitMs: Date.now() - started };
  } finally {
    await pool.end();
  }
}

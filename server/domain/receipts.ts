import type { ActivityFrom, ReceiptStatus } from '@conversation-hub/client-sdk/contract';
import { draft, unchanged, type ConversationDoc, type Transition } from './conversation.js';
import { ErrorCode } from '@conversation-hub/client-sdk/contract';
import { HubError } from './errors.js';
import type { Horizon } from './read-horizons.js';

export interface MoveResult {
  /** The participant's read horizon after the call. */
  seq: number;
  /** What moved (nothing: no write, no receipt). */
  moved?: ReceiptStatus;
}

/** Moves a participant's read (or delivered) horizon forwards; an equal or lower seq changes nothing. */
export function moveHorizon(participantId: string, seq: number, status: ReceiptStatus): Transition<ConversationDoc, MoveResult> {
  return (doc) => {
    const cur: Horizon = doc.reads?.[participantId] ?? { read: 0 };
    const top = Math.max(cur.read, cur.delivered ?? 0);
    let next: Horizon;
    if (status === 'read') {
      if (seq <= cur.read) return unchanged(doc, { seq: cur.read });
      // Read implies delivered: a delivered horizon, when kept, never lags the read one.
      next = cur.delivered === undefined ? { read: seq } : { read: seq, delivered: Math.max(cur.delivered, seq) };
    } else {
      if (seq <= top) return unchanged(doc, { seq: cur.read });
      next = { read: cur.read, delivered: seq };
    }
    return { doc: { ...doc, reads: { ...doc.reads, [participantId]: next } }, activities: [], result: { seq: next.read, moved: status } };
  };
}

/** Who gets a participant's receipt: everyone else in the conversation; the customer not a silent monitor's. */
export function receiptTargets(doc: ConversationDoc, participantId: string): string[] {
  const silent = doc.silent?.includes(participantId) === true;
  return doc.participants.filter((p) => p.id !== participantId && !(p.role === 'customer' && silent)).map((p) => p.id);
}

export const DATA_MAX_KEYS = 50;
export const DATA_MAX_BYTES = 64 * 1024;

/** Sets (or, with null, deletes) one key of the conversation's data, with a `data.changed` activity for the agents. */
export function setData(key: string, value: unknown, from: ActivityFrom, now: string): Transition<ConversationDoc, { key: string }> {
  return (doc) => {
    const data: Record<string, unknown> = { ...doc.data };
    if (value === null) delete data[key];
    else data[key] = value;
    if (Object.keys(data).length > DATA_MAX_KEYS) throw new HubError(ErrorCode.TooLarge, `key: at most ${DATA_MAX_KEYS} keys`, { field: 'key' });
    if (Buffer.byteLength(JSON.stringify(data)) > DATA_MAX_BYTES) throw new HubError(ErrorCode.TooLarge, `value: the data may take at most ${DATA_MAX_BYTES} bytes`, { field: 'value' });
    const next: ConversationDoc = { ...doc, data };
    if (Object.keys(data).length === 0) delete next.data;
    return { doc: next, activities: [draft(doc.id, 'data.changed', 'agents', from, { key, value }, now)], result: { key } };
  };
}

/** Numbers JSON (and Postgres's jsonb) cannot hold. */
export function hasNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (Array.isArray(value)) return value.some(hasNonFinite);
  if (value && typeof value === 'object') return Object.values(value).some(hasNonFinite);
  return false;
}

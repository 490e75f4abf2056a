import type { ActivityDraft } from '@conversation-hub/client-sdk/contract';
import type { ConversationDoc } from '../domain/conversation.js';
import { StaleError } from '../redis/lua-script.js';
import { connectorTargets } from './conversation-store.js';

/** The JSON bits of RedisConversationStore (redis-store.ts): what its scripts take and answer. */

export const CONFLICT = Symbol('conflict');

/** The open sessions a connector serves, as the scripts keep them ("" for none). */
export function connectorsJson(doc: ConversationDoc): string {
  const targets = connectorTargets(doc);
  return targets.length ? JSON.stringify(targets) : '';
}

/** A script's `stale` refusal (the data changed since it was read) as CONFLICT: read again and retry. */
export async function orStale<T>(reply: Promise<T>): Promise<T | typeof CONFLICT> {
  try {
    return await reply;
  } catch (err) {
    if (err instanceof StaleError) return CONFLICT;
    throw err;
  }
}

/** Participants the `conversationsOf` index covers: everyone but the customer. */
export function agentSide(doc: ConversationDoc): string[] {
  return doc.participants.filter((p) => p.role !== 'customer').map((p) => p.id);
}

/** The draft's JSON, without a `seq` of its own: the store splices the assigned one in. */
export function draftJson(d: ActivityDraft): string {
  const { seq: _ignored, ...rest } = d as ActivityDraft & { seq?: unknown };
  return JSON.stringify(rest);
}

/** Splices `"seq":N` into an activity's JSON text, exactly as the Lua scripts do. */
export function withSeq(json: string, seq: number): string {
  return `${json.slice(0, -1)},"seq":${seq}}`;
}
export const noop = (): void => undefined;

import type { ActivityDraft } from '@conversation-hub/client-sdk/contract';

/**
 * The key a `clientMessageId` is deduplicated by: unique per sender within a conversation, so two
 * senders who happen to pick the same id never drop each other's messages. The sender's id is
 * length-prefixed, so no pair of (sender, id) can spell another's key. "" for none.
 */
export function dedupeKey(d: Pick<ActivityDraft, 'from' | 'clientMessageId'>): string {
  return d.clientMessageId ? `${d.from.id.length}:${d.from.id}:${d.clientMessageId}` : '';
}

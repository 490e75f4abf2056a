import type { ReadHorizon } from '@conversation-hub/client-sdk/contract';

/** One participant's horizons: read up to `read`; `delivered` when a channel reports deliveries (never below `read`). */
export interface Horizon {
  read: number;
  delivered?: number;
}

/** The horizons a role may see (a customer not those of silent monitors): apart from receipts.ts, which needs the conversation module that uses this. */
export function horizonsFor(reads: Record<string, Horizon> | undefined, hidden?: Set<string>): ReadHorizon[] {
  return Object.entries(reads ?? {})
    .filter(([id]) => !hidden?.has(id))
    .map(([participantId, h]) => (h.delivered === undefined ? { participantId, read: h.read } : { participantId, read: h.read, delivered: h.delivered }));
}

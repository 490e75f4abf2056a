import type { ArchivedActivity, Delivery, DrivenConversation, History } from './history.js';

export interface Verdict {
  conversations: number;
  ackedMessages: number;
  deliveries: number;
  archivedActivities: number;
  inactivityFirings: number;
  /** Acked messages missing from a receiver or from the archive (one per message and place). */
  lost: number;
  /** Activities handed twice to one application, or a message stored twice for one clientMessageId. */
  duplicated: number;
  /** Activities handed to an application after one with a higher seq. */
  reordered: number;
  /** Conversations not archived, archived with seq gaps, or whose archived messages differ from the acked log. */
  archiveMismatches: number;
  /** Idle conversations whose inactivity timer did not close the session exactly once, chat ones where it fired. */
  timerViolations: number;
  /**
   * Chat conversations with a step that did not complete in time (the bot's invitation, the
   * handover to the agent): a liveness figure, reported and explained but not one of the checked
   * promises; the lane ends such a conversation and its archive is still checked.
   */
  stalled: number;
  /** The first few violations, in words. */
  examples: string[];
}

export const violationsOf = (v: Verdict) => v.lost + v.duplicated + v.reordered + v.archiveMismatches + v.timerViolations;

/** Checks a chaos run's history against the hub's promises (PROTOCOL.md §5, README "Chaos"). */
export function check(h: History): Verdict {
  const v: Verdict = {
    conversations: h.conversations.length,
    ackedMessages: 0,
    deliveries: 0,
    archivedActivities: 0,
    inactivityFirings: 0,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    archiveMismatches: 0,
    timerViolations: 0,
    stalled: 0,
    examples: [],
  };
  const say = (s: string) => void (v.examples.length < 20 && v.examples.push(s));

  for (const byConversation of h.deliveries.values()) for (const list of byConversation.values()) v.deliveries += list.length;
  for (const [client, byConversation] of h.deliveries) {
    for (const [conversationId, list] of byConversation) {
      const { duplicated, reordered } = orderOf(list);
      v.duplicated += duplicated;
      v.reordered += reordered;
      if (duplicated) say(`${client} was handed ${duplicated} activities of ${conversationId} twice`);
      if (reordered) say(`${client} was handed ${reordered} activities of ${conversationId} out of order`);
    }
  }

  for (const c of h.conversations) {
    v.ackedMessages += c.acked.length;
    if (c.abandoned && c.kind === 'chat') {
      v.stalled++;
      say(`${c.id} stalled: ${c.abandoned}`);
    }
    for (const receiver of c.receivers) {
      const handed = new Set((h.deliveries.get(receiver)?.get(c.id) ?? []).map((d) => d.id));
      const missing = c.acked.filter((m) => (m.receivers ?? c.receivers).includes(receiver) && !handed.has(m.id));
      v.lost += missing.length;
      if (missing.length) say(`${receiver} never got ${missing.length} acked messages of ${c.id} (first seq ${missing[0]!.seq})`);
    }
    checkArchive(c, h.archives.get(c.id), v, say);
  }
  return v;
}

function orderOf(list: Delivery[]): { duplicated: number; reordered: number } {
  const seen = new Set<string>();
  let duplicated = 0;
  let reordered = 0;
  let last = 0;
  for (const d of list) {
    if (seen.has(d.id)) {
      duplicated++;
      continue;
    }
    seen.add(d.id);
    if (d.seq <= last) reordered++;
    last = Math.max(last, d.seq);
  }
  return { duplicated, reordered };
}

function checkArchive(c: DrivenConversation, archived: ArchivedActivity[] | undefined, v: Verdict, say: (s: string) => void): void {
  if (!archived) {
    v.archiveMismatches++;
    v.lost += c.acked.length;
    return say(`${c.id} was never archived (${c.acked.length} acked messages)`);
  }
  v.archivedActivities += archived.length;
  const seqs = archived.map((a) => a.seq).sort((a, b) => a - b);
  const gapless = seqs.every((s, i) => s === i + 1);
  const byId = new Map(archived.map((a) => [a.id, a]));
  const missing = c.acked.filter((m) => !byId.has(m.id));
  const changed = c.acked.filter((m) => {
    const a = byId.get(m.id);
    return a && (a.seq !== m.seq || a.text !== m.text || a.fromId !== m.from || a.clientMessageId !== m.clientMessageId);
  });
  const ackedIds = new Set(c.acked.map((m) => m.id));
  // Every client message in the archive was acked: a send retried after a lost ack is stored once.
  const extra = archived.filter((a) => a.type === 'message' && a.clientMessageId !== null && !ackedIds.has(a.id));
  const stored = new Map<string, number>();
  for (const a of archived) if (a.type === 'message' && a.clientMessageId) stored.set(`${a.fromId}/${a.clientMessageId}`, (stored.get(`${a.fromId}/${a.clientMessageId}`) ?? 0) + 1);
  const twice = [...stored.values()].filter((n) => n > 1).length;
  v.lost += missing.length;
  v.duplicated += twice;
  if (!gapless || missing.length || changed.length || (extra.length && !c.abandoned) || twice) {
    v.archiveMismatches++;
    say(`${c.id} archive differs: gapless ${gapless}, ${missing.length} acked missing, ${changed.length} changed, ${extra.length} never acked, ${twice} stored twice`);
  }
  const firings = archived.filter((a) => a.type === 'session.closed' && a.reason === 'inactivity').length;
  v.inactivityFirings += firings;
  // An idle conversation the lane gave up on: its timer did not close the session in time.
  if (firings !== (c.kind === 'idle' ? 1 : 0) || (c.kind === 'idle' && c.abandoned)) {
    v.timerViolations++;
    say(`${c.id} (${c.kind}): the inactivity timer closed the session ${firings} times${c.abandoned ? ` (${c.abandoned})` : ''}`);
  }
}

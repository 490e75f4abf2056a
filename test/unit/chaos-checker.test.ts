/**
 * The chaos run's checker (test/chaos/checker.ts) is a pure function of the history: each kind of
 * violation it promises to find, it finds, and a clean history passes.
 */
import { describe, expect, test } from '@jest/globals';
import { check, violationsOf } from '../chaos/checker.js';
import { newHistory, recordDelivery, type AckedMessage, type ArchivedActivity, type History } from '../chaos/history.js';

const msg = (seq: number, from = 'cust'): AckedMessage => ({ id: `a${seq}`, seq, clientMessageId: `${from}-${seq}`, from, text: `t${seq}` });
const archivedOf = (acked: AckedMessage[], extra: ArchivedActivity[] = []): ArchivedActivity[] => [
  { id: 'a1', seq: 1, type: 'session.started', clientMessageId: null, fromId: 'cust' },
  ...acked.map((m) => ({ id: m.id, seq: m.seq, type: 'message', clientMessageId: m.clientMessageId, fromId: m.from, text: m.text })),
  ...extra,
];

/** A chat conversation c1: seqs 2..4 acked, both receivers handed all of them, archived exactly. */
function clean(): History {
  const h = newHistory();
  const acked = [msg(2), msg(3, 'agent'), msg(4)];
  h.conversations.push({ id: 'c1', kind: 'chat', receivers: ['cust', 'agent'], acked });
  for (const r of ['cust', 'agent']) for (const m of acked) recordDelivery(h, r, 'c1', { id: m.id, seq: m.seq, type: 'message' });
  h.archives.set('c1', archivedOf(acked));
  return h;
}

describe('chaos checker', () => {
  test('a clean history has no violation', () => {
    const v = check(clean());
    expect(violationsOf(v)).toBe(0);
    expect(v).toMatchObject({ conversations: 1, ackedMessages: 3, deliveries: 6, archivedActivities: 4 });
  });

  test('an acked message a receiver was never handed is lost', () => {
    const h = clean();
    h.deliveries.get('agent')!.get('c1')!.splice(1, 1);
    expect(check(h)).toMatchObject({ lost: 1, duplicated: 0, reordered: 0 });
  });

  test('a message meant for some receivers only is not missed by the others', () => {
    const h = clean();
    const greeting = { ...msg(5, 'bot'), receivers: ['cust'] };
    h.conversations[0]!.acked.push(greeting);
    recordDelivery(h, 'cust', 'c1', { id: greeting.id, seq: 5, type: 'message' });
    h.archives.set('c1', archivedOf(h.conversations[0]!.acked));
    expect(violationsOf(check(h))).toBe(0);
  });

  test('an activity handed twice is duplicated; one handed after a later seq is reordered', () => {
    const h = clean();
    recordDelivery(h, 'cust', 'c1', { id: 'a3', seq: 3, type: 'message' });
    const agent = h.deliveries.get('agent')!.get('c1')!;
    [agent[0], agent[1]] = [agent[1]!, agent[0]!];
    expect(check(h)).toMatchObject({ duplicated: 1, reordered: 1, lost: 0 });
  });

  test('a conversation never archived, or archived with a gap or a changed or extra message, is a mismatch', () => {
    const never = clean();
    never.archives.delete('c1');
    expect(check(never)).toMatchObject({ archiveMismatches: 1, lost: 3 });

    const gap = clean();
    gap.archives.set('c1', archivedOf(gap.conversations[0]!.acked).filter((a) => a.seq !== 3));
    expect(check(gap)).toMatchObject({ archiveMismatches: 1, lost: 1 });

    const changed = clean();
    changed.archives.get('c1')![2]!.text = 'something else';
    expect(check(changed)).toMatchObject({ archiveMismatches: 1 });

    const extra = clean();
    extra.archives.set('c1', archivedOf(extra.conversations[0]!.acked, [{ id: 'x', seq: 5, type: 'message', clientMessageId: 'cust-9', fromId: 'cust', text: 'never acked' }]));
    expect(check(extra)).toMatchObject({ archiveMismatches: 1 });

    const twice = clean();
    twice.archives.set('c1', archivedOf(twice.conversations[0]!.acked, [{ id: 'y', seq: 5, type: 'message', clientMessageId: 'cust-2', fromId: 'cust', text: 't2' }]));
    expect(check(twice)).toMatchObject({ archiveMismatches: 1, duplicated: 1 });
  });

  test('an idle conversation needs exactly one inactivity close; a chat conversation none', () => {
    const closeAt = (seq: number): ArchivedActivity => ({ id: `close${seq}`, seq, type: 'session.closed', clientMessageId: null, fromId: 'controller', reason: 'inactivity' });
    const idle = (closes: number) => {
      const h = clean();
      h.conversations[0]!.kind = 'idle';
      h.archives.set('c1', archivedOf(h.conversations[0]!.acked, Array.from({ length: closes }, (_, i) => closeAt(5 + i))));
      return check(h);
    };
    expect(idle(1)).toMatchObject({ timerViolations: 0, inactivityFirings: 1 });
    expect(idle(0).timerViolations).toBe(1);
    expect(idle(2).timerViolations).toBe(1);
    const chat = clean();
    chat.archives.set('c1', archivedOf(chat.conversations[0]!.acked, [closeAt(5)]));
    expect(check(chat).timerViolations).toBe(1);
  });

  test('a stalled chat is counted and explained, not a violation; an idle one given up on is a timer violation', () => {
    const h = clean();
    h.conversations[0]!.abandoned = 'the agent joined: not within 60000 ms';
    const v = check(h);
    expect(v.stalled).toBe(1);
    expect(violationsOf(v)).toBe(0);
    expect(v.examples).toContain('c1 stalled: the agent joined: not within 60000 ms');
    const idle = clean();
    idle.conversations[0]!.kind = 'idle';
    idle.conversations[0]!.abandoned = 'the inactivity close: not within 94000 ms';
    expect(check(idle)).toMatchObject({ stalled: 0, timerViolations: 1 });
  });
});

import { describe, expect, test } from '@jest/globals';
import { join, openSession, participant, toConversation, type ConversationDoc } from '../../server/domain/conversation.js';
import { DATA_MAX_BYTES, DATA_MAX_KEYS, hasNonFinite, moveHorizon, receiptTargets, setData } from '../../server/domain/receipts.js';

// Read horizons and conversation data as the pure transitions keep them (server/domain/receipts.ts).
const at = '2026-11-22T10:00:00.000Z';
const ann = { id: 'ann', role: 'agent' as const };

function conversation(): ConversationDoc {
  const doc = openSession({ newConversationId: 'c1', customer: { id: 'cust' }, serviceIdentifier: 'webchat', channelType: 'webchat', channelData: {}, wrapUp: { enabled: false, timeoutSeconds: 60 }, now: at })(null).doc;
  return join(participant('sup', 'supervisor', undefined, at), undefined, at, { silent: true })(join(participant('ann', 'agent', undefined, at), undefined, at)(doc).doc).doc;
}

describe('read horizons (pure)', () => {
  test('read moves forwards only, with no activity; an equal or lower seq is unchanged (the same doc)', () => {
    const c1 = moveHorizon('cust', 3, 'read')(conversation());
    expect(c1.activities).toEqual([]);
    expect(c1.result).toEqual({ seq: 3, moved: 'read' });
    expect(c1.doc.reads).toEqual({ cust: { read: 3 } });
    for (const seq of [3, 2, 0]) {
      const c = moveHorizon('cust', seq, 'read')(c1.doc);
      expect(c.doc).toBe(c1.doc);
      expect(c.result).toEqual({ seq: 3 });
    }
  });

  test('delivered runs ahead of read; read never leaves delivered behind; a delivered below either is nothing', () => {
    const d = moveHorizon('cust', 5, 'delivered')(conversation());
    expect(d.doc.reads!.cust).toEqual({ read: 0, delivered: 5 });
    expect(d.result).toEqual({ seq: 0, moved: 'delivered' });
    const r = moveHorizon('cust', 7, 'read')(d.doc);
    expect(r.doc.reads!.cust).toEqual({ read: 7, delivered: 7 });
    expect(moveHorizon('cust', 6, 'delivered')(r.doc).result.moved).toBeUndefined();
    expect(moveHorizon('cust', 7, 'delivered')(r.doc).result.moved).toBeUndefined();
  });

  test('the Conversation carries horizons; a customer not a silent monitor’s', () => {
    const doc = moveHorizon('sup', 2, 'read')(moveHorizon('ann', 4, 'read')(conversation()).doc).doc;
    expect(toConversation(doc, 4, 'agent').readHorizons).toEqual([{ participantId: 'ann', read: 4 }, { participantId: 'sup', read: 2 }]);
    expect(toConversation(doc, 4, 'customer').readHorizons).toEqual([{ participantId: 'ann', read: 4 }]);
    expect(toConversation(conversation(), 1, 'agent').readHorizons).toBeUndefined();
  });
});

describe('receipt targets (pure)', () => {
  test('everyone but the mover; a silent monitor’s receipt never reaches the customer', () => {
    const doc = conversation();
    expect(receiptTargets(doc, 'cust').sort()).toEqual(['ann', 'sup']);
    expect(receiptTargets(doc, 'ann').sort()).toEqual(['cust', 'sup']);
    expect(receiptTargets(doc, 'sup')).toEqual(['ann']);
  });
});

describe('conversation data (pure)', () => {
  test('set, overwrite and delete, each with a data.changed for the agents; customers never see data', () => {
    const a = setData('crm', 'C-1', ann, at)(conversation());
    expect(a.activities.map((x) => [x.type, x.visibility, x.payload])).toEqual([['data.changed', 'agents', { key: 'crm', value: 'C-1' }]]);
    const b = setData('crm', { id: 2 }, ann, at)(a.doc);
    expect(b.doc.data).toEqual({ crm: { id: 2 } });
    expect(toConversation(b.doc, 3, 'agent').data).toEqual({ crm: { id: 2 } });
    expect(toConversation(b.doc, 3, 'customer').data).toBeUndefined();
    const c = setData('crm', null, ann, at)(b.doc);
    expect(c.doc.data).toBeUndefined();
    expect(c.activities[0]!.payload).toEqual({ key: 'crm', value: null });
  });

  test('bounded: keys and bytes are too_large with the field named', () => {
    let doc = conversation();
    for (let i = 0; i < DATA_MAX_KEYS; i++) doc = setData(`k${i}`, i, ann, at)(doc).doc;
    expect(() => setData('one-more', 1, ann, at)(doc)).toThrow(expect.objectContaining({ code: 'too_large', details: { field: 'key' } }));
    expect(setData('k1', null, ann, at)(doc).doc.data).not.toHaveProperty('k1');
    expect(() => setData('big', 'x'.repeat(DATA_MAX_BYTES), ann, at)(conversation())).toThrow(expect.objectContaining({ code: 'too_large', details: { field: 'value' } }));
  });

  test('non-finite numbers are found however deep', () => {
    expect(hasNonFinite({ a: [1, { b: Infinity }] })).toBe(true);
    expect(hasNonFinite(NaN)).toBe(true);
    expect(hasNonFinite({ a: [1, 'x', { b: 2.5 }], c: null })).toBe(false);
  });
});

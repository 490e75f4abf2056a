import { describe, expect, test } from '@jest/globals';
import { Limits } from '@conversation-hub/client-sdk/contract';
import { mergeChannelData } from '../../server/domain/channel-data.js';
import { openSession, type ConversationDoc } from '../../server/domain/conversation.js';
import { OUTBOUND, startOutbound } from '../../server/domain/outbound.js';

// Channel data as it changes (session.updated) and outbound starts, as the pure domain does them.
const at = '2026-11-22T10:00:00.000Z';
const base = { customer: { id: 'cust' }, serviceIdentifier: 'wa', channelType: 'whatsapp', wrapUp: { enabled: false, timeoutSeconds: 60 }, now: at };
const open = (channelData: Record<string, string>, current: ConversationDoc | null = null) => openSession({ ...base, newConversationId: 'c1', channelData })(current);
const start = (current: ConversationDoc | null) =>
  startOutbound({ ...base, serviceIdentifier: 'wa', newConversationId: 'c2', customerIdentifier: '+46', starter: { id: 'ann', role: 'agent', name: 'Ann' } })(current);

describe('mergeChannelData', () => {
  test('given keys overwrite, absent keys stay, the changed ones are named in order', () => {
    expect(mergeChannelData({ a: '1', b: '2' }, { b: '3', c: '4', a: '1' })).toEqual({ data: { a: '1', b: '3', c: '4' }, changed: ['b', 'c'] });
  });
  test('nothing new: nothing changed', () => {
    expect(mergeChannelData({ a: '1' }, { a: '1' }).changed).toEqual([]);
    expect(mergeChannelData({ a: '1' }, {}).changed).toEqual([]);
  });
  test('fixed keys stay the hub’s once set; set the first time', () => {
    expect(mergeChannelData({ customerIdentifier: '+1', direction: 'outbound' }, { customerIdentifier: '+2', direction: 'inbound' }).changed).toEqual([]);
    expect(mergeChannelData({}, { customerIdentifier: '+2' })).toEqual({ data: { customerIdentifier: '+2' }, changed: ['customerIdentifier'] });
  });
  test('at the key limit, new keys are dropped and known ones still update', () => {
    const full = Object.fromEntries(Array.from({ length: Limits.channelDataKeys }, (_, i) => [`k${i}`, 'v']));
    const m = mergeChannelData(full, { k0: 'new', extra: 'x' });
    expect(m.changed).toEqual(['k0']);
    expect(Object.keys(m.data)).toHaveLength(Limits.channelDataKeys);
    expect(m.data.extra).toBeUndefined();
  });
});

describe('openSession on an open session', () => {
  test('new channel data is merged with an agents-only session.updated; the same data writes nothing', () => {
    const first = open({ page: '/a' });
    const again = open({ page: '/b', lang: 'sv' }, first.doc);
    expect(again.activities).toHaveLength(1);
    expect(again.activities[0]).toMatchObject({ type: 'session.updated', visibility: 'agents', payload: { changed: ['page', 'lang'], channelSession: { channelData: { page: '/b', lang: 'sv' } } } });
    expect(again.doc.channelSessions[0]!.channelData).toEqual({ page: '/b', lang: 'sv' });
    expect(open({ page: '/b' }, again.doc).activities).toEqual([]);
  });
});

describe('startOutbound', () => {
  test('no conversation: a new one with an outbound session and the agent in it, active', () => {
    const c = start(null);
    expect(c.result.conversationCreated).toBe(true);
    expect(c.doc.state).toBe('active');
    expect(c.doc.channelSessions[0]!.channelData).toEqual({ direction: 'outbound', customerIdentifier: '+46' });
    expect(c.doc.participants.map((p) => [p.id, p.role])).toEqual([['cust', 'customer'], ['ann', 'agent']]);
    expect(c.activities.map((a) => a.type)).toEqual(['session.started', 'participant.joined', 'state.changed']);
    expect(c.activities[1]!.payload).toMatchObject({ reason: OUTBOUND });
  });
  test('an open session on the channel is joined as it is: no new session, its data untouched', () => {
    const inbound = open({ customerIdentifier: '+46', profile: 'Bo' });
    const c = start(inbound.doc);
    expect(c.result.conversationCreated).toBe(false);
    expect(c.doc.channelSessions).toHaveLength(1);
    expect(c.doc.channelSessions[0]!.channelData).toEqual({ customerIdentifier: '+46', profile: 'Bo' });
    expect(c.activities.map((a) => a.type)).toContain('participant.joined');
    expect(c.activities.map((a) => a.type)).not.toContain('session.updated');
  });
});

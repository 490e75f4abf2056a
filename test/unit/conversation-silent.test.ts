import { describe, expect, test } from '@jest/globals';
import { announce, BARGE_IN, join, leave, openSession, participant, toConversation, type ConversationDoc } from '../../server/domain/conversation.js';

// A supervisor's silent monitoring as the pure transitions keep it (server/domain/conversation.ts).
const at = '2026-11-22T10:00:00.000Z';

function conversation(): ConversationDoc {
  return openSession({
    newConversationId: 'c1',
    customer: { id: 'cust', name: 'Ada' },
    serviceIdentifier: 'webchat',
    channelType: 'webchat',
    channelData: {},
    wrapUp: { enabled: false, timeoutSeconds: 60 },
    now: at,
  })(null).doc;
}

const sam = participant('sup', 'supervisor', 'Sam', at);

describe('silent monitoring (pure)', () => {
  test('a silent join is agents-only and noted; the customer’s Conversation does not list it, the agents’ does', () => {
    const c = join(sam, undefined, at, { silent: true })(conversation());
    expect(c.activities.map((a) => [a.type, a.visibility])).toEqual([['participant.joined', 'agents']]);
    expect(c.doc.silent).toEqual(['sup']);
    expect(toConversation(c.doc, 2, 'customer').participants.map((p) => p.id)).toEqual(['cust']);
    expect(toConversation(c.doc, 2, 'agent').participants.map((p) => p.id)).toEqual(['cust', 'sup']);
    expect(toConversation(c.doc, 2).participants.map((p) => p.id)).toEqual(['cust', 'sup']);
  });

  test('announcing tells everyone once (barge_in); the customer then sees the supervisor', () => {
    const joined = join(sam, undefined, at, { silent: true })(conversation()).doc;
    const told = announce('sup', at)(joined);
    expect(told.activities).toHaveLength(1);
    expect(told.activities[0]).toMatchObject({ type: 'participant.joined', visibility: 'all', payload: { participant: { id: 'sup' }, reason: BARGE_IN } });
    expect(told.result).toEqual({ announced: true });
    expect(toConversation(told.doc, 3, 'customer').participants.map((p) => p.id)).toEqual(['cust', 'sup']);
    const again = announce('sup', at)(told.doc);
    expect(again).toEqual({ doc: told.doc, activities: [], result: { announced: false } });
  });

  test('announcing a participant that is not silent (or not there) changes nothing', () => {
    const open = join(participant('a1', 'agent', 'Ann', at), 'task', at)(conversation()).doc;
    expect(announce('a1', at)(open)).toEqual({ doc: open, activities: [], result: { announced: false } });
    expect(announce('nobody', at)(open).activities).toEqual([]);
  });

  test('leaving while silent is agents-only and forgets it; leaving after the announcement is for all', () => {
    const joined = join(sam, undefined, at, { silent: true })(conversation()).doc;
    const quiet = leave('sup', undefined, at)(joined);
    expect(quiet.activities.map((a) => [a.type, a.visibility])).toEqual([['participant.left', 'agents']]);
    expect(quiet.doc.silent).toEqual([]);
    const told = announce('sup', at)(joined).doc;
    expect(leave('sup', undefined, at)(told).activities.map((a) => [a.type, a.visibility])).toEqual([['participant.left', 'all']]);
  });

  test('a join that is not silent is for all and not noted', () => {
    const c = join(participant('app1', 'app', undefined, at), undefined, at)(conversation());
    expect(c.activities[0]!.visibility).toBe('all');
    expect(c.doc.silent).toBeUndefined();
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { collect, nextActivity, until } from '../helpers/wait.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

describe('a supervisor monitors silently', () => {
  test('the join is news for the agents’ side only; the customer learns of the supervisor when it speaks (barge-in)', async () => {
    const customer = await hub.customer();
    const conversationId = (await customer.conversation()).id;
    const seenByCustomer = collect(customer);
    const sam = { id: `sup-${randomUUID().slice(0, 6)}`, role: 'supervisor' as const, name: 'Sam' };
    const supervisor = await hub.client(sam);
    const agentSide = await hub.client({ id: `sup-${randomUUID().slice(0, 6)}`, role: 'supervisor', name: 'Other' });
    await agentSide.call('conversation.join', { conversationId });

    const joinSeen = nextActivity(agentSide, (a) => a.type === 'participant.joined' && a.payload.participant.id === sam.id);
    const { conversation } = await supervisor.call('conversation.join', { conversationId });
    expect((await joinSeen).visibility).toBe('agents');
    expect(conversation.participants.some((p) => p.id === sam.id)).toBe(true);

    // The customer's own view of the conversation does not list the silent supervisors.
    const { activities } = await customer.call('activities.since', { conversationId, afterSeq: 0 });
    expect(activities.some((a) => a.type === 'participant.joined')).toBe(false);
    await customer.send('is anyone there?');
    await until(customer, () => seenByCustomer.some((a) => a.type === 'message'));
    expect(seenByCustomer.some((a) => a.type === 'participant.joined')).toBe(false);

    // Typing by a silent monitor is not relayed.
    await supervisor.typing(true, conversationId);

    const reply = await supervisor.send('I am here to help', { conversationId });
    await until(customer, () => seenByCustomer.some((a) => a.id === reply.id));
    const joinedAt = seenByCustomer.findIndex((a) => a.type === 'participant.joined' && a.payload.participant.id === sam.id);
    const replyAt = seenByCustomer.findIndex((a) => a.id === reply.id);
    expect(joinedAt).toBeGreaterThan(-1);
    expect(joinedAt).toBeLessThan(replyAt);
    const announced = seenByCustomer[joinedAt]!;
    expect(announced.type === 'participant.joined' && announced.payload.reason).toBe('barge_in');
    // Announced once: a second message adds no other join.
    const again = await supervisor.send('Still here', { conversationId });
    await until(customer, () => seenByCustomer.some((a) => a.id === again.id));
    expect(seenByCustomer.filter((a) => a.type === 'participant.joined')).toHaveLength(1);
  });

  test('a silent supervisor who leaves without speaking leaves no trace for the customer', async () => {
    const customer = await hub.customer();
    const conversationId = (await customer.conversation()).id;
    const supervisor = await hub.client({ id: `sup-${randomUUID().slice(0, 6)}`, role: 'supervisor' });
    await supervisor.call('conversation.join', { conversationId });
    await supervisor.call('conversation.leave', { conversationId });
    const { activities } = await customer.call('activities.since', { conversationId, afterSeq: 0 });
    expect(activities.filter((a) => a.type === 'participant.joined' || a.type === 'participant.left')).toEqual([]);
    const { activities: all } = await supervisor.call('activities.since', { conversationId, afterSeq: 0 }).catch(() => ({ activities: [] }));
    expect(Array.isArray(all)).toBe(true);
  });
});

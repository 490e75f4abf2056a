import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ConversationView, ReceiptPush } from '@conversation-hub/client-sdk/contract';
import type { HubClient } from '@conversation-hub/client-sdk';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { collect, nextActivity, until, waitFor } from '../helpers/wait.js';
import { readyAgent, routedChannel } from '../helpers/routing-fixtures.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

const nextReceipt = (c: HubClient, match: (r: ReceiptPush) => boolean, ms = 5_000) => waitFor<ReceiptPush>((fn) => c.on('receipt', fn), match, ms, 'receipt');

/** A customer (instance A) served by an agent (instance B in a cluster). */
async function served() {
  const channel = await routedChannel(hub);
  const agent = await readyAgent(hub, channel.listId);
  const customer = await hub.customer({ serviceIdentifier: channel.serviceIdentifier, instance: 0 });
  const { task, conversation } = await agent.firstOffer;
  await agent.call('task.accept', { taskId: task.id });
  return { agent, customer, conversationId: conversation.id };
}

describe('read horizons and receipts', () => {
  test('a read.update moves the horizon forwards only, and the other side gets one receipt per move', async () => {
    const { agent, customer, conversationId } = await served();
    const seen = collect(customer);
    const m1 = await agent.send('Hello, how can I help?', { conversationId });
    const m2 = await agent.send('Are you there?', { conversationId });
    await until(customer, () => seen.some((a) => a.id === m2.id));

    const toAgent = nextReceipt(agent, (r) => r.participantId === customer.customerId);
    expect(await customer.call('read.update', { seq: m1.seq })).toEqual({ seq: m1.seq });
    expect(await toAgent).toEqual({ conversationId, participantId: customer.customerId, seq: m1.seq, status: 'read' });

    // Never backwards, and an equal seq is no move: no receipt (the next one the agent gets is the real move).
    expect(await customer.call('read.update', { conversationId, seq: m1.seq - 1 })).toEqual({ seq: m1.seq });
    expect(await customer.call('read.update', { seq: m1.seq })).toEqual({ seq: m1.seq });
    const next = nextReceipt(agent, (r) => r.participantId === customer.customerId);
    await customer.call('read.update', { seq: m2.seq });
    expect((await next).seq).toBe(m2.seq);

    // Past the last activity: refused, naming seq.
    await expect(customer.call('read.update', { seq: m2.seq + 100 })).rejects.toMatchObject({ code: 'bad_request', details: { field: 'seq' } });

    // The agent reads the customer's message: the customer gets the receipt.
    const question = await customer.send('My order is late');
    const toCustomer = nextReceipt(customer, (r) => r.participantId === agent.id);
    await agent.call('read.update', { conversationId, seq: question.seq });
    expect(await toCustomer).toMatchObject({ participantId: agent.id, seq: question.seq, status: 'read' });

    // Views carry the horizons and the viewer's unread count.
    const live = (await hub.admin('GET', `/api/conversations/${conversationId}`)).body as ConversationView;
    expect(live.readHorizons).toEqual(expect.arrayContaining([{ participantId: customer.customerId, read: m2.seq }, { participantId: agent.id, read: question.seq }]));
  });

  test('unread counts what others wrote after the caller’s horizon; a customer sees no silent monitor’s receipts', async () => {
    const { agent, customer, conversationId } = await served();
    const supId = `sup-${randomUUID().slice(0, 6)}`;
    const sup = await hub.client({ id: supId, role: 'supervisor' });
    await sup.call('conversation.join', { conversationId });
    const seen = collect(customer);
    await agent.send('one', { conversationId });
    const two = await agent.send('two', { conversationId });
    await until(customer, () => seen.some((a) => a.id === two.id));
    // A second tab of the customer gets its first push with the unread count.
    const tab = await hub.customer({ visitorToken: customer.visitorToken, serviceIdentifier: (await customer.conversation()).channelSessions[0]!.serviceIdentifier });
    expect((await tab.conversation()).unread).toBe(2);

    const receipts: ReceiptPush[] = [];
    customer.on('receipt', (r) => receipts.push(r));
    const toAgent = nextReceipt(agent, (r) => r.participantId === supId);
    await sup.call('read.update', { conversationId, seq: two.seq });
    await toAgent;
    const agentRead = nextReceipt(customer, (r) => r.participantId === agent.id);
    await agent.call('read.update', { conversationId, seq: two.seq });
    await agentRead;
    expect(receipts.map((r) => r.participantId)).toEqual([agent.id]);
  });
});

describe('a channel reports the customer’s statuses', () => {
  test('hub.receipts.fromChannel: delivered then read, never backwards, receipts to the agents', async () => {
    const { agent, customer, conversationId } = await served();
    const m = await agent.send('Your order ships today', { conversationId });
    const delivered = nextReceipt(agent, (r) => r.participantId === customer.customerId);
    expect(await hub.hub.receipts.fromChannel(conversationId, customer.customerId, m.seq, 'delivered')).toEqual({ seq: 0 });
    expect(await delivered).toMatchObject({ seq: m.seq, status: 'delivered' });
    const read = nextReceipt(agent, (r) => r.participantId === customer.customerId);
    await hub.hub.receipts.fromChannel(conversationId, customer.customerId, m.seq - 1, 'delivered'); // backwards: nothing
    await hub.hub.receipts.fromChannel(conversationId, customer.customerId, m.seq, 'read');
    expect(await read).toMatchObject({ seq: m.seq, status: 'read' });
    await expect(hub.hub.receipts.fromChannel(conversationId, 'someone-else', m.seq, 'read')).rejects.toMatchObject({ code: 'forbidden' });
  });
});

describe('conversation data', () => {
  test('data.set: data.changed for the agents only, in the first push of a later agent and in the archive', async () => {
    const { agent, customer, conversationId } = await served();
    const seen = collect(customer);
    const changed = nextActivity(agent, (a) => a.type === 'data.changed');
    const { activity } = await agent.call('conversation.data.set', { conversationId, key: 'crm.case', value: 'C-42' });
    expect(activity).toMatchObject({ type: 'data.changed', visibility: 'agents', payload: { key: 'crm.case', value: 'C-42' } });
    expect((await changed).id).toBe(activity.id);
    await agent.call('conversation.data.set', { conversationId, key: 'summary', value: { text: 'late order', score: 0.8 } });
    await agent.call('conversation.data.set', { conversationId, key: 'tmp', value: 1 });
    await agent.call('conversation.data.set', { conversationId, key: 'tmp', value: null });
    await expect(agent.call('conversation.data.set', { conversationId, key: 'x', value: 'y'.repeat(40) })).resolves.toBeTruthy();

    // A supervisor's join answers the data; the customer's view and stream never hold it.
    const sup = await hub.client({ id: `sup-${randomUUID().slice(0, 6)}`, role: 'supervisor' });
    const { conversation } = await sup.call('conversation.join', { conversationId });
    expect(conversation.data).toEqual({ 'crm.case': 'C-42', summary: { text: 'late order', score: 0.8 }, x: 'y'.repeat(40) });
    const last = await agent.send('done', { conversationId });
    await until(customer, () => seen.some((a) => a.id === last.id));
    expect(seen.some((a) => a.type === 'data.changed')).toBe(false);
    expect((await customer.conversation()).data).toBeUndefined();

    await agent.call('conversation.end', { conversationId });
    const archived = await hub.archived(conversationId, 15_000);
    expect(archived.data).toEqual(conversation.data);
  });

  test('at most 50 keys: the 51st is too_large', async () => {
    const { agent, conversationId } = await served();
    for (let i = 0; i < 50; i++) await agent.call('conversation.data.set', { conversationId, key: `k${i}`, value: i });
    await expect(agent.call('conversation.data.set', { conversationId, key: 'k50', value: 1 })).rejects.toMatchObject({ code: 'too_large', details: { field: 'key' } });
    // Overwriting a key that is there is still fine.
    await expect(agent.call('conversation.data.set', { conversationId, key: 'k0', value: 'again' })).resolves.toBeTruthy();
  });
});

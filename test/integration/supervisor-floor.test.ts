import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ChannelInput, Dashboard, TaskOffered, TaskRevoked } from '@conversation-hub/client-sdk/contract';
import type { HubClient } from '@conversation-hub/client-sdk';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { collect, nextActivity, until, waitFor } from '../helpers/wait.js';

// The supervisors' floor through sockets: the dashboard, forcing not ready, reassigning, monitoring.
// In the cluster pass the supervisor is on node B and agents alternate B, A: pushes cross nodes.
let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

async function channel(overrides: Partial<ChannelInput> = {}) {
  const id = randomUUID().slice(0, 8);
  const res = await hub.admin('POST', '/api/channels', { serviceIdentifier: `chan-${id}`, name: id, channelType: 'webchat', listId: `list-${id}`, ...overrides });
  expect(res.status).toBe(201);
  return res.body as { serviceIdentifier: string; listId: string };
}

async function agent(listId: string) {
  const id = `agent-${randomUUID().slice(0, 8)}`;
  const c = await hub.client({ id, role: 'agent', name: id });
  await c.call('agent.state', { state: 'ready', lists: [listId] });
  return Object.assign(c, { id });
}

const supervisor = () => hub.client({ id: `sup-${randomUUID().slice(0, 6)}`, role: 'supervisor', name: 'Sam' });
const offered = (c: HubClient) => waitFor<TaskOffered>((fn) => c.on('task.offered', fn), () => true, 5_000, 'task.offered');
const dashboard = (c: HubClient, match: (d: Dashboard) => boolean, what: string) => waitFor<Dashboard>((fn) => c.on('dashboard', fn), match, 5_000, what);

/** A customer on a fresh channel, served by an agent. */
async function served() {
  const ch = await channel();
  const a = await agent(ch.listId);
  const offer = offered(a);
  const customer = await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
  const { task, conversation } = await offer;
  await a.call('task.accept', { taskId: task.id });
  return { ch, a, customer, task, conversationId: conversation.id };
}

describe('the supervisor dashboard', () => {
  test('watch answers a snapshot; an agent changing state is pushed within about a second; unwatch stops the pushes', async () => {
    const { ch, a, conversationId } = await served();
    const sam = await supervisor();
    const { dashboard: snap } = await sam.call('supervisor.watch', {});
    expect(snap.agents.find((x) => x.agentId === a.id)).toMatchObject({ state: 'ready', connected: true, load: 1 });
    expect(snap.conversations.find((c) => c.conversationId === conversationId)).toMatchObject({ state: 'active', serviceIdentifier: ch.serviceIdentifier, agentIds: [a.id] });
    expect(snap.queues.find((q) => q.listId === ch.listId)).toMatchObject({ waiting: 0, serviceLevel: { thresholdSeconds: 20 } });

    const started = Date.now();
    const pushed = dashboard(sam, (d) => d.agents.some((x) => x.agentId === a.id && x.state === 'not_ready' && x.reason === 'lunch'), 'dashboard with the agent at lunch');
    await a.call('agent.state', { state: 'not_ready', reason: 'lunch' });
    const board = await pushed;
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(Date.parse(board.at)).toBeGreaterThanOrEqual(started - 1_000);

    // Unwatched: no more pushes (the next change's push would have come within about a second).
    await sam.call('supervisor.unwatch', {});
    const watcher = await supervisor();
    await watcher.call('supervisor.watch', {});
    const seenBySam: Dashboard[] = [];
    sam.on('dashboard', (d) => void seenBySam.push(d));
    const next = dashboard(watcher, (d) => d.agents.some((x) => x.agentId === a.id && x.state === 'ready'), 'dashboard with the agent back');
    await a.call('agent.state', { state: 'ready' });
    await next;
    expect(seenBySam).toEqual([]);
  });

  test('a supervisor forces an agent not ready: it keeps its conversation and learns it on its next agent.state', async () => {
    const { a, conversationId } = await served();
    const sam = await supervisor();
    await expect(sam.call('supervisor.agent.state', { agentId: a.id, state: 'not_ready', reason: 'coaching' })).resolves.toEqual({ state: 'not_ready' });
    const { dashboard: snap } = await sam.call('supervisor.watch', {});
    expect(snap.agents.find((x) => x.agentId === a.id)).toMatchObject({ state: 'not_ready', reason: 'coaching', load: 1 });
    expect(snap.conversations.find((c) => c.conversationId === conversationId)!.agentIds).toEqual([a.id]);
    await expect(sam.call('supervisor.agent.state', { agentId: `nobody-${randomUUID()}`, state: 'not_ready' })).rejects.toMatchObject({ code: 'not_found' });
    // An agent may not force another.
    await expect(a.call('supervisor.agent.state', { agentId: a.id, state: 'not_ready' })).rejects.toMatchObject({ code: 'forbidden' });
  });
});

describe('reassigning', () => {
  test('the agent is revoked (reassigned), the new agent gets a transfer task and chats with the customer', async () => {
    const { ch, a, customer, task: first, conversationId } = await served();
    const b = await agent(ch.listId);
    const sam = await supervisor();
    const revoked = waitFor<TaskRevoked>((fn) => a.on('task.revoked', fn), (r) => r.taskId === first.id, 5_000, 'task.revoked');
    const left = nextActivity(customer, (x) => x.type === 'participant.left');
    const offer = offered(b);
    const { task } = await sam.call('conversation.reassign', { conversationId, to: { agentId: b.id } });
    expect(task).toMatchObject({ reason: 'transfer', conversationId });
    expect(await revoked).toEqual({ taskId: first.id, reason: 'reassigned' });
    const l = await left;
    expect(l.type === 'participant.left' && [l.payload.participant.id, l.payload.reason]).toEqual([a.id, 'reassigned']);
    expect((await offer).task.id).toBe(task.id);
    await b.call('task.accept', { taskId: task.id });
    const atCustomer = nextActivity(customer, (x) => x.type === 'message' && x.from.id === b.id);
    await b.send('I am taking over', { conversationId });
    await atCustomer;
    await expect(a.call('conversation.reassign', { conversationId, to: { agentId: a.id } })).rejects.toMatchObject({ code: 'forbidden' });
  });
});

describe('silent monitoring', () => {
  test('the customer sees no join and no supervisor in its view; the supervisor’s first message reaches it', async () => {
    const { customer, conversationId } = await served();
    const seen = collect(customer);
    const sam = await supervisor();
    const { conversation } = await sam.call('conversation.join', { conversationId });
    expect(conversation.participants.some((p) => p.role === 'supervisor')).toBe(true);
    // The customer's views: the catch-up and a fresh `conversation` push (a second tab).
    const { activities } = await customer.call('activities.since', { conversationId, afterSeq: 0 });
    expect(activities.some((x) => x.type === 'participant.joined' && x.payload.participant.role === 'supervisor')).toBe(false);
    const tab = await hub.customer({ visitorToken: customer.visitorToken, serviceIdentifier: (await customer.conversation()).channelSessions[0]!.serviceIdentifier });
    const view = await tab.conversation();
    expect(view.participants.some((p) => p.role === 'supervisor')).toBe(false);

    const msg = await sam.send('A supervisor here', { conversationId });
    await until(customer, () => seen.some((x) => x.id === msg.id));
    expect(seen.filter((x) => x.type === 'participant.joined').every((x) => x.type === 'participant.joined' && x.payload.reason === 'barge_in')).toBe(true);
  });
});

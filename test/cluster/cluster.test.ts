import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Activity, ChannelInput, TaskOffered } from '@conversation-hub/client-sdk/contract';
import type { HubCallError, HubClient } from '@conversation-hub/client-sdk';
import { startCluster, type Cluster, type HubNode } from '../helpers/cluster.js';
import { startProxy } from '../helpers/proxy.js';
import { collect, nextActivity, until, waitFor } from '../helpers/wait.js';

// Three real hub processes on one Redis and one Postgres.
let cluster: Cluster;
let A: HubNode;
let B: HubNode;
let C: HubNode;
beforeAll(async () => {
  cluster = await startCluster(3);
  [A, B, C] = cluster.nodes as [HubNode, HubNode, HubNode];
}, 60_000);
afterAll(() => cluster?.stop(), 30_000);

async function channel(overrides: Partial<ChannelInput> = {}) {
  const id = randomUUID().slice(0, 8);
  const res = await cluster.admin(A, 'POST', '/api/channels', { serviceIdentifier: `chan-${id}`, name: id, channelType: 'webchat', listId: `list-${id}`, ...overrides });
  expect(res.status).toBe(201);
  return res.body as { serviceIdentifier: string; listId: string };
}

const customer = (at: HubNode | string, serviceIdentifier: string, id = `cust-${randomUUID()}`) =>
  cluster.client(at, { id, role: 'customer', serviceIdentifier, name: 'Ada' });

async function agentOn(node: HubNode, listId: string, mode: 'ready' | 'idle' = 'ready') {
  const id = `agent-${randomUUID().slice(0, 8)}`;
  const c = await cluster.client(node, { id, role: 'agent', name: id });
  if (mode === 'ready') await c.call('agent.state', { state: 'ready', lists: [listId] });
  return Object.assign(c, { id });
}

const offered = (c: HubClient) => waitFor<TaskOffered>((fn) => c.on('task.offered', fn), () => true, 10_000, 'task.offered');

describe('several nodes as one hub', () => {
  test('a customer on node A and an agent on node B chat both ways', async () => {
    const ch = await channel();
    const agent = await agentOn(B, ch.listId);
    const offer = offered(agent);
    const cust = await customer(A, ch.serviceIdentifier);
    const { task, conversation } = await offer;
    await agent.call('task.accept', { taskId: task.id });

    const atAgent = nextActivity(agent, (a) => a.type === 'message' && a.from.role === 'customer');
    const hello = await cust.send('hello from node A');
    expect((await atAgent).id).toBe(hello.id);
    const atCustomer = nextActivity(cust, (a) => a.type === 'message' && a.from.id === agent.id);
    const reply = await agent.send('hello from node B', { conversationId: conversation.id });
    expect((await atCustomer).id).toBe(reply.id);
    expect(reply.seq).toBe(hello.seq + 1);
  });

  test('two channel sessions of one customer opening at the same moment on two nodes end in one conversation', async () => {
    const [web, whatsapp] = [await channel(), await channel()];
    for (let round = 0; round < 5; round++) {
      const id = `cust-race-${randomUUID()}`;
      const [onA, onB] = await Promise.all([customer(A, web.serviceIdentifier, id), customer(B, whatsapp.serviceIdentifier, id)]);
      const [va, vb] = await Promise.all([onA.conversation(), onB.conversation()]);
      // Each saw the conversation as it was when it joined; the one that joined second sees both sessions.
      const later = va.channelSessions.length > vb.channelSessions.length ? va : vb;
      expect(va.id).toBe(vb.id);
      expect(later.channelSessions.filter((s) => s.state === 'open').map((s) => s.serviceIdentifier).sort()).toEqual(
        [web.serviceIdentifier, whatsapp.serviceIdentifier].sort(),
      );
    }
  });

  test('two agents on two nodes pull one task: exactly one wins', async () => {
    const ch = await channel({ routingMode: 'pull' });
    const a = await agentOn(A, ch.listId);
    const b = await agentOn(B, ch.listId);
    const queued = waitFor<{ task: { id: string } }>((fn) => b.on('task.queued', fn), () => true, 10_000);
    await customer(C, ch.serviceIdentifier);
    const { task } = await queued;
    const results = await Promise.allSettled([a.call('task.pull', { taskId: task.id }), b.call('task.pull', { taskId: task.id })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect((lost!.reason as HubCallError).code).toBe('conflict');
  });

  test('an inactivity timer set on a node fires once after that node is killed', async () => {
    const ch = await channel({ customerInactivityTimeoutSeconds: 2 });
    const doomed = await cluster.startNode();
    const cust = await customer(doomed, ch.serviceIdentifier);
    const view = await cust.conversation();
    const supervisor = await cluster.client(B, { id: `sup-${randomUUID()}`, role: 'supervisor' });
    await supervisor.call('conversation.join', { conversationId: view.id });
    const closed = nextActivity(supervisor, (a) => a.type === 'session.closed', 10_000);
    await cluster.kill(doomed); // SIGKILL, long before the 2 s are up
    const activity = await closed;
    expect(activity.payload).toMatchObject({ reason: 'inactivity', channelSession: { id: view.channelSessions[0]!.id } });
    const lateness = Date.parse(activity.at) - (Date.parse(view.channelSessions[0]!.openedAt) + 2_000);
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(1_500);
    // Exactly once: the archive (the conversation closed: nobody else was in it) has one close for the session.
    const archived = await waitForArchived(view.id);
    expect(archived.activities.filter((a: Activity) => a.type === 'session.closed')).toHaveLength(1);
  });

  test("a customer whose node is killed reconnects to another node and misses nothing, twice nothing", async () => {
    const ch = await channel();
    const doomed = await cluster.startNode();
    const proxy = await startProxy({ port: doomed.port });
    try {
      const agent = await agentOn(B, ch.listId);
      const offer = offered(agent);
      const cust = await customer(proxy.url, ch.serviceIdentifier);
      const { task, conversation } = await offer;
      await agent.call('task.accept', { taskId: task.id });
      const seen = collect(cust);
      const first = await agent.send('before the crash', { conversationId: conversation.id });
      await until(cust, () => seen.some((a) => a.id === first.id));

      const down = waitFor<string>((fn) => (cust.socket.on('disconnect', fn), () => cust.socket.off('disconnect', fn)), () => true, 10_000);
      await cluster.kill(doomed);
      await down;
      proxy.retarget(C.port); // the load balancer sends the reconnect elsewhere
      const sent: Activity[] = [];
      for (let i = 0; i < 20; i++) sent.push(await agent.send(`while down ${i}`, { conversationId: conversation.id }));
      await until(cust, () => seen.some((a) => a.id === sent.at(-1)!.id), 15_000, 'catch-up on the other node');
      const after = await agent.send('after', { conversationId: conversation.id });
      await until(cust, () => seen.some((a) => a.id === after.id));

      const seqs = seen.map((a) => a.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      for (const a of [first, ...sent, after]) expect(seen.filter((s) => s.id === a.id)).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  test('the archive runs once when several nodes race to close a conversation', async () => {
    const [one, two] = [await channel(), await channel()];
    const id = `cust-close-${randomUUID()}`;
    const onA = await customer(A, one.serviceIdentifier, id);
    const onB = await customer(B, two.serviceIdentifier, id);
    const view = await onB.conversation();
    const supervisor = await cluster.client(C, { id: `sup-${randomUUID()}`, role: 'supervisor' });
    await supervisor.call('conversation.join', { conversationId: view.id });
    const closing = collect(supervisor);
    // Both sessions end at once, on two nodes: one of the two commits takes it to closing.
    await Promise.all([onA.call('session.end', {}), onB.call('session.end', {})]);
    const archived = await waitForArchived(view.id);
    expect(archived.state).toBe('closed');
    const seqs = archived.activities.map((a: Activity) => a.seq);
    expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1));
    expect(archived.activities.filter((a: Activity) => a.type === 'state.changed' && a.payload.to === 'closing')).toHaveLength(1);
    expect(closing.filter((a) => a.type === 'state.changed' && a.payload.to === 'closing').length).toBeLessThanOrEqual(1);
    const list = await cluster.admin(C, 'GET', `/api/conversations?customerId=${id}`);
    expect(list.body.filter((c: { id: string }) => c.id === view.id)).toHaveLength(1);
  });
});

/** The conversation from the admin API once its live state is gone (archived in Postgres). */
async function waitForArchived(id: string): Promise<any> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await cluster.admin(C, 'GET', `/api/conversations/${id}`);
    if (res.status === 200 && res.body.state === 'closed') return res.body;
    if (Date.now() > deadline) throw new Error(`conversation ${id} not archived: ${JSON.stringify(res.body).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 100)); // polling: no event tells a test the archive landed
  }
}

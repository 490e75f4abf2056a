import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ChannelInput, TaskOffered, TaskRevoked } from '@conversation-hub/client-sdk/contract';
import { HubCallError, type HubClient } from '@conversation-hub/client-sdk';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { collect, nextActivity, until, waitFor } from '../helpers/wait.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ HUB_AGENT_GRACE_SECONDS: '1' });
});
afterAll(() => hub.close());

/** Each test has its own channel and list, so agents of one test are never offered another's tasks. */
async function channel(overrides: Partial<ChannelInput> = {}) {
  const id = randomUUID().slice(0, 8);
  const body: ChannelInput = { serviceIdentifier: `chan-${id}`, name: `Channel ${id}`, channelType: 'webchat', listId: `list-${id}`, ...overrides };
  const res = await hub.admin('POST', '/api/channels', body);
  expect(res.status).toBe(201);
  return res.body as { serviceIdentifier: string; listId: string };
}

async function agent(listId: string, opts: { capacity?: number; ready?: boolean; id?: string } = {}) {
  const id = opts.id ?? `agent-${randomUUID().slice(0, 8)}`;
  const c = await hub.client({ id, role: 'agent', name: id });
  if (opts.ready !== false) await c.call('agent.state', { state: 'ready', lists: [listId], ...(opts.capacity ? { capacity: opts.capacity } : {}) });
  return Object.assign(c, { id });
}

const offered = (c: HubClient, ms = 5_000) => waitFor<TaskOffered>((fn) => c.on('task.offered', fn), () => true, ms, 'task.offered');
const revoked = (c: HubClient, ms = 5_000) => waitFor<TaskRevoked>((fn) => c.on('task.revoked', fn), () => true, ms, 'task.revoked');

describe('push routing', () => {
  test('a task is offered to a ready agent, who accepts and chats with the customer', async () => {
    const ch = await channel();
    const a = await agent(ch.listId);
    const offer = offered(a);
    const customer = await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    const { task, conversation, expiresAt } = await offer;
    expect(task).toMatchObject({ state: 'offered', agentId: a.id, conversationId: conversation.id });
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());

    const { conversation: joined } = await a.call('task.accept', { taskId: task.id });
    expect(joined.state).toBe('active');
    expect(joined.participants.some((p) => p.id === a.id && p.role === 'agent')).toBe(true);

    const atAgent = nextActivity(a, (x) => x.type === 'message' && x.from.role === 'customer');
    const hello = await customer.send('hello agent');
    expect((await atAgent).id).toBe(hello.id);
    const atCustomer = nextActivity(customer, (x) => x.type === 'message' && x.from.id === a.id);
    const reply = await a.send('hello customer', { conversationId: joined.id });
    expect((await atCustomer).id).toBe(reply.id);
    const { activities } = await a.call('activities.since', { conversationId: joined.id, afterSeq: 0 });
    expect(activities.map((x) => x.type)).toEqual(expect.arrayContaining(['task.created', 'participant.joined', 'task.assigned', 'state.changed']));
  });

  test('reject and offer timeout each re-offer the task to the next agent', async () => {
    const ch = await channel({ offerTimeoutSeconds: 1 });
    const first = await agent(ch.listId);
    const firstOffer = offered(first);
    await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    const { task } = await firstOffer;
    const second = await agent(ch.listId);
    const secondOffer = offered(second);
    await first.call('task.reject', { taskId: task.id });
    expect((await secondOffer).task).toMatchObject({ id: task.id, agentId: second.id });

    // The second agent lets the offer run out: it is revoked and goes to a third.
    const third = await agent(ch.listId);
    const thirdOffer = offered(third);
    const gone = await revoked(second);
    expect(gone).toEqual({ taskId: task.id, reason: 'expired' });
    expect((await thirdOffer).task).toMatchObject({ id: task.id, agentId: third.id });
    const late = await second.call('task.accept', { taskId: task.id }).catch((e: HubCallError) => e);
    expect((late as HubCallError).code).toBe('conflict');
  });

  test('capacity is respected; a waiting task goes out as soon as a slot frees', async () => {
    const ch = await channel();
    const a = await agent(ch.listId, { capacity: 1 });
    const o1 = offered(a);
    const c1 = await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    const first = await o1;
    await a.call('task.accept', { taskId: first.task.id });

    const offers: TaskOffered[] = [];
    a.on('task.offered', (o) => offers.push(o));
    const c2 = await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    const second = await c2.conversation();
    const queued = await a.call('queue.list', { listId: ch.listId });
    expect(queued.tasks.map((t) => t.conversationId)).toEqual([second.id]);
    expect(offers).toHaveLength(0); // full: no offer while the first conversation is on

    const next = offered(a);
    await a.call('conversation.leave', { conversationId: first.conversation.id });
    expect((await next).conversation.id).toBe(second.id);
    c1.close();
  });

  test('a queued task is offered when an agent becomes ready', async () => {
    const ch = await channel();
    const customer = await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    const view = await customer.conversation();
    const a = await agent(ch.listId, { ready: false });
    const offer = offered(a);
    await a.call('agent.state', { state: 'ready', lists: [ch.listId] });
    expect((await offer).conversation.id).toBe(view.id);
  });

  test("a disconnected agent's offer is revoked after the grace period and re-routed", async () => {
    const ch = await channel({ offerTimeoutSeconds: 60 });
    const a = await agent(ch.listId);
    const offer = offered(a);
    await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    const { task } = await offer;
    const b = await agent(ch.listId);
    const toB = offered(b, 8_000);
    a.close();
    expect((await toB).task.id).toBe(task.id);
  });
});

describe('pull routing', () => {
  test('two agents race to pull one task: exactly one wins, the other gets conflict', async () => {
    const ch = await channel({ routingMode: 'pull' });
    const a = await agent(ch.listId);
    const b = await agent(ch.listId);
    const queuedAtA = waitFor<{ task: { id: string } }>((fn) => a.on('task.queued', fn));
    const queuedAtB = waitFor<{ task: { id: string } }>((fn) => b.on('task.queued', fn));
    await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    const { task } = await queuedAtA;
    expect((await queuedAtB).task.id).toBe(task.id);
    expect((await a.call('queue.list', { listId: ch.listId })).tasks.map((t) => t.id)).toEqual([task.id]);

    const results = await Promise.allSettled([a.call('task.pull', { taskId: task.id }), b.call('task.pull', { taskId: task.id })]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0]!.reason as HubCallError).code).toBe('conflict');
    expect((await a.call('queue.list', { listId: ch.listId })).tasks).toHaveLength(0);
  });
});

describe('transfer, wrap-up and the controller', () => {
  async function accepted(ch: { serviceIdentifier: string; listId: string }, a?: HubClient & { id: string }) {
    const ag = a ?? (await agent(ch.listId));
    const offer = offered(ag);
    const customer = await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    const { task, conversation } = await offer;
    await ag.call('task.accept', { taskId: task.id });
    return { agent: ag, customer, conversationId: conversation.id };
  }

  test('transfer to another agent: they get the offer and take over; the first agent hands over and leaves, with no survey', async () => {
    const ch = await channel();
    const { agent: a, conversationId, customer } = await accepted(ch);
    const b = await agent(`other-${randomUUID()}`, { id: `agent-b-${randomUUID().slice(0, 6)}` });
    const offer = offered(b);
    const seen = collect(customer);
    const { task } = await a.call('conversation.transfer', { conversationId, to: { agentId: b.id } });
    expect(task.state === 'queued' || task.state === 'offered').toBe(true);
    expect((await offer).task.id).toBe(task.id);
    const { conversation } = await b.call('task.accept', { taskId: task.id });
    expect(conversation.participants.filter((p) => p.role === 'agent').map((p) => p.id)).toEqual([b.id]);
    const reply = await b.send('I can help with that', { conversationId });
    await until(customer, () => seen.some((x) => x.id === reply.id));
    expect(seen.some((x) => x.type === 'message' && x.from.role === 'controller')).toBe(false); // no survey on a transfer
  });

  test('wrap-up: when the customer leaves the agent wraps up; submit ends it and the conversation closes', async () => {
    const ch = await channel({ wrapUp: { enabled: true, timeoutSeconds: 60 } });
    const { agent: a, customer, conversationId } = await accepted(ch);
    const wrapUp = nextActivity(a, (x) => x.type === 'state.changed' && x.payload.to === 'wrap_up');
    await customer.call('session.end', {});
    await wrapUp;
    const closing = nextActivity(a, (x) => x.type === 'state.changed' && x.payload.to === 'closing');
    await a.call('wrapup.submit', { conversationId, codes: ['refund'], note: 'refunded' });
    await closing;
  });

  test('wrap-up: the timer removes an agent who does not submit', async () => {
    const ch = await channel({ wrapUp: { enabled: true, timeoutSeconds: 1 } });
    const { agent: a, customer, conversationId } = await accepted(ch);
    const supervisor = await hub.client({ id: `sup-${randomUUID()}`, role: 'supervisor' });
    await supervisor.call('conversation.join', { conversationId });
    const left = nextActivity(supervisor, (x) => x.type === 'participant.left' && x.payload.participant.id === a.id, 5_000);
    const closing = nextActivity(supervisor, (x) => x.type === 'state.changed' && x.payload.to === 'closing', 5_000);
    await customer.call('session.end', {});
    expect((await left).payload).toMatchObject({ reason: 'wrapup_expired' });
    await closing;
  });

  test('greeting when the customer arrives, survey when the last agent leaves, and closing when everyone has gone', async () => {
    const ch = await channel({ controller: { greeting: 'Welcome!', survey: 'How did we do?', closeOnAgentLeave: true } });
    const a = await agent(ch.listId);
    const offer = offered(a);
    const customer = await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    const seen = collect(customer);
    const { task, conversation } = await offer;
    await until(customer, () => seen.some((x) => x.type === 'message' && x.from.role === 'controller'));
    expect(seen.find((x) => x.type === 'message')?.payload).toEqual({ text: 'Welcome!' });
    await a.call('task.accept', { taskId: task.id });

    const supervisor = await hub.client({ id: `sup-${randomUUID()}`, role: 'supervisor' });
    await supervisor.call('conversation.join', { conversationId: conversation.id });
    const survey = nextActivity(customer, (x) => x.type === 'message' && x.from.role === 'controller' && x.payload.text === 'How did we do?');
    const closing = nextActivity(supervisor, (x) => x.type === 'state.changed' && x.payload.to === 'closing');
    await a.call('conversation.leave', { conversationId: conversation.id });
    await survey;
    const closed = await closing; // closeOnAgentLeave closed the customer's session: nobody is left
    expect(closed.seq).toBeGreaterThan(0);
  });

  test('a bot answers first and hands over to a human with intent and sentiment', async () => {
    const botId = `bot-${randomUUID().slice(0, 8)}`;
    const ch = await channel({ botId });
    const bot = await hub.client({ id: botId, role: 'bot', name: 'Helper bot' });
    const botView = waitFor<{ id: string }>((fn) => bot.onConversation(fn));
    const a = await agent(ch.listId);
    const offers: TaskOffered[] = [];
    a.on('task.offered', (o) => offers.push(o));
    const customer = await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    const { id: conversationId } = await botView;
    await bot.send('Hi, I am a bot. What do you need?', { conversationId });
    await customer.send('a human please');
    expect(offers).toHaveLength(0); // with a bot, no task until it hands over
    const offer = offered(a);
    const { task } = await bot.call('handoff.request', { conversationId, intent: 'speak_to_agent', sentiment: -0.4, summary: 'wants a human' });
    expect((await offer).task.id).toBe(task.id);
    const { conversation } = await a.call('task.accept', { taskId: task.id });
    const handoff = conversation.activities.find((x) => x.type === 'handoff');
    expect(handoff?.payload).toMatchObject({ intent: 'speak_to_agent', sentiment: -0.4, summary: 'wants a human' });
    const suggestion = nextActivity(a, (x) => x.type === 'suggestion');
    await bot.call('suggestion.send', { conversationId, text: 'Offer a refund', confidence: 0.8 });
    expect((await suggestion).visibility).toBe('agents');
  });
});

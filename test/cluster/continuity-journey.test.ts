/**
 * The hub's promise, end to end on two hub processes in cluster mode (issue 13): a visitor talks to
 * the built-in bot on the webchat, asks for an agent, agent A on node 1 answers and leaves, the
 * customer leaves. Later the same customer writes on a second channel, through a connector whose
 * phone number an admin linked; agent B on node 2 is offered the conversation, and B's first push
 * plus one `customer.history` call hold everything earlier: every message, both channels' sessions
 * with their channel data, and the bot's intent, sentiment and summary. Nothing comes twice.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import pg from 'pg';
import { HubClient } from '@conversation-hub/client-sdk';
import type { Activity, ConversationView, TaskOffered } from '@conversation-hub/client-sdk/contract';
import { startCluster, type Cluster, type HubNode } from '../helpers/cluster.js';
import { TEST_DATABASE_URL } from '../helpers/database.js';
import { nextActivity, waitFor } from '../helpers/wait.js';

let cluster: Cluster;
let node1: HubNode;
let node2: HubNode;
let db: pg.Pool;
const visitors: HubClient[] = [];
beforeAll(async () => {
  cluster = await startCluster(2);
  [node1, node2] = cluster.nodes as [HubNode, HubNode];
  db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
}, 60_000);
afterAll(async () => {
  for (const v of visitors) v.close();
  await db?.end();
  await cluster?.stop();
}, 30_000);

const offered = (c: HubClient) => waitFor<TaskOffered>((fn) => c.on('task.offered', fn), () => true, 15_000, 'task.offered');
const messages = (v: ConversationView) => v.activities.flatMap((a) => (a.type === 'message' ? [`${a.from.role}: ${a.payload.text}`] : []));

/** Until the archive (Postgres) has the conversation: there is no event for it, so this polls, bounded. */
async function archived(conversationId: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const r = await db.query(`select 1 from "${cluster.schema}".conversations where id = $1`, [conversationId]);
    if (r.rowCount) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`conversation ${conversationId} not archived within 15 s`);
}

test('web chat with the bot, agent A on node 1, then WhatsApp through a linked phone: agent B on node 2 sees it all in one push and one history call', async () => {
  // The admin's set-up: the webchat runs the built-in bot; a WhatsApp channel for a connector.
  expect((await cluster.admin(node1, 'PATCH', '/api/channels/webchat', { bot: { type: 'builtin' }, listId: 'web-agents' })).status).toBe(200);
  expect((await cluster.admin(node1, 'POST', '/api/channel-types', { id: 'whatsapp', name: 'WhatsApp' })).status).toBe(201);
  expect((await cluster.admin(node1, 'POST', '/api/channels', { serviceIdentifier: 'wa-journey', name: 'WhatsApp', channelType: 'whatsapp', listId: 'phone-agents' })).status).toBe(201);

  // 1. A visitor on the webchat (node 1) talks to the bot.
  const res = await fetch(`${node1.url}/api/webchat/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ serviceIdentifier: 'webchat', prechat: { name: 'Ada' } }) });
  expect(res.status).toBe(201);
  const session = (await res.json()) as { token: string; customerId: string };
  const visitor = await new HubClient(node1.url, { token: session.token, channelData: { locale: 'en-GB', page: '/pricing' } }).connect();
  visitors.push(visitor);
  const first = await visitor.conversation();
  const greeted = nextActivity(visitor, (a) => a.type === 'message' && a.from.role === 'bot', 10_000);
  await visitor.send('hello');
  const botAnswer = await greeted;

  // 2. She asks for an agent: the handoff goes to agent A on node 1, who answers and leaves; she leaves.
  const agentA = await cluster.client(node1, { id: 'agent-a', role: 'agent', name: 'Ana' });
  const offerA = offered(agentA);
  await agentA.call('agent.state', { state: 'ready', lists: ['web-agents'] });
  await visitor.send('I want to talk to an agent');
  const { task: taskA } = await offerA;
  expect(taskA).toMatchObject({ conversationId: first.id, reason: 'handoff' });
  await agentA.call('task.accept', { taskId: taskA.id });
  const heard = nextActivity(visitor, (a) => a.type === 'message' && a.from.id === 'agent-a', 10_000);
  await agentA.send('Hi Ada, Ana here. I have refunded the duplicate charge.', { conversationId: first.id });
  await heard;
  await agentA.call('conversation.leave', { conversationId: first.id });
  await visitor.call('session.end', {});
  await archived(first.id);

  // 3. An admin links her phone; she writes on WhatsApp through the connector on node 2.
  const phone = '+447700900777';
  expect((await cluster.admin(node2, 'POST', `/api/customers/${session.customerId}/identifiers`, { channelType: 'whatsapp', value: phone })).status).toBe(200);
  const agentB = await cluster.client(node2, { id: 'agent-b', role: 'agent', name: 'Ben' });
  const offerB = offered(agentB);
  await agentB.call('agent.state', { state: 'ready', lists: ['phone-agents'] });
  const connector = await cluster.client(node2, { id: 'wa-journey-connector', role: 'connector', channels: ['wa-journey'] });
  const inbound = await connector.call('connector.inbound', {
    serviceIdentifier: 'wa-journey',
    customer: { identifier: phone, name: 'Ada' },
    channelData: { profileName: 'Ada L.' },
    message: { text: 'The refund has not arrived', clientMessageId: 'wamid-journey-1' },
  });
  expect(inbound.conversationId).not.toBe(first.id);

  // 4. Agent B on node 2 is offered the conversation.
  const { task: taskB, conversation: push } = await offerB;
  expect(taskB).toMatchObject({ conversationId: inbound.conversationId, reason: 'new' });
  expect(push.customerId).toBe(session.customerId);
  expect(push.channelSessions.map((s) => [s.serviceIdentifier, s.channelData])).toEqual([['wa-journey', expect.objectContaining({ profileName: 'Ada L.', customerIdentifier: phone })]]);
  // The offer may come as the conversation opens, before her message is in it: accepting shows it.
  const { conversation: accepted } = await agentB.call('task.accept', { taskId: taskB.id });
  expect(messages(accepted)).toEqual(['customer: The refund has not arrived']);

  // 5. One history call, for what the push does not hold.
  const { conversations } = await agentB.call('customer.history', { customerId: session.customerId, closedOnly: true });
  expect(conversations.map((c) => c.id)).toEqual([first.id]);
  const earlier = conversations[0]!;
  expect(earlier.channelSessions.map((s) => [s.serviceIdentifier, s.channelData])).toEqual([['webchat', expect.objectContaining({ locale: 'en-GB', page: '/pricing' })]]);
  expect(messages(earlier)).toEqual([
    'customer: hello',
    `bot: ${botAnswer.type === 'message' ? botAnswer.payload.text : ''}`,
    'customer: I want to talk to an agent',
    expect.stringMatching(/^bot: /), // the bot tells her it hands over
    'agent: Hi Ada, Ana here. I have refunded the duplicate charge.',
  ]);
  const handoff = earlier.activities.find((a): a is Extract<Activity, { type: 'handoff' }> => a.type === 'handoff');
  expect(handoff?.payload).toMatchObject({ intent: 'agent', sentiment: expect.any(Number), summary: expect.stringContaining('agent'), transcriptFromSeq: 1, transcriptSeq: handoff!.seq - 1 });
  // Nothing twice: the push and the history share no conversation and no activity.
  const ids = [...accepted.activities, ...earlier.activities].map((a) => a.id);
  expect(new Set(ids).size).toBe(ids.length);
}, 90_000);

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Activity, ConnectorOutbound } from '@conversation-hub/client-sdk/contract';
import { HubCallError } from '@conversation-hub/client-sdk';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.js';
import { collect, nextActivity, waitFor } from '../helpers/wait.js';

// Issue 14: connectors catch up (activities.since, HTTP session end), channel data as it changes
// (session.updated), and outbound conversations (conversation.start) through socket and HTTP connectors.

let hub: TestHub;
let webhook: Receiver;

beforeAll(async () => {
  hub = await startTestHub();
  webhook = await startReceiver();
  if ((await hub.admin('GET', '/api/channel-types/whatsapp')).status === 404) {
    expect((await hub.admin('POST', '/api/channel-types', { id: 'whatsapp', name: 'WhatsApp' })).status).toBe(201);
  }
});
afterAll(async () => {
  await hub.close();
  await webhook.close();
});

async function channel(extra: Record<string, unknown> = {}) {
  const si = `wa-${randomUUID().slice(0, 8)}`;
  expect((await hub.admin('POST', '/api/channels', { serviceIdentifier: si, name: 'WhatsApp', channelType: 'whatsapp', ...extra })).status).toBe(201);
  return si;
}

type Updated = Extract<Activity, { type: 'session.updated' }>;
const phone = () => `+4670${Math.floor(Math.random() * 1e7)}`;
const inbound = (si: string, identifier: string, text: string, channelData?: Record<string, string>) => ({
  serviceIdentifier: si,
  customer: { identifier },
  ...(channelData ? { channelData } : {}),
  message: { text, clientMessageId: randomUUID() },
});

test('a connector catches up its own channel’s conversations, all-visibility activities only; others are hidden', async () => {
  const si = await channel();
  const connector = await hub.client({ id: `conn-${si}`, role: 'connector', channels: [si] });
  const first = await connector.call('connector.inbound', inbound(si, phone(), 'hi'));
  const supervisor = await hub.client({ id: `sup-${si}`, role: 'supervisor' });
  await supervisor.call('conversation.join', { conversationId: first.conversationId });
  const { activity: whisper } = await supervisor.call('whisper.send', { conversationId: first.conversationId, text: 'internal' });
  const said = await supervisor.send('hello', { conversationId: first.conversationId });

  const caught = await connector.call('activities.since', { conversationId: first.conversationId, afterSeq: 0 });
  expect(caught.activities.map((a) => a.id)).toContain(said.id);
  expect(caught.activities.map((a) => a.id)).not.toContain(whisper.id);
  expect(caught.activities.every((a) => a.visibility === 'all')).toBe(true);

  const stranger = await hub.client({ id: `conn-x-${si}`, role: 'connector', channels: ['elsewhere'] });
  const err = await stranger.call('activities.since', { conversationId: first.conversationId, afterSeq: 0 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HubCallError);
  expect((err as HubCallError).code).toBe('not_found');
});

test('a connector catches up an archived conversation of its channel too', async () => {
  const si = await channel();
  const connector = await hub.client({ id: `conn-${si}`, role: 'connector', channels: [si] });
  const who = phone();
  const first = await connector.call('connector.inbound', inbound(si, who, 'bye soon'));
  await connector.call('connector.session.end', { serviceIdentifier: si, customerIdentifier: who });
  await hub.archived(first.conversationId);
  const caught = await connector.call('activities.since', { conversationId: first.conversationId, afterSeq: 0 });
  expect(caught.activities.map((a) => a.id)).toContain(first.activity.id);
  const stranger = await hub.client({ id: `conn-y-${si}`, role: 'connector', channels: ['elsewhere'] });
  const err = await stranger.call('activities.since', { conversationId: first.conversationId, afterSeq: 0 }).catch((e: unknown) => e);
  expect((err as HubCallError).code).toBe('not_found');
});

test('an HTTP connector ends one session by id; again is closed: false; a session of another channel is not_found', async () => {
  const si = await channel();
  const other = await channel();
  const connector = await hub.client({ id: `conn-${si}`, role: 'connector', channels: [si] });
  const first = await connector.call('connector.inbound', inbound(si, phone(), 'hi'));
  const token = await hub.token({ id: `http-${si}`, role: 'connector', channels: [si, other] });
  const end = (service: string, sessionId: string) =>
    fetch(`${hub.url}/api/connectors/${service}/sessions/${sessionId}/end`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ conversationId: first.conversationId }),
    });
  const supervisor = await hub.client({ id: `sup-${si}`, role: 'supervisor' });
  await supervisor.call('conversation.join', { conversationId: first.conversationId });
  expect((await end(other, first.channelSessionId)).status).toBe(404);
  const closed = nextActivity(supervisor, (a) => a.type === 'session.closed');
  const res = await end(si, first.channelSessionId);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ closed: true });
  expect((await closed).payload).toMatchObject({ reason: 'connector', channelSession: { id: first.channelSessionId } });
  const again = await end(si, first.channelSessionId);
  expect(again.status).toBe(200);
  expect(await again.json()).toEqual({ closed: false });
});

test('channel data with a later message is merged: agents get session.updated, the connector does not, the next view holds it', async () => {
  const si = await channel();
  const connector = await hub.client({ id: `conn-${si}`, role: 'connector', channels: [si] });
  const who = phone();
  const first = await connector.call('connector.inbound', inbound(si, who, 'hi', { profile: 'Bo' }));
  const supervisor = await hub.client({ id: `sup-${si}`, role: 'supervisor' });
  await supervisor.call('conversation.join', { conversationId: first.conversationId });
  const outbound: ConnectorOutbound[] = [];
  connector.on('connector.outbound', (o) => outbound.push(o));

  const updated = nextActivity(supervisor, (a) => a.type === 'session.updated');
  const same = await connector.call('connector.inbound', inbound(si, who, 'again', { profile: 'Bo', customerIdentifier: '+1999', tier: 'gold' }));
  const got = (await updated) as Updated;
  expect(same.channelSessionId).toBe(first.channelSessionId);
  expect(got.visibility).toBe('agents');
  expect(got.payload.changed).toEqual(['tier']); // profile unchanged; customerIdentifier stays the hub's
  expect(got.payload.channelSession.channelData).toEqual({ profile: 'Bo', customerIdentifier: who, tier: 'gold' });

  // Nothing new: no activity. A message after it shows the update came once.
  const mark = await supervisor.send('after', { conversationId: first.conversationId });
  await connector.call('connector.inbound', inbound(si, who, 'third', { tier: 'gold' }));
  const since = await supervisor.call('activities.since', { conversationId: first.conversationId, afterSeq: 0 });
  expect(since.activities.filter((a) => a.type === 'session.updated')).toHaveLength(1);
  expect(since.activities.some((a) => a.seq > mark.seq && a.type === 'session.updated')).toBe(false);
  const { conversation } = await supervisor.call('conversation.join', { conversationId: first.conversationId });
  expect(conversation.channelSessions[0]!.channelData).toMatchObject({ tier: 'gold' });
  expect(outbound.some((o) => o.activity.type === 'session.updated')).toBe(false);
  const caught = await connector.call('activities.since', { conversationId: first.conversationId, afterSeq: 0 });
  expect(caught.activities.some((a) => a.type === 'session.updated')).toBe(false);
});

test('a webchat customer reconnecting with new channel data: agents see session.updated, the customer does not', async () => {
  const si = `web-${randomUUID().slice(0, 8)}`;
  expect((await hub.admin('POST', '/api/channels', { serviceIdentifier: si, name: 'Web', channelType: 'webchat' })).status).toBe(201);
  const c1 = await hub.customer({ serviceIdentifier: si, channelData: { page: '/home' } });
  const conversationId = (await c1.conversation()).id;
  const supervisor = await hub.client({ id: `sup-${si}`, role: 'supervisor' });
  await supervisor.call('conversation.join', { conversationId });
  const seen = collect(c1);
  const updated = nextActivity(supervisor, (a) => a.type === 'session.updated');
  const c2 = await hub.customer({ serviceIdentifier: si, visitorToken: c1.visitorToken, channelData: { page: '/pricing' } });
  const got = (await updated) as Updated;
  expect(got.payload.changed).toEqual(['page']);
  expect(got.payload.channelSession.channelData.page).toBe('/pricing');
  const mine = await c2.call('activities.since', { conversationId, afterSeq: 0 });
  expect(mine.activities.some((a) => a.type === 'session.updated')).toBe(false);
  expect(seen.some((a) => a.type === 'session.updated')).toBe(false);
});

test('an agent starts an outbound conversation: it is in at once, the socket connector gets the message; no task is made', async () => {
  const list = `l-${randomUUID().slice(0, 6)}`;
  const si = await channel({ listId: list });
  const connector = await hub.client({ id: `conn-${si}`, role: 'connector', channels: [si] });
  const number = phone();
  const made = await hub.admin('POST', '/api/customers', { name: 'Cy', identifiers: [{ channelType: 'whatsapp', value: number }] });
  expect(made.status).toBe(201);
  const agent = await hub.client({ id: `ag-${si}`, role: 'agent', name: 'Ann' });
  await agent.call('agent.state', { state: 'ready', lists: [list] });

  const reached = waitFor<ConnectorOutbound>((fn) => connector.on('connector.outbound', fn), (o) => o.activity.type === 'message');
  const { conversation } = await agent.call('conversation.start', { customerId: made.body.id, serviceIdentifier: si, text: 'Your order shipped' });
  expect(conversation.state).toBe('active');
  expect(conversation.participants.map((p) => p.id)).toContain(`ag-${si}`);
  expect(conversation.channelSessions[0]!.channelData).toEqual({ direction: 'outbound', customerIdentifier: number });
  const out = await reached;
  expect(out).toMatchObject({ serviceIdentifier: si, customerIdentifier: number, channelSessionId: conversation.channelSessions[0]!.id });
  expect(out.activity.payload).toEqual({ text: 'Your order shipped' });
  expect(await hub.parts.routing.tasksOf(conversation.id)).toEqual([]);

  // The customer answers through the connector: into the same conversation, to the agent.
  const answer = nextActivity(agent, (a) => a.type === 'message' && a.from.role === 'customer');
  const back = await connector.call('connector.inbound', inbound(si, number, 'thanks'));
  expect(back.conversationId).toBe(conversation.id);
  expect((await answer).payload).toMatchObject({ text: 'thanks' });

  // Starting again joins the same conversation and session.
  const again = await agent.call('conversation.start', { customerId: made.body.id, serviceIdentifier: si, text: 'one more thing' });
  expect(again.conversation.id).toBe(conversation.id);
  expect(again.conversation.channelSessions.filter((s) => s.state === 'open')).toHaveLength(1);
});

test('conversation.start: a template to an HTTP connector’s webhook; refusals for webchat, a missing identifier, another list', async () => {
  const list = `l-${randomUUID().slice(0, 6)}`;
  const si = await channel({ listId: list, outboundWebhookUrl: webhook.url('/outbound') });
  const number = phone();
  const made = await hub.admin('POST', '/api/customers', { identifiers: [{ channelType: 'whatsapp', value: number }] });
  const agent = await hub.client({ id: `ag-${si}`, role: 'agent' });
  await agent.call('agent.state', { state: 'ready', lists: [list] });
  const posted = webhook.next((r) => r.json.serviceIdentifier === si && r.json.activity.type === 'message').then((r) => r.json as ConnectorOutbound);
  const template = { name: 'order_update', language: 'en_US' };
  await agent.call('conversation.start', { customerId: made.body.id, serviceIdentifier: si, template });
  const got = await posted;
  expect(got.customerIdentifier).toBe(number);
  expect(got.activity.payload).toEqual({ text: '[template order_update]', template });

  const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e as HubCallError).code);
  const web = `web-${randomUUID().slice(0, 8)}`;
  expect((await hub.admin('POST', '/api/channels', { serviceIdentifier: web, name: 'Web', channelType: 'webchat', listId: list })).status).toBe(201);
  expect(await code(agent.call('conversation.start', { customerId: made.body.id, serviceIdentifier: web, text: 'x' }))).toBe('bad_request');
  const nobody = await hub.admin('POST', '/api/customers', { name: 'No phone' });
  expect(await code(agent.call('conversation.start', { customerId: nobody.body.id, serviceIdentifier: si, text: 'x' }))).toBe('conflict');
  const foreign = await channel({ listId: `other-${list}` });
  expect(await code(agent.call('conversation.start', { customerId: made.body.id, serviceIdentifier: foreign, text: 'x' }))).toBe('forbidden');
});

test('template.send: an agent-side template message reaches the connector with its template; the customer sees its text', async () => {
  const si = await channel();
  const connector = await hub.client({ id: `conn-t-${si}`, role: 'connector', channels: [si] });
  const first = await connector.call('connector.inbound', inbound(si, phone(), 'hi'));
  const supervisor = await hub.client({ id: `sup-t-${si}`, role: 'supervisor' });
  await supervisor.call('conversation.join', { conversationId: first.conversationId });
  const out = waitFor<ConnectorOutbound>((fn) => connector.on('connector.outbound', fn), (o) => o.activity.type === 'message' && !!o.activity.payload.template, 10_000, 'the template outbound');
  const components = [{ type: 'body', parameters: [{ type: 'text', text: 'A-42' }] }];
  const { activity } = await supervisor.call('template.send', { conversationId: first.conversationId, name: 'order_update', language: 'en_US', components });
  expect(activity).toMatchObject({ type: 'message', visibility: 'all', payload: { text: '[template order_update]', template: { name: 'order_update', language: 'en_US', components } } });
  expect((await out).activity.id).toBe(activity.id);
  const bad = await supervisor.call('template.send', { conversationId: first.conversationId, name: 'Order Update!', language: 'en_US' }).catch((e: unknown) => e);
  expect((bad as HubCallError).code).toBe('bad_request');
});

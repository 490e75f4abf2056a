import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { ConnectorOutbound } from '@conversation-hub/client-sdk/contract';
import { HubCallError } from '@conversation-hub/client-sdk';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.js';
import { nextActivity, waitFor } from '../helpers/wait.js';

let hub: TestHub;
let webhook: Receiver;

beforeAll(async () => {
  hub = await startTestHub();
  webhook = await startReceiver();
});
afterAll(async () => {
  await hub.close();
  await webhook.close();
});

async function whatsappChannel(extra: Record<string, unknown> = {}) {
  const si = `wa-${randomUUID().slice(0, 8)}`;
  if ((await hub.admin('GET', '/api/channel-types/whatsapp')).status === 404) {
    expect((await hub.admin('POST', '/api/channel-types', { id: 'whatsapp', name: 'WhatsApp' })).status).toBe(201);
  }
  expect((await hub.admin('POST', '/api/channels', { serviceIdentifier: si, name: 'WhatsApp', channelType: 'whatsapp', ...extra })).status).toBe(201);
  return si;
}

test('a socket connector brings a customer in and hears what agents-side participants say, never whispers', async () => {
  const si = await whatsappChannel();
  const connector = await hub.client({ id: `conn-${si}`, role: 'connector', channels: [si] });
  const phone = `+4670${Math.floor(Math.random() * 1e7)}`;
  const first = await connector.call('connector.inbound', {
    serviceIdentifier: si,
    customer: { identifier: phone, name: 'Bo' },
    channelData: { profile: 'Bo B.' },
    message: { text: 'hi from WhatsApp', clientMessageId: 'wamid-1' },
  });
  expect(first.activity).toMatchObject({ type: 'message', from: { role: 'customer', name: 'Bo' }, channelSessionId: first.channelSessionId });
  const again = await connector.call('connector.inbound', { serviceIdentifier: si, customer: { identifier: phone }, message: { text: 'hi from WhatsApp', clientMessageId: 'wamid-1' } });
  expect(again.activity).toEqual(first.activity); // the provider retried: same activity

  const supervisor = await hub.client({ id: `sup-${si}`, role: 'supervisor', name: 'Sam' });
  const { conversation } = await supervisor.call('conversation.join', { conversationId: first.conversationId });
  expect(conversation.channelSessions[0]!.channelData).toMatchObject({ profile: 'Bo B.', customerIdentifier: phone });

  const outbound: ConnectorOutbound[] = [];
  connector.on('connector.outbound', (o) => outbound.push(o));
  const reply = waitFor<ConnectorOutbound>((fn) => connector.on('connector.outbound', fn), (o) => o.activity.type === 'message');
  await supervisor.call('whisper.send', { conversationId: first.conversationId, text: 'internal only' });
  const sent = await supervisor.send('Hello Bo', { conversationId: first.conversationId });
  const got = await reply;
  expect(got).toEqual({ serviceIdentifier: si, channelSessionId: first.channelSessionId, customerIdentifier: phone, activity: sent });
  expect(outbound.some((o) => o.activity.visibility === 'agents')).toBe(false);

  const closed = nextActivity(supervisor, (a) => a.type === 'session.closed');
  await connector.call('connector.session.end', { serviceIdentifier: si, customerIdentifier: phone });
  expect((await closed).payload).toMatchObject({ reason: 'connector' });
});

test('a connector may serve only its own channels', async () => {
  const si = await whatsappChannel();
  const other = await hub.client({ id: 'conn-other', role: 'connector', channels: ['somewhere-else'] });
  const err = await other
    .call('connector.inbound', { serviceIdentifier: si, customer: { identifier: '+1' }, message: { text: 'x', clientMessageId: 'm' } })
    .catch((e: HubCallError) => e);
  expect((err as HubCallError).code).toBe('forbidden');
});

test('an HTTP connector posts inbound messages and gets replies on its webhook', async () => {
  const si = await whatsappChannel({ outboundWebhookUrl: webhook.url('/outbound') });
  const token = await hub.token({ id: `http-conn-${si}`, role: 'connector', channels: [si] });
  const post = (body: unknown, auth = `Bearer ${token}`) =>
    fetch(`${hub.url}/api/connectors/${si}/inbound`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify(body) });

  expect((await post({ customer: { identifier: '+1' }, message: { text: 'x', clientMessageId: 'm' } }, 'Bearer nope')).status).toBe(401);
  const bad = await post({ customer: {}, message: { text: 'x', clientMessageId: 'm' } });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: { details: { field: string } } }).error.details.field).toBe('customer.identifier');

  const res = await post({ customer: { identifier: '+46701234567' }, message: { text: 'over HTTP', clientMessageId: 'http-1' } });
  expect(res.status).toBe(200);
  const { conversationId, channelSessionId } = (await res.json()) as { conversationId: string; channelSessionId: string };
  const supervisor = await hub.client({ id: `sup-http-${si}`, role: 'supervisor' });
  await supervisor.call('conversation.join', { conversationId });
  const hooked = webhook.next((r) => r.json.serviceIdentifier === si && r.json.activity.type === 'message').then((r) => r.json as ConnectorOutbound);
  await supervisor.call('whisper.send', { conversationId, text: 'not for the webhook' });
  const sent = await supervisor.send('reply by webhook', { conversationId });
  expect(await hooked).toEqual({ serviceIdentifier: si, channelSessionId, customerIdentifier: '+46701234567', activity: sent });
  expect(webhook.got.some((r) => r.json.activity.visibility === 'agents')).toBe(false);
});

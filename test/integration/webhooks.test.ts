import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import type { ConnectorOutbound, Subscription, WebhookDelivery, WebhookEvent } from '@conversation-hub/client-sdk/contract';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { nextActivity } from '../helpers/wait.js';
import { startReceiver, type Received, type Receiver } from '../helpers/webhook-receiver.js';

// Issue 14: signed, durable webhooks (PROTOCOL.md §1.7.6), checked with the Standard Webhooks reference verifier.
let hub: TestHub;
let receiver: Receiver;

beforeAll(async () => {
  // Short backoff from configuration, so a retried delivery lands within the test.
  hub = await startTestHub({ HUB_WEBHOOK_BACKOFF_MS: '100', HUB_WEBHOOK_MAX_BACKOFF_MS: '200', HUB_WEBHOOK_MAX_ATTEMPTS: '4' });
  receiver = await startReceiver();
});
afterAll(async () => {
  await hub.close();
  await receiver.close();
});

const verify = (secret: string, r: Received) => new Webhook(secret).verify(r.raw, r.headers);
const about = (path: string, conversationId: string, type: string) => (r: Received) =>
  r.path === path && r.status < 300 && (r.json as WebhookEvent).type === type && (r.json as WebhookEvent).data.conversationId === conversationId;

async function subscribe(path: string, events: string[]): Promise<Subscription> {
  const made = await hub.admin('POST', '/api/subscriptions', { url: receiver.url(path), events, description: 'CRM' });
  expect(made.status).toBe(201);
  expect(made.body.secret).toMatch(/^whsec_/);
  return made.body as Subscription;
}

describe('app subscriptions', () => {
  test('an app hears conversation.created and conversation.closed, signed; reads never show the secret', async () => {
    const path = `/crm-${randomUUID()}`;
    const sub = await subscribe(path, ['conversation.created', 'conversation.closed']);
    expect((await hub.admin('GET', `/api/subscriptions/${sub.id}`)).body).toEqual({ ...sub, secret: undefined });
    expect((await hub.admin('GET', '/api/subscriptions')).body.every((s: Subscription) => s.secret === undefined)).toBe(true);

    const customer = await hub.customer();
    const view = await customer.conversation();
    const created = await receiver.next(about(path, view.id, 'conversation.created'));
    expect(verify(sub.secret!, created)).toMatchObject({ type: 'conversation.created', data: { conversationId: view.id, activity: { seq: 1 } } });
    expect(created.headers['webhook-id']).toMatch(/^msg_/);

    await customer.call('session.end', {});
    const closed = await receiver.next(about(path, view.id, 'conversation.closed'));
    expect(verify(sub.secret!, closed)).toMatchObject({ data: { activity: { type: 'state.changed', payload: { to: 'closed' } } } });
    // Only what it asked for: no message.created, no task events.
    expect(receiver.got.filter((r) => r.path === path).every((r) => ['conversation.created', 'conversation.closed'].includes(r.json.type))).toBe(true);
    // A forged or altered body fails the reference verifier.
    expect(() => verify(sub.secret!, { ...closed, raw: closed.raw.replace('closed', 'opened') })).toThrow();

    const deliveries = await hub.admin('GET', `/api/subscriptions/${sub.id}/deliveries`);
    expect(deliveries.status).toBe(200);
    expect(deliveries.body).toEqual(expect.arrayContaining([expect.objectContaining({ id: created.headers['webhook-id'], type: 'conversation.created', status: 'delivered', attempts: 1 })]));
  });

  test('a failing endpoint is retried with the same webhook-id until it answers; the admin API shows the attempts', async () => {
    const path = `/flaky-${randomUUID()}`;
    const sub = await subscribe(path, ['conversation.created']);
    receiver.answer(path, 500, 503);
    const customer = await hub.customer();
    const view = await customer.conversation();
    const ok = await receiver.next(about(path, view.id, 'conversation.created'));
    const tries = receiver.got.filter((r) => r.path === path && r.json.data.conversationId === view.id);
    expect(tries.map((r) => r.status)).toEqual([500, 503, 204]);
    expect(new Set(tries.map((r) => r.headers['webhook-id'])).size).toBe(1);
    verify(sub.secret!, ok);
    const shown = async () => ((await hub.admin('GET', `/api/subscriptions/${sub.id}/deliveries`)).body as WebhookDelivery[]).find((d) => d.id === ok.headers['webhook-id']);
    // The record is written after the answer: poll it briefly (there is no event for it).
    let delivery = await shown();
    for (let i = 0; i < 50 && delivery?.status !== 'delivered'; i++) delivery = await shown();
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 204 });
  });

  test('410 Gone disables the subscription; a rotated secret signs beside the old one', async () => {
    const path = `/gone-${randomUUID()}`;
    const sub = await subscribe(path, ['conversation.created']);
    const rotated = await hub.admin('POST', `/api/subscriptions/${sub.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(sub.secret);
        const first = await hub.customer();
    const v1 = await first.conversation();
    const signed = await receiver.next(about(path, v1.id, 'conversation.created'));
    expect(signed.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    verify(sub.secret!, signed);
    verify(rotated.body.secret, signed);

    receiver.answer(path, 410);
    const second = await hub.customer();
    const v2 = await second.conversation();
    await receiver.next((r) => r.path === path && r.status === 410 && r.json.data.conversationId === v2.id);
    let now = (await hub.admin('GET', `/api/subscriptions/${sub.id}`)).body as Subscription;
    for (let i = 0; i < 50 && !now.disabled; i++) now = (await hub.admin('GET', `/api/subscriptions/${sub.id}`)).body;
    expect(now.disabled).toBe(true);
    expect((await hub.admin('PATCH', `/api/subscriptions/${sub.id}`, { disabled: false })).body.disabled).toBe(false);
  });

  test('bad input is a 400 naming the field; an unknown subscription is a 404', async () => {
    const bad = await hub.admin('POST', '/api/subscriptions', { url: 'ftp://x', events: ['conversation.created'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('url');
    const unknown = await hub.admin('POST', '/api/subscriptions', { url: receiver.url(), events: ['conversation.exploded'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.field).toMatch(/^events/);
    expect((await hub.admin('POST', '/api/subscriptions', { url: receiver.url(), events: [] })).status).toBe(400);
    expect((await hub.admin('GET', `/api/subscriptions/${randomUUID()}`)).status).toBe(404);
    expect((await hub.admin('DELETE', `/api/subscriptions/${randomUUID()}`)).status).toBe(404);
    expect((await hub.admin('POST', `/api/subscriptions/${randomUUID()}/rotate-secret`)).status).toBe(404);
    expect((await fetch(`${hub.url}/api/subscriptions`)).status).toBe(401);
  });
});

describe("a channel's outboundWebhookUrl", () => {
  test('connector.outbound is signed with the channel’s write-only secret and keeps its body', async () => {
    const si = `hook-${randomUUID().slice(0, 8)}`;
    const path = `/outbound-${si}`;
    const secret = `whsec_${Buffer.from(randomUUID() + randomUUID()).toString('base64').slice(0, 44)}`;
    if ((await hub.admin('GET', '/api/channel-types/whatsapp')).status === 404) await hub.admin('POST', '/api/channel-types', { id: 'whatsapp', name: 'WhatsApp' });
    const made = await hub.admin('POST', '/api/channels', { serviceIdentifier: si, name: 'Hooked', channelType: 'whatsapp', outboundWebhookUrl: receiver.url(path), outboundWebhookSecret: secret });
    expect(made.status).toBe(201);
    expect(made.body.outboundWebhookSecretSet).toBe(true);
    expect(JSON.stringify(made.body)).not.toContain(secret);
    expect((await hub.admin('POST', '/api/channels', { serviceIdentifier: `${si}-x`, name: 'x', channelType: 'whatsapp', outboundWebhookSecret: 'not-a-secret' })).body.error.details.field).toBe('outboundWebhookSecret');

    const token = await hub.token({ id: `conn-${si}`, role: 'connector', channels: [si] });
    const res = await fetch(`${hub.url}/api/connectors/${si}/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ customer: { identifier: '+46700000001' }, message: { text: 'hello', clientMessageId: `m-${si}` } }),
    });
    const { conversationId, channelSessionId } = (await res.json()) as { conversationId: string; channelSessionId: string };
    const supervisor = await hub.client({ id: `sup-${si}`, role: 'supervisor' });
    await supervisor.call('conversation.join', { conversationId });
    const sent = await supervisor.send('signed reply', { conversationId });
    const hooked = await receiver.next((r) => r.path === path && r.json.activity?.id === sent.id);
    const body = verify(secret, hooked) as ConnectorOutbound;
    expect(body).toEqual({ serviceIdentifier: si, channelSessionId, customerIdentifier: '+46700000001', activity: sent });
    const deliveries = await hub.admin('GET', `/api/channels/${made.body.id}/webhook-deliveries`);
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.map((d: WebhookDelivery) => d.type)).toContain('connector.outbound');
    void nextActivity;
  });
});

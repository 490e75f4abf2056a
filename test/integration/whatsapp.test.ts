import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ReceiptPush } from '@conversation-hub/client-sdk/contract';
import { HubCallError, type HubClient } from '@conversation-hub/client-sdk';
import { inboundImagePayload, inboundTextPayload, signedPost, startFakeGraph, statusPayload } from '../helpers/fake-graph.js';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { nextActivity, waitFor } from '../helpers/wait.js';

// Issue 14: the built-in WhatsApp Cloud API connector, against a local server playing Meta's Graph API.
const ACCESS_TOKEN = 'EAAG-test-access-token';
const APP_SECRET = 'app-secret-of-the-test';
const VERIFY_TOKEN = 'verify-token-of-the-test';
let hub: TestHub;
let graph: Awaited<ReturnType<typeof startFakeGraph>>;

beforeAll(async () => {
  hub = await startTestHub();
  graph = await startFakeGraph({ accessToken: ACCESS_TOKEN });
  expect((await hub.admin('POST', '/api/channel-types', { id: 'whatsapp', name: 'WhatsApp' })).status).toBe(201);
});
afterAll(async () => {
  await hub.close();
  await graph.close();
});

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4a30000000049454e44ae426082', 'hex');
const phone = () => `4670${Math.floor(1e6 + Math.random() * 8e6)}`;

/** A WhatsApp channel with the built-in connector pointed at the fake Graph API. */
async function waChannel() {
  const si = `wa-${randomUUID().slice(0, 8)}`;
  const phoneNumberId = String(1e9 + Math.floor(Math.random() * 1e9));
  const connector = { provider: 'whatsapp-cloud', phoneNumberId, accessToken: ACCESS_TOKEN, appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN, graphBaseUrl: graph.baseUrl };
  const made = await hub.admin('POST', '/api/channels', { serviceIdentifier: si, name: 'WhatsApp', channelType: 'whatsapp', customerInactivityTimeoutSeconds: 86_400 * 2, connector });
  expect(made.status).toBe(201);
  const hook = `${hub.url}/api/channels/${si}/whatsapp/webhook`;
  return { si, phoneNumberId, hook, id: made.body.id as string, body: made.body };
}

/** A customer message through Meta's signed webhook; answers its message id. */
async function inbound(ch: Awaited<ReturnType<typeof waChannel>>, from: string, text: string, extra: { id?: string; timestamp?: number } = {}) {
  const id = extra.id ?? `wamid.${randomUUID()}`;
  const res = await signedPost(ch.hook, inboundTextPayload({ phoneNumberId: ch.phoneNumberId, from, name: 'Wanda', id, text, ...(extra.timestamp ? { timestamp: extra.timestamp } : {}) }), APP_SECRET);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ ok: true, messages: 1 });
  return { id };
}

async function joinOf(ch: Awaited<ReturnType<typeof waChannel>>, from: string): Promise<{ sup: HubClient; supId: string; conversationId: string }> {
  const all = (await hub.admin('GET', '/api/conversations')).body as { id: string; channelSessions: { serviceIdentifier: string; channelData: Record<string, string> }[] }[];
  const c = all.find((v) => v.channelSessions.some((s) => s.serviceIdentifier === ch.si && s.channelData.customerIdentifier === from))!;
  const supId = `sup-${randomUUID().slice(0, 6)}`;
  const sup = await hub.client({ id: supId, role: 'supervisor', name: 'Sam' });
  await sup.call('conversation.join', { conversationId: c.id });
  return { sup, supId, conversationId: c.id };
}

describe('WhatsApp Cloud API connector', () => {
  test('the channel keeps its secrets write-only; a connector on another channel type is refused', async () => {
    const ch = await waChannel();
    expect(ch.body.connector).toEqual({ provider: 'whatsapp-cloud', phoneNumberId: ch.phoneNumberId, graphBaseUrl: graph.baseUrl, secretsSet: true });
    const read = JSON.stringify((await hub.admin('GET', `/api/channels/${ch.id}`)).body);
    for (const secret of [ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN]) expect(read).not.toContain(secret);
    // A patch without the connector keeps it (its secrets included: the webhook still verifies).
    expect((await hub.admin('PATCH', `/api/channels/${ch.id}`, { name: 'Renamed' })).body.connector).toMatchObject({ secretsSet: true });
    const wrong = await hub.admin('POST', '/api/channels', { serviceIdentifier: `x-${ch.si}`, name: 'x', channelType: 'webchat', connector: { provider: 'whatsapp-cloud', phoneNumberId: '1', accessToken: ACCESS_TOKEN, appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details.field).toBe('connector');
  });

  test('verification handshake: the challenge for the right verify token only', async () => {
    const ch = await waChannel();
    const ok = await fetch(`${ch.hook}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    expect((await fetch(`${ch.hook}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`)).status).toBe(401);
    expect((await fetch(`${hub.url}/api/channels/webchat/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`)).status).toBe(404);
  });

  test('signed inbound text and image; a bad or missing signature is 401; a redelivered message id is taken once', async () => {
    const ch = await waChannel();
    const from = phone();
    const body = inboundTextPayload({ phoneNumberId: ch.phoneNumberId, from, name: 'Wanda', id: `wamid.${randomUUID()}`, text: 'forged' });
    expect((await signedPost(ch.hook, body, APP_SECRET, { badSignature: true })).status).toBe(401);
    expect((await fetch(ch.hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status).toBe(401);
    expect((await signedPost(ch.hook, { object: 'nonsense' }, APP_SECRET)).status).toBe(400);
    // A name longer than the hub keeps is cut, not a reason to refuse the batch.
    const long = inboundTextPayload({ phoneNumberId: ch.phoneNumberId, from: phone(), name: 'N'.repeat(500), id: `wamid.${randomUUID()}`, text: 'hi' });
    expect(await (await signedPost(ch.hook, long, APP_SECRET)).json()).toMatchObject({ ok: true, messages: 1 });

    const first = await inbound(ch, from, 'Hi, where is my parcel?');
    const { sup, supId, conversationId } = await joinOf(ch, from);
    const again = await signedPost(ch.hook, inboundTextPayload({ phoneNumberId: ch.phoneNumberId, from, name: 'Wanda', id: first.id, text: 'Hi, where is my parcel?' }), APP_SECRET);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ ok: true, messages: 0 }); // taken before: dropped

    const png = PNG;
    graph.media.set('media-1', { bytes: png, mimeType: 'image/png' });
    const image = nextActivity(sup, (a) => a.type === 'message' && !!a.payload.attachments?.length, 10_000);
    expect((await signedPost(ch.hook, inboundImagePayload({ phoneNumberId: ch.phoneNumberId, from, name: 'Wanda', id: `wamid.${randomUUID()}`, mediaId: 'media-1', mimeType: 'image/png', caption: 'the label' }), APP_SECRET)).status).toBe(200);
    const got = await image;
    expect(got.type === 'message' && got.payload).toMatchObject({ text: 'the label', attachments: [{ mimeType: 'image/png', size: png.length }] });
    const url = got.type === 'message' ? got.payload.attachments![0]!.url : '';
    const download = await fetch(url, { headers: { authorization: `Bearer ${await hub.token({ id: supId, role: 'supervisor' })}` } });
    expect((await fetch(url, { headers: { authorization: `Bearer ${await hub.token({ id: 'stranger', role: 'supervisor' })}` } })).status).toBe(404);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(png)).toBe(true);

    const since = await sup.call('activities.since', { conversationId, afterSeq: 0 });
    expect(since.activities.filter((a) => a.type === 'message' && a.from.role === 'customer').map((a) => (a.payload as { text: string }).text)).toEqual(['Hi, where is my parcel?', 'the label']);
    expect(since.activities.find((a) => a.type === 'message')!.from).toMatchObject({ role: 'customer', name: 'Wanda' });
  });

  test('an agent’s reply reaches the Graph API with the right body; its statuses become the customer’s receipts', async () => {
    const ch = await waChannel();
    const from = phone();
    await inbound(ch, from, 'hello');
    const { sup, supId, conversationId } = await joinOf(ch, from);
    const sent = await sup.send('Your parcel is on its way', { conversationId });
    const req = await graph.waitFor((r) => r.body?.text?.body === 'Your parcel is on its way');
    expect(req.path).toBe(`/v21.0/${ch.phoneNumberId}/messages`);
    expect(req.auth).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(req.body).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: from, type: 'text', text: { body: 'Your parcel is on its way', preview_url: false } });

    const wamid = req.response.messages[0].id as string;
    const read = waitFor<ReceiptPush>((fn) => sup.on('receipt', fn), (r) => r.status === 'read', 10_000, 'receipt');
    // The hub keeps the message id once the Graph API's answer reaches it, just after the fake recorded it.
    const status = () => signedPost(ch.hook, statusPayload({ phoneNumberId: ch.phoneNumberId, recipientId: from, id: wamid, status: 'read' }), APP_SECRET).then((r) => r.json());
    let applied = await status();
    for (let i = 0; i < 50 && applied.receipts === 0; i++) applied = await status();
    expect(applied).toMatchObject({ ok: true, statuses: 1, receipts: 1 });
    expect(await read).toMatchObject({ conversationId, seq: sent.seq, status: 'read' });

    // A file the hub stores goes by a signed link Meta can follow without a hub token.
    const f = new FormData();
    f.append('file', new Blob([PNG], { type: 'image/png' }), 'label.png');
    const token = await hub.token({ id: supId, role: 'supervisor' });
    const up = await fetch(`${hub.url}/api/attachments?conversationId=${conversationId}`, { method: 'POST', body: f, headers: { authorization: `Bearer ${token}` } });
    expect(up.status).toBe(201);
    await sup.call('message.send', { conversationId, text: 'your label', clientMessageId: randomUUID(), attachments: [await up.json()] });
    const media = await graph.waitFor((r) => r.body?.type === 'image' && r.body.to === from);
    expect(media.body.image).toEqual({ link: expect.stringMatching(/[?&]sig=[0-9a-f]{64}/), caption: 'your label' });
    const fetched = await fetch(media.body.image.link);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(PNG)).toBe(true);
    expect((await fetch(media.body.image.link.replace(/sig=[0-9a-f]{2}/, 'sig=00'))).status).toBe(401);
  });

  test('Graph API 429 and 500 are retried with backoff until the message is taken', async () => {
    const ch = await waChannel();
    const from = phone();
    await inbound(ch, from, 'hello');
    const { sup, conversationId } = await joinOf(ch, from);
    graph.failNext(429, 1, { 'retry-after': '0' });
    graph.failNext(500, 1);
    await sup.send('after a rate limit', { conversationId });
    const taken = await graph.waitFor((r) => r.body?.text?.body === 'after a rate limit', 20_000);
    expect(taken.auth).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(graph.requests.filter((r) => r.body?.text?.body === 'after a rate limit')).toHaveLength(1); // recorded once: the failures were answered before recording
  });

  test('outside the 24-hour window free text is window_closed and a template goes', async () => {
    const ch = await waChannel();
    const from = phone();
    await inbound(ch, from, 'an old message', { timestamp: Math.floor(Date.now() / 1000) - 25 * 3600 });
    const { sup, conversationId } = await joinOf(ch, from);
    const err = await sup.send('free text', { conversationId }).catch((e: HubCallError) => e);
    expect(err).toBeInstanceOf(HubCallError);
    expect((err as HubCallError).code).toBe('window_closed');
    await sup.call('template.send', { conversationId, name: 'order_update', language: 'en_US', components: [{ type: 'body', parameters: [{ type: 'text', text: 'A-1' }] }] });
    const req = await graph.waitFor((r) => r.body?.type === 'template' && r.body.to === from);
    expect(req.body.template).toEqual({ name: 'order_update', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'A-1' }] }] });
  });

  test('an outbound conversation started by an agent reaches WhatsApp as a template; free text first is window_closed', async () => {
    const ch = await waChannel();
    const number = phone();
    const made = await hub.admin('POST', '/api/customers', { name: 'Otto', identifiers: [{ channelType: 'whatsapp', value: number }] });
    const sup = await hub.client({ id: `sup-out-${ch.si}`, role: 'supervisor' });
    const first = await sup.call('conversation.start', { customerId: made.body.id, serviceIdentifier: ch.si, text: 'hello' }).catch((e: HubCallError) => e);
    expect((first as HubCallError).code).toBe('window_closed');
    const { conversation } = await sup.call('conversation.start', { customerId: made.body.id, serviceIdentifier: ch.si, template: { name: 'welcome', language: 'en' } });
    expect(conversation.channelSessions[0]).toMatchObject({ serviceIdentifier: ch.si, channelData: { direction: 'outbound', customerIdentifier: number } });
    const req = await graph.waitFor((r) => r.body?.type === 'template' && r.body.to === number);
    expect(req.body.template).toEqual({ name: 'welcome', language: { code: 'en' } });
  });
});

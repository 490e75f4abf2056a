import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import type { WebhookDelivery } from '@conversation-hub/client-sdk/contract';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.js';

// Issue 14: a webhook delivery is a BullMQ job, so it outlives the node that queued it.
let cluster: Cluster;
let receiver: Receiver;

beforeAll(async () => {
  cluster = await startCluster(1, { HUB_WEBHOOK_BACKOFF_MS: '300', HUB_WEBHOOK_MAX_BACKOFF_MS: '600', HUB_WEBHOOK_MAX_ATTEMPTS: '100' });
  receiver = await startReceiver();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  await receiver?.close();
});

test('a delivery queued by a node that is SIGKILLed is delivered by a node started after it, with the same webhook-id', async () => {
  const [a] = cluster.nodes;
  const path = '/durable';
  receiver.hold(path, 503);
  const sub = await cluster.admin(a!, 'POST', '/api/subscriptions', { url: receiver.url(path), events: ['conversation.created'] });
  expect(sub.status).toBe(201);
  expect((await cluster.admin(a!, 'POST', '/api/channel-types', { id: 'whatsapp', name: 'WhatsApp' })).status).toBe(201);
  expect((await cluster.admin(a!, 'POST', '/api/channels', { serviceIdentifier: 'wa-durable', name: 'WA', channelType: 'whatsapp' })).status).toBe(201);
  const token = await cluster.token({ id: 'conn-durable', role: 'connector', channels: ['wa-durable'] });
  const res = await fetch(`${a!.url}/api/connectors/wa-durable/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ customer: { identifier: '+46700000002' }, message: { text: 'hello', clientMessageId: 'm-durable' } }),
  });
  const { conversationId } = (await res.json()) as { conversationId: string };

  // Node A tried and failed at least once; its record says the delivery is pending.
  const failed = await receiver.next((r) => r.path === path && r.status === 503 && r.json.data.conversationId === conversationId);
  let pending: WebhookDelivery | undefined;
  while (!pending) pending = ((await cluster.admin(a!, 'GET', `/api/subscriptions/${sub.body.id}/deliveries`)).body as WebhookDelivery[]).find((d) => d.status === 'pending');
  await cluster.kill(a!, 'SIGKILL');

  receiver.release(path);
  const b = await cluster.startNode();
  const delivered = await receiver.next((r) => r.path === path && r.status === 204 && r.json.data.conversationId === conversationId, 60_000);
  expect(delivered.headers['webhook-id']).toBe(failed.headers['webhook-id']);
  expect(new Webhook(sub.body.secret).verify(delivered.raw, delivered.headers)).toMatchObject({ type: 'conversation.created' });
  expect(b.index).toBe(1);
}, 120_000);

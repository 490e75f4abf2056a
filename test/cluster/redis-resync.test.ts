import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import pino from 'pino';
import type { Activity } from '@conversation-hub/client-sdk/contract';
import type { HubClient } from '@conversation-hub/client-sdk';
import { startCluster, type Cluster, type HubNode } from '../helpers/cluster.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { collect, nextActivity, until, waitFor } from '../helpers/wait.js';

// No silent gap after a Redis restart (issue 11): messages acknowledged while a node's adapter
// subscriber was away never reach it as pushes; the node tells its sockets to `resync` once its
// Redis connections are back, and the SDK catches up. The last message counted is the last one
// sent: nothing later can reveal the gap.
const log = pino({ name: 'redis-resync.test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
/** Every acknowledged message must reach the receiver this long after Redis is back. */
const WITHIN_MS = 5_000;
/** Messages each sender has in flight through the outage. */
const BURST = 30;

let redis: PrivateRedis;
let cluster: Cluster;
beforeAll(async () => {
  redis = await startPrivateRedis();
  // The senders' bursts are above the default per-socket and per-identity call rates.
  cluster = await startCluster(2, { REDIS_URL: redis.url, HUB_SOCKET_RATE: '1000', HUB_IDENTITY_RATE: '1000' });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  await redis?.stop();
}, 30_000);

interface Pair {
  sender: HubClient;
  receiver: HubClient;
  conversationId: string;
  acked: Activity[];
  received: Activity[];
  resyncs: number;
  /** The first `conversation` push of the conversation after the join (the server sets staff sockets up again on a Redis return). */
  viewed: Promise<unknown>;
}

/** A customer sending on one node, a supervisor following the conversation on the other. */
async function pair(tag: string, senderNode: HubNode, receiverNode: HubNode): Promise<Pair> {
  const id = `${tag}-${randomUUID().slice(0, 8)}`;
  const created = await cluster.admin(senderNode, 'POST', '/api/channels', { serviceIdentifier: `rs-${id}`, name: id, channelType: 'webchat', customerInactivityTimeoutSeconds: 600 });
  expect(created.status).toBe(201);
  const sender = await cluster.client(senderNode, { id: `c-${id}`, role: 'customer', serviceIdentifier: `rs-${id}` });
  const { id: conversationId } = await sender.conversation();
  const receiver = await cluster.client(receiverNode, { id: `s-${id}`, role: 'supervisor' });
  await receiver.call('conversation.join', { conversationId });
  const all = collect(receiver);
  const viewed = waitFor<{ id: string }>((fn) => (receiver.socket.on('conversation', fn), () => receiver.socket.off('conversation', fn)), (v) => v.id === conversationId, 55_000, 'the view again');
  const p: Pair = { sender, receiver, conversationId, acked: [], received: all, resyncs: 0, viewed };
  receiver.on('resync', () => void p.resyncs++);
  return p;
}

const messagesOf = (p: Pair) => p.received.filter((a) => a.conversationId === p.conversationId && a.type === 'message' && a.from.role === 'customer');

/**
 * Sends one message and resolves once it is acknowledged: a send that fails (Redis away) is sent
 * again with the same clientMessageId, which the hub answers with the first activity.
 */
async function sendAcked(p: Pair, clientMessageId: string): Promise<Activity> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await p.sender.send(clientMessageId, { clientMessageId });
    } catch (err) {
      if (attempt >= 5) throw err;
      log.info({ err, clientMessageId, attempt }, 'send failed; sending again');
    }
  }
}

const bySeq = (list: Activity[]) => [...list].sort((a, b) => a.seq - b.seq).map((a) => a.id);

test('every message acknowledged around a Redis restart reaches the connected receiver within 5 s, with no later message', async () => {
  const [A, B] = cluster.nodes as [HubNode, HubNode];
  // Both directions: A's customer to B's supervisor, and B's customer to A's supervisor.
  const pairs = [await pair('ab', A, B), await pair('ba', B, A)];
  for (const p of pairs) {
    const first = nextActivity(p.receiver, (a) => a.type === 'message');
    p.acked.push(await p.sender.send('before the restart'));
    await first;
  }

  // Sent while Redis is down: they wait in the hub's offline queues and are committed as its
  // connections come back, each node's at its own moment, before or after the other node's
  // subscriber is subscribed again. Nothing is sent once they are acknowledged.
  await redis.kill();
  const sends = pairs.map((p) => Promise.all(Array.from({ length: BURST }, (_, i) => sendAcked(p, `${p.conversationId}-${i}`))));
  await redis.restart();
  const returnedAt = Date.now();
  const acked = await Promise.all(sends);
  pairs.forEach((p, i) => p.acked.push(...acked[i]!));
  const lastAckMs = Date.now() - returnedAt;
  const missingAtLastAck = pairs.map((p) => p.acked.length - messagesOf(p).length);

  for (const p of pairs) {
    const left = WITHIN_MS - (Date.now() - returnedAt);
    await until(p.receiver, () => messagesOf(p).length >= p.acked.length, Math.max(left, 1), `all ${p.acked.length} acknowledged messages of ${p.conversationId}`);
  }
  const allDeliveredMs = Date.now() - returnedAt;
  for (const p of pairs) {
    // Each exactly once, in seq order.
    expect(messagesOf(p).map((a) => a.id)).toEqual(bySeq(p.acked));
    expect(p.resyncs).toBeGreaterThanOrEqual(1);
    // And the view again: a participant added while pushes were lost (a bot invited) learns of it.
    await p.viewed;
  }
  expect(allDeliveredMs).toBeLessThanOrEqual(WITHIN_MS);
  log.info({ acked: pairs.map((p) => p.acked.length), missingAtLastAck, resyncs: pairs.map((p) => p.resyncs), lastAckMs, allDeliveredMs }, 'redis restart: every acknowledged message delivered');
}, 60_000);

import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Activity } from '@conversation-hub/client-sdk/contract';
import { HubClient } from '@conversation-hub/client-sdk';
import { startCluster, type Cluster, type HubNode } from '../helpers/cluster.js';
import { collect, until, waitFor } from '../helpers/wait.js';
import { startNginx, type Nginx } from './nginx.js';

/**
 * The repository's docker/nginx.conf, run for real by Debian's nginx in front of two hub processes
 * (cluster mode, the machine's Redis and Postgres): WebSocket upgrades and the API pass through,
 * the hubs see the client's address from X-Forwarded-For (which nginx replaces, not appends to),
 * and when the node behind a conversation dies its clients reconnect through nginx to the other
 * node and miss nothing.
 */

let cluster: Cluster;
let nginx: Nginx;
/** The two nodes nginx's upstream names. */
let behind: HubNode[] = [];
const opened: HubClient[] = [];

/** nginx in front of two live nodes: after a test ended one, a new node is started and nginx restarted with it. */
async function twoLiveNodesBehindNginx(): Promise<void> {
  const alive = (n: HubNode) => n.child.exitCode === null && n.child.signalCode === null;
  if (behind.length === 2 && behind.every(alive)) return;
  while (cluster.nodes.filter(alive).length < 2) await cluster.startNode();
  await nginx?.stop();
  behind = cluster.nodes.filter(alive).slice(0, 2);
  nginx = await startNginx({ 'hub-a': behind[0]!.port, 'hub-b': behind[1]!.port });
}

beforeAll(async () => {
  cluster = await startCluster(2, {
    // nginx is the one hop in front, as in docker/compose.yaml.
    HUB_TRUST_PROXY: '1',
    // 1 request a second per client address and route (bursts of 4): the address the hub sees shows.
    HUB_PUBLIC_HTTP_RATE: '1',
  });
  await twoLiveNodesBehindNginx();
}, 90_000);

afterAll(async () => {
  for (const c of opened) c.close();
  await nginx?.stop();
  await cluster?.stop();
}, 60_000);

/** An HTTP request to nginx from a chosen loopback address (all of 127.0.0.0/8 is this machine). */
function from(localAddress: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; upstream: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${nginx.url}${path}`, { method, localAddress, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, upstream: String(res.headers['x-upstream'] ?? ''), body: text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The hub node nginx sends this machine's clients to (ip_hash: every 127.0.0.x goes to the same one). */
async function nodeBehindNginx(): Promise<HubNode> {
  const { status, upstream } = await from('127.0.0.1', 'GET', '/healthz');
  expect(status).toBe(200);
  // After a failed try, nginx names every upstream it tried: the last one answered.
  const node = cluster.nodes.find((n) => upstream.endsWith(`:${n.port}`));
  if (!node) throw new Error(`nginx answered from ${upstream}, not a node of the cluster`);
  return node;
}

/**
 * Sends and resolves with the acknowledged activity, resending the same `clientMessageId` after a
 * timeout or a dead connection (the hub answers a resend with the first activity, never a copy).
 */
async function sendSurely(c: HubClient, text: string, conversationId?: string): Promise<Activity> {
  const clientMessageId = randomUUID();
  for (let attempt = 1; ; attempt++) {
    try {
      return await c.send(text, { clientMessageId, ...(conversationId ? { conversationId } : {}) });
    } catch (err) {
      if (attempt >= 10) throw err;
      if (!c.socket.connected) await waitFor<void>((fn) => (c.socket.on('connect', fn), () => c.socket.off('connect', fn)), () => true, 20_000, 'reconnect');
    }
  }
}

describe('docker/nginx.conf in front of two hubs', () => {
  test('nginx answers its own health and passes the API through', async () => {
    expect((await from('127.0.0.1', 'GET', '/nginx-health')).status).toBe(200);
    expect((await from('127.0.0.1', 'GET', '/readyz')).status).toBe(200);
    await nodeBehindNginx();
  });

  test("the hubs see the client's address: X-Forwarded-For passes through, and a client's own is replaced", async () => {
    const session = (addr: string, headers?: Record<string, string>) => from(addr, 'POST', '/api/webchat/sessions', { serviceIdentifier: 'webchat' }, headers);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await session('127.0.0.2')).status);
    // 127.0.0.2 is over its budget (bursts of 4 at 1/s)...
    expect(statuses).toContain(429);
    expect(statuses[0]).toBe(201);
    // ...and 127.0.0.3 is not, through the same nginx: the hubs count the client's address, not the proxy's.
    expect((await session('127.0.0.3')).status).toBe(201);
    // A client claiming to be 127.0.0.2 is still counted as itself: nginx replaced the header.
    expect((await session('127.0.0.4', { 'x-forwarded-for': '127.0.0.2' })).status).toBe(201);
  });

  test.each(['SIGKILL', 'SIGTERM'] as const)('a client chats through nginx (WebSocket upgrade); its node ends (%s); it goes on through the other node, missing nothing', async (signal) => {
    await twoLiveNodesBehindNginx();
    const first = await nodeBehindNginx();
    const res = await from('127.0.0.1', 'POST', '/api/webchat/sessions', { serviceIdentifier: 'webchat', prechat: { name: 'Ada' } });
    expect(res.status).toBe(201);
    const customer = new HubClient(nginx.url, { token: (JSON.parse(res.body) as { token: string }).token, channelData: {}, callTimeoutMs: 3_000 });
    opened.push(customer);
    await customer.connect();
    expect(customer.socket.io.engine.transport.name).toBe('websocket');
    const { id: conversationId } = await customer.conversation();
    const supervisor = await cluster.client(nginx.url, { id: `sup-${randomUUID()}`, role: 'supervisor', name: 'Sam' }, { callTimeoutMs: 3_000 });
    await supervisor.call('conversation.join', { conversationId });
    const connects = { customer: 0, supervisor: 0 };
    customer.socket.on('connect', () => connects.customer++);
    supervisor.socket.on('connect', () => connects.supervisor++);
    const seenByCustomer = collect(customer);
    const seenBySupervisor = collect(supervisor);

    // Customer and supervisor take turns, each message acknowledged before the next; the node dies after the 10th.
    const total = 40;
    const acked: Activity[] = [];
    let tenth!: () => void;
    const tenthAcked = new Promise<void>((resolve) => (tenth = resolve));
    const sending = (async () => {
      for (let i = 0; i < total; i++) {
        acked.push(i % 2 === 0 ? await sendSurely(customer, `m${i}`) : await sendSurely(supervisor, `m${i}`, conversationId));
        if (i === 9) tenth();
      }
    })();
    await Promise.race([tenthAcked, sending]);
    await cluster.kill(first, signal); // SIGTERM: the node drains, its sockets are told to reconnect
    await sending; // rejects if a message could not be sent at all
    const texts = acked.map((a) => (a.payload as { text: string }).text);
    expect(texts).toEqual(Array.from({ length: total }, (_, i) => `m${i}`));

    // Both went through nginx to the other node...
    const survivor = await nodeBehindNginx();
    expect(survivor).not.toBe(first);
    expect(connects.customer).toBeGreaterThanOrEqual(1);
    expect(connects.supervisor).toBeGreaterThanOrEqual(1);
    // ...and each was handed every acknowledged message once, in order.
    for (const seen of [seenByCustomer, seenBySupervisor]) {
      await until(seen === seenByCustomer ? customer : supervisor, () => acked.every((a) => seen.some((s) => s.id === a.id)), 15_000, 'every message delivered');
      const messages = seen.filter((a) => a.type === 'message');
      expect(messages.map((a) => (a.payload as { text: string }).text)).toEqual(texts);
      const seqs = seen.map((a) => a.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    }
  }, 90_000);
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { startCluster, type Cluster, type HubNode } from '../helpers/cluster.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { nextActivity } from '../helpers/wait.js';

// Two hub processes on a Redis of the test's own, which is killed and started again (AOF keeps
// the data): fan-out (the adapter's subscriptions), the store and the timers must all come back.
let redis: PrivateRedis;
let cluster: Cluster;
beforeAll(async () => {
  redis = await startPrivateRedis();
  cluster = await startCluster(2, { REDIS_URL: redis.url });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  await redis?.stop();
}, 30_000);

async function readyEverywhere(nodes: HubNode[]) {
  // /readyz pings Redis; the hubs reconnect by themselves (bounded poll: no event crosses processes).
  const deadline = Date.now() + 20_000;
  for (const n of nodes) {
    while ((await fetch(`${n.url}/readyz`).then((r) => r.status, () => 0)) !== 200) {
      if (Date.now() > deadline) throw new Error(`node ${n.index} not ready after the Redis restart`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

test('fan-out, the store and the timers recover after Redis restarts', async () => {
  const [A, B] = cluster.nodes as [HubNode, HubNode];
  const id = randomUUID().slice(0, 8);
  const created = await cluster.admin(A, 'POST', '/api/channels', { serviceIdentifier: `rr-${id}`, name: id, channelType: 'webchat', customerInactivityTimeoutSeconds: 4 });
  expect(created.status).toBe(201);
  const customer = await cluster.client(A, { id: `c-${id}`, role: 'customer', serviceIdentifier: `rr-${id}` });
  const { id: conversationId } = await customer.conversation();
  const supervisor = await cluster.client(B, { id: `s-${id}`, role: 'supervisor' });
  await supervisor.call('conversation.join', { conversationId });
  const before = nextActivity(supervisor, (a) => a.type === 'message');
  const m1 = await customer.send('before the restart');
  expect((await before).id).toBe(m1.id);

  await redis.kill();
  await redis.restart();
  await readyEverywhere([A, B]);

  // Fan-out across nodes both ways, seqs going on from where they were.
  const atSupervisor = nextActivity(supervisor, (a) => a.type === 'message' && a.from.role === 'customer' && a.seq > m1.seq, 10_000);
  const m2 = await customer.send('after the restart');
  expect(m2.seq).toBe(m1.seq + 1);
  expect((await atSupervisor).id).toBe(m2.id);
  const atCustomer = nextActivity(customer, (a) => a.type === 'message' && a.from.role === 'supervisor', 10_000);
  const m3 = await supervisor.send('heard you', { conversationId });
  expect((await atCustomer).id).toBe(m3.id);

  // The inactivity timer (armed before the restart, moved by the message after it) still fires.
  const closed = await nextActivity(supervisor, (a) => a.type === 'session.closed', 15_000);
  expect(closed.payload).toMatchObject({ reason: 'inactivity' });
}, 60_000);

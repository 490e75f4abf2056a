import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { HubClient } from '@conversation-hub/client-sdk';
import type { Actor } from '../../server/auth/tokens.js';
import type { HubRedisClient } from '../../server/redis/connect.js';
import { closeRedis, connectTestRedis, keysOf, testClusterNodes } from '../helpers/redis.js';
import { startClusterHubs } from '../helpers/cluster-hubs.js';
import { testHubConfig } from '../helpers/start-hub.js';
import { nextActivity } from '../helpers/wait.js';

// Issue 15: three hub nodes on the local three-master Redis Cluster. A conversation's keys share
// one slot; the hub's keys spread over the masters; fan-out is sharded Pub/Sub on the channel's
// own master, heard only by the nodes with a socket in the room.
const target = { clusterNodes: testClusterNodes() };
let cluster: Awaited<ReturnType<typeof startClusterHubs>>;
let redis: HubRedisClient;
const clients: HubClient[] = [];
const secrets = { jwtSecret: randomBytes(24).toString('base64url'), adminKey: randomBytes(18).toString('base64url') };

beforeAll(async () => {
  cluster = await startClusterHubs(3, (env) => testHubConfig(secrets, env), undefined, target);
  redis = await connectTestRedis(target);
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.close();
  if (redis) await closeRedis(redis);
});

async function connect(index: number, actor: Actor) {
  const node = cluster.instances[index]!;
  const c = new HubClient(node.url, { token: await node.tokens.sign(actor) });
  clients.push(c);
  return c.connect();
}

type ClusterApi = { getNodeClientForKey(key: string): Promise<HubRedisClient> };
const keyslot = async (key: string) => Number(await (await (redis as unknown as ClusterApi).getNodeClientForKey(key)).sendCommand(['CLUSTER', 'KEYSLOT', key]));

test('conversations run across nodes; each keeps its keys in one slot; the keys spread over the masters', async () => {
  const views = [];
  for (let i = 0; i < 12; i++) {
    const customer = await connect(i % 3, { id: `cust-${randomUUID()}`, role: 'customer', serviceIdentifier: 'webchat' });
    views.push(await customer.conversation());
  }
  const keys = await keysOf(redis, `${cluster.prefix}:conv:`);
  for (const view of views) {
    const own = keys.filter((k) => k.includes(`{${encodeURIComponent(view.id)}}`));
    expect(own.length).toBeGreaterThanOrEqual(2); // the hash and its log
    expect(new Set(await Promise.all(own.map(keyslot))).size).toBe(1);
  }
  const masters = (redis as unknown as { masters: { port: number }[] }).masters;
  const perMaster = await Promise.all(
    masters.map(async (m) => (await keysOf(await (redis as unknown as { nodeClient(n: unknown): Promise<HubRedisClient> }).nodeClient(m), `${cluster.prefix}:`)).length),
  );
  expect(perMaster.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
});

test('fan-out is sharded Pub/Sub on the channel slot: the node without a socket in the room hears none of it', async () => {
  const customerId = `cust-${randomUUID()}`;
  const customer = await connect(0, { id: customerId, role: 'customer', serviceIdentifier: 'webchat' });
  const view = await customer.conversation();
  const supervisor = await connect(1, { id: `sup-${randomUUID()}`, role: 'supervisor' });
  await supervisor.call('conversation.join', { conversationId: view.id });

  const channel = (room: string) => `${cluster.prefix}:socket.io#/#${room}#`;
  const subscribers = async (room: string) => {
    const node = await (redis as unknown as ClusterApi).getNodeClientForKey(channel(room));
    const reply = (await node.sendCommand(['PUBSUB', 'SHARDNUMSUB', channel(room)])) as [string, number];
    return Number(reply[1]);
  };
  expect(await subscribers(`conv:${view.id}`)).toBe(2);
  expect(await subscribers(`conv:${view.id}:agents`)).toBe(1);

  const heard = nextActivity(customer, (a) => a.type === 'message' && a.from.role === 'supervisor');
  await supervisor.send('hello across the cluster', { conversationId: view.id });
  expect((await heard).payload).toMatchObject({ text: 'hello across the cluster' });
});

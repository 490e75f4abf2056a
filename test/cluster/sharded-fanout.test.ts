import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { HubClient } from '@conversation-hub/client-sdk';
import type { Actor } from '../../server/auth/tokens.js';
import { closeRedis, connectTestRedis } from '../helpers/redis.js';
import { startClusterHubs } from '../helpers/cluster-hubs.js';
import { testHubConfig } from '../helpers/start-hub.js';
import { nextActivity } from '../helpers/wait.js';

// Issue 15: fan-out on sharded Pub/Sub, one channel per room. Checked on Redis's side: a room's
// channel has a subscriber on each node with a socket in the room, and none on the node without.
let cluster: Awaited<ReturnType<typeof startClusterHubs>>;
const clients: HubClient[] = [];
const secrets = { jwtSecret: randomBytes(24).toString('base64url'), adminKey: randomBytes(18).toString('base64url') };

beforeAll(async () => {
  cluster = await startClusterHubs(3, (env) => testHubConfig(secrets, env));
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.close();
});

async function connect(index: number, actor: Actor) {
  const node = cluster.instances[index]!;
  const c = new HubClient(node.url, { token: await node.tokens.sign(actor) });
  clients.push(c);
  return c.connect();
}

test('a conversation room is heard by the two nodes with its sockets, not by the third', async () => {
  const redis = await connectTestRedis();
  try {
    const customerId = `cust-${randomUUID()}`;
    const customer = await connect(0, { id: customerId, role: 'customer', serviceIdentifier: 'webchat' });
    const view = await customer.conversation();
    const supervisor = await connect(1, { id: `sup-${randomUUID()}`, role: 'supervisor' });
    await supervisor.call('conversation.join', { conversationId: view.id });

    const channel = (room: string) => `${cluster.prefix}:socket.io#/#${room}#`;
    const subscribers = async (room: string) => {
      const reply = (await redis.sendCommand(['PUBSUB', 'SHARDNUMSUB', channel(room)])) as [string, number];
      return Number(reply[1]);
    };
    // Node A (the customer) and node B (the supervisor) subscribed; node C has no socket there.
    expect(await subscribers(`conv:${view.id}`)).toBe(2);
    expect(await subscribers(`conv:${view.id}:agents`)).toBe(1);
    expect(await subscribers(`participant:${customerId}`)).toBe(1);

    // And the traffic still flows between A and B.
    const heard = nextActivity(customer, (a) => a.type === 'message' && a.from.role === 'supervisor');
    await supervisor.send('hello from node B', { conversationId: view.id });
    expect((await heard).payload).toMatchObject({ text: 'hello from node B' });

    // Node C's Redis connections never subscribed to this conversation's channels.
    const all = (await redis.sendCommand(['PUBSUB', 'SHARDCHANNELS', `${cluster.prefix}:socket.io#/#conv:${view.id}*`])) as string[];
    expect(all.sort()).toEqual([channel(`conv:${view.id}`), channel(`conv:${view.id}:agents`)].sort());
  } finally {
    await closeRedis(redis);
  }
});

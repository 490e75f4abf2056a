import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { startClusterHubs, type ClusterHubs } from '../helpers/cluster-hubs.js';
import { testHubConfig } from '../helpers/start-hub.js';
import { http, open, type Opened } from './raw.js';

// In a cluster the per-identity socket cap and the per-address limits are counted in Redis, over
// every node (server/transport/limits.ts, socket-cap.ts): two hubs on one Redis prefix.
let cluster: ClusterHubs;
beforeAll(async () => {
  const secret = randomBytes(24).toString('base64url');
  const secrets = { jwtSecret: secret, adminKey: randomBytes(18).toString('base64url') };
  cluster = await startClusterHubs(2, (clusterEnv) => testHubConfig(secrets, { HUB_MAX_SOCKETS_PER_IDENTITY: '2', HUB_PUBLIC_HTTP_RATE: '0.25', ...clusterEnv }));
}, 60_000);
afterAll(() => cluster?.close());

const close = (...opened: Opened[]) => opened.forEach((o) => o.ok && o.socket.close());

test('the per-identity socket cap counts the sockets on both nodes', async () => {
  const [a, b] = cluster.instances as [(typeof cluster.instances)[0], (typeof cluster.instances)[0]];
  const token = await a.tokens.sign({ id: `agent-${randomUUID()}`, role: 'agent' });
  const onA = await open(a.url, token);
  const onB = await open(b.url, token);
  expect([onA.ok, onB.ok]).toEqual([true, true]);
  for (const url of [a.url, b.url]) expect(await open(url, token)).toMatchObject({ ok: false, data: { code: 'rate_limited', details: { scope: 'sockets', limit: 2 } } });

  // A socket closed on A frees its slot for B.
  if (!onA.ok) throw new Error('unreachable');
  const gone = new Promise((resolve) => onA.socket.once('disconnect', resolve));
  onA.socket.close();
  await gone;
  // The server side handles the close on its own; a refusal here means it has not yet, so ask again.
  let again = await open(b.url, token);
  for (let i = 0; !again.ok && i < 20; i++) again = await open(b.url, token);
  expect(again.ok).toBe(true);
  close(onB, again);
});

test('a public route’s per-address limit is shared by the nodes', async () => {
  const [a, b] = cluster.instances as [(typeof cluster.instances)[0], (typeof cluster.instances)[0]];
  const session = (url: string) => http(url, 'POST', '/api/webchat/sessions', {}, { serviceIdentifier: 'webchat' });
  expect((await session(a.url)).status).toBe(201);
  expect((await session(b.url)).status).toBe(429);
});

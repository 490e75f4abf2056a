import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { HubClient } from '@conversation-hub/client-sdk';
import type { SessionExpired } from '@conversation-hub/client-sdk/contract';
import { startClusterHubs, type ClusterHubs } from '../helpers/cluster-hubs.js';
import { testHubConfig } from '../helpers/start-hub.js';
import { waitFor } from '../helpers/wait.js';
import { call, login, PASSWORD, tokenSource, uname } from './helpers.js';

// Two hub nodes on one Redis and one Postgres: disabling a user on A ends its sockets on B.
let cluster: ClusterHubs;
const adminKey = randomBytes(18).toString('base64url');
beforeAll(async () => {
  const secret = randomBytes(24).toString('base64url');
  cluster = await startClusterHubs(2, (clusterEnv) => testHubConfig({ jwtSecret: secret, adminKey }, clusterEnv));
}, 60_000);
afterAll(() => cluster?.close());

describe('disabling a user, in a cluster', () => {
  test('drops its sockets on the other node within seconds, with session.expired (revoked); no reconnect, no refresh', async () => {
    const [a, b] = cluster.instances as [NonNullable<(typeof cluster.instances)[0]>, NonNullable<(typeof cluster.instances)[0]>];
    const username = uname('ann');
    const created = await call(a.url, 'POST', '/api/users', { username, password: PASSWORD, role: 'agent', name: 'Ann' }, adminKey);
    expect(created.status).toBe(201);
    const userId = created.body.id as string;

    // The user signs in on B (a token function, as the desk does), and its socket is on B.
    const source = tokenSource(b.url, username);
    const onB = new HubClient(b.url, { token: source });
    await onB.connect();
    await onB.call('agent.state', { state: 'ready' });
    const revoked = waitFor<SessionExpired>((fn) => onB.on('session.expired', fn), () => true, 5_000, 'session.expired on B');
    const dropped = waitFor<string>(
      (fn) => {
        onB.socket.on('disconnect', fn);
        return () => onB.socket.off('disconnect', fn);
      },
      () => true,
      5_000,
      'B’s socket dropped',
    );
    const started = Date.now();
    expect((await call(a.url, 'PATCH', `/api/users/${userId}`, { disabled: true }, adminKey)).status).toBe(200);
    expect(await dropped).toBe('io server disconnect');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await revoked).toEqual({ reason: 'revoked', message: 'the user was disabled' });
    expect(onB.socket.connected).toBe(false);

    // B's cached record ages out within seconds: a token signed before the change is refused on both nodes.
    const stale = await a.tokens.signUser({ id: userId, role: 'agent', name: 'Ann' }, 60);
    await expect(new HubClient(a.url, { token: stale }).connect()).rejects.toMatchObject({ code: 'unauthorized' });
    const deadline = Date.now() + 5_000;
    for (;;) {
      const c = new HubClient(b.url, { token: stale });
      const refused = await c.connect().then(
        () => (c.close(), false),
        () => true,
      );
      if (refused) break;
      if (Date.now() > deadline) throw new Error('B still accepts a disabled user’s token after 5 s');
    }
    expect((await call(b.url, 'POST', '/api/auth/login', { username, password: PASSWORD })).status).toBe(401);
    onB.close();
  }, 30_000);

  test('a user enabled again signs in on either node', async () => {
    const [a, b] = cluster.instances as [NonNullable<(typeof cluster.instances)[0]>, NonNullable<(typeof cluster.instances)[0]>];
    const username = uname('bob');
    const { body } = await call(b.url, 'POST', '/api/users', { username, password: PASSWORD, role: 'supervisor', name: 'Bob' }, adminKey);
    await call(a.url, 'PATCH', `/api/users/${body.id}`, { disabled: true }, adminKey);
    await call(b.url, 'PATCH', `/api/users/${body.id}`, { disabled: false }, adminKey);
    const c = await new HubClient(a.url, { token: (await login(a.url, username, PASSWORD)).accessToken }).connect();
    c.close();
  });
});

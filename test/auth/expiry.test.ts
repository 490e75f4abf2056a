import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { HubClient } from '@conversation-hub/client-sdk';
import type { SessionExpired } from '@conversation-hub/client-sdk/contract';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { collect, until, waitFor } from '../helpers/wait.js';
import { call, PASSWORD, tokenSource, uname } from './helpers.js';

// Access tokens live 2 s here: the hub ends a socket when its token expires (PROTOCOL.md §2.3).
let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ HUB_ACCESS_TOKEN_TTL_SECONDS: '2' });
}, 60_000);
afterAll(() => hub?.close());

describe('an expiring access token', () => {
  test('HubClient with a token function reconnects with a fresh token and misses nothing', async () => {
    const username = uname('sup');
    expect((await hub.admin('POST', '/api/users', { username, password: PASSWORD, role: 'supervisor', name: 'Sam' })).status).toBe(201);
    const customer = await hub.customer({ name: 'Ada' });
    const { id: conversationId } = await customer.conversation();

    const source = tokenSource(hub.url, username);
    const supervisor = new HubClient(hub.url, { token: source });
    const expiries: SessionExpired[] = [];
    supervisor.on('session.expired', (p) => void expiries.push(p));
    const seen = collect(supervisor);
    await supervisor.connect();
    await supervisor.call('conversation.join', { conversationId });

    // The customer writes across about three expiries of the supervisor's token (a paced sender, not a wait).
    const texts = Array.from({ length: 30 }, (_, i) => `message ${i + 1}`);
    for (const text of texts) {
      await customer.send(text);
      await new Promise((r) => setTimeout(r, 200));
    }
    const fromCustomer = () => seen.filter((a) => a.type === 'message' && a.from.role === 'customer').map((a) => (a.payload as { text: string }).text);
    await until(supervisor, () => fromCustomer().length >= texts.length, 15_000, 'every message');

    expect(fromCustomer()).toEqual(texts); // each once, in order
    const seqs = seen.map((a) => a.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    expect(expiries.length).toBeGreaterThanOrEqual(2);
    expect(expiries[0]).toEqual({ reason: 'expired', message: 'token expired' });
    expect(source.calls).toBeGreaterThanOrEqual(3); // the first connection and every reconnect
    supervisor.close();
    customer.close();
  }, 60_000);

  test('a fixed token is ended at expiry with session.expired, and not reconnected', async () => {
    const username = uname('agent');
    await hub.admin('POST', '/api/users', { username, password: PASSWORD, role: 'agent', name: 'Ann' });
    const pair = (await call(hub.url, 'POST', '/api/auth/login', { username, password: PASSWORD })).body;
    const c = new HubClient(hub.url, { token: pair.accessToken });
    const expired = waitFor<SessionExpired>((fn) => c.on('session.expired', fn), () => true, 10_000, 'session.expired');
    const gone = waitFor<string>(
      (fn) => {
        c.socket.on('disconnect', fn);
        return () => c.socket.off('disconnect', fn);
      },
      () => true,
      10_000,
      'disconnect',
    );
    await c.connect();
    expect(await expired).toMatchObject({ reason: 'expired' });
    expect(await gone).toBe('io server disconnect');
    // and the expired token no longer opens a socket
    await expect(new HubClient(hub.url, { token: pair.accessToken }).connect()).rejects.toMatchObject({ code: 'unauthorized' });
    c.close();
  }, 30_000);
});

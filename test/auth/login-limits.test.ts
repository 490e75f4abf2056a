import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { call, PASSWORD, uname } from './helpers.js';

// Three failures per username, five per client address, in 15 minutes.
let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ HUB_LOGIN_FAILURES_PER_USER: '3', HUB_LOGIN_FAILURES_PER_IP: '5' });
}, 60_000);
afterAll(() => hub?.close());

describe('the login rate limit', () => {
  test('per username, then per address: 429, even with the right password', async () => {
    const username = uname('ann');
    await hub.admin('POST', '/api/users', { username, password: PASSWORD, role: 'agent', name: 'Ann' });
    const attempt = (u: string, p: string) => call(hub.url, 'POST', '/api/auth/login', { username: u, password: p });
    for (let i = 0; i < 3; i++) expect((await attempt(username, 'wrong password here')).status).toBe(401);
    const limited = await attempt(username, PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    // two more failures from this address under other names reach the address's limit
    expect((await attempt('nobody-1', 'wrong password here')).status).toBe(401);
    expect((await attempt('nobody-2', 'wrong password here')).status).toBe(401);
    expect((await attempt('nobody-3', 'wrong password here')).status).toBe(429);
  });
});

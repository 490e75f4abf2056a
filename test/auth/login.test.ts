import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { HubClient } from '@conversation-hub/client-sdk';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { call, login, PASSWORD, uname } from './helpers.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
}, 60_000);
afterAll(() => hub?.close());

const newUser = async (extra: Record<string, unknown> = {}) => {
  const username = uname('ann');
  const r = await hub.admin('POST', '/api/users', { username, password: PASSWORD, role: 'agent', name: 'Ann', lists: ['sales', 'billing'], ...extra });
  expect(r.status).toBe(201);
  return { username, user: r.body };
};

describe('users', () => {
  test('created by the admin key; no password or hash in any answer; short passwords refused', async () => {
    const { username, user } = await newUser({ capacity: 2 });
    expect(user).toMatchObject({ username, name: 'Ann', role: 'agent', lists: ['sales', 'billing'], skills: [], capacity: 2, disabled: false, sso: false });
    const answers = [JSON.stringify(user), JSON.stringify((await hub.admin('GET', `/api/users/${user.id}`)).body), JSON.stringify((await hub.admin('GET', '/api/users')).body)];
    for (const a of answers) {
      expect(a).not.toContain(PASSWORD);
      expect(a).not.toMatch(/scrypt|hash/i);
    }
    const short = await hub.admin('POST', '/api/users', { username: uname('bob'), password: 'short-pass', role: 'agent', name: 'Bob' });
    expect(short.status).toBe(400);
    expect(short.body.error.details.field).toBe('password');
    expect(JSON.stringify(short.body)).not.toContain('short-pass');
    expect((await hub.admin('POST', '/api/users', { username, password: PASSWORD, role: 'agent', name: 'Again' })).status).toBe(409);
    expect((await call(hub.url, 'POST', '/api/users', { username: uname('eve'), password: PASSWORD, role: 'admin', name: 'Eve' })).status).toBe(401);
  });

  test('an admin user’s access token may manage users; an agent’s may not', async () => {
    const admin = uname('root');
    expect((await hub.admin('POST', '/api/users', { username: admin, password: PASSWORD, role: 'admin', name: 'Root' })).status).toBe(201);
    const { accessToken } = await login(hub.url, admin, PASSWORD);
    expect((await call(hub.url, 'GET', '/api/users', undefined, accessToken)).status).toBe(200);
    const { username } = await newUser();
    const agent = await login(hub.url, username, PASSWORD);
    expect((await call(hub.url, 'GET', '/api/users', undefined, agent.accessToken)).status).toBe(401);
    // an admin's token opens no socket
    await expect(new HubClient(hub.url, { token: accessToken }).connect()).rejects.toMatchObject({ code: 'unauthorized' });
  });
});

describe('login', () => {
  test('a pair; the access token opens a socket as the user, with the record’s name and role', async () => {
    const { username, user } = await newUser();
    const pair = await login(hub.url, username, PASSWORD);
    expect(pair).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 900 });
    const c = new HubClient(hub.url, { token: pair.accessToken });
    await c.connect();
    expect(await c.call('agent.state', { state: 'not_ready' })).toEqual({ state: 'not_ready' });
    c.close();
    expect(user.id).toBe(JSON.parse(Buffer.from(pair.accessToken.split('.')[1]!, 'base64url').toString()).sub);
  });

  test('a wrong username and a wrong password get the same answer', async () => {
    const { username } = await newUser();
    const wrongPassword = await call(hub.url, 'POST', '/api/auth/login', { username, password: 'not the password at all' });
    const wrongUser = await call(hub.url, 'POST', '/api/auth/login', { username: `${username}-nobody`, password: PASSWORD });
    expect(wrongPassword.status).toBe(401);
    expect(wrongUser.status).toBe(401);
    expect(wrongUser.body).toEqual(wrongPassword.body);
    expect(wrongPassword.text).not.toContain('not the password');
  });

  test('refresh rotates: the new pair works, the old refresh token is spent, and presenting it again revokes the family', async () => {
    const { username } = await newUser();
    const first = await login(hub.url, username, PASSWORD);
    const second = await call(hub.url, 'POST', '/api/auth/refresh', { refreshToken: first.refreshToken });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    // the spent one again: 401, and the whole family goes, the new token included
    const reuse = await call(hub.url, 'POST', '/api/auth/refresh', { refreshToken: first.refreshToken });
    expect(reuse.status).toBe(401);
    expect((await call(hub.url, 'POST', '/api/auth/refresh', { refreshToken: second.body.refreshToken })).status).toBe(401);
    // another sign-in of the same user is its own family
    const other = await login(hub.url, username, PASSWORD);
    expect((await call(hub.url, 'POST', '/api/auth/refresh', { refreshToken: other.refreshToken })).status).toBe(200);
  });

  test('logout revokes the refresh token; 204 for unknown ones too', async () => {
    const { username } = await newUser();
    const pair = await login(hub.url, username, PASSWORD);
    expect((await call(hub.url, 'POST', '/api/auth/logout', { refreshToken: pair.refreshToken })).status).toBe(204);
    expect((await call(hub.url, 'POST', '/api/auth/refresh', { refreshToken: pair.refreshToken })).status).toBe(401);
    expect((await call(hub.url, 'POST', '/api/auth/logout', { refreshToken: 'no-such-token' })).status).toBe(204);
  });

  test('a disabled user can neither sign in, refresh, nor open a socket; enabled again, it can', async () => {
    const { username, user } = await newUser();
    const pair = await login(hub.url, username, PASSWORD);
    expect((await hub.admin('PATCH', `/api/users/${user.id}`, { disabled: true })).body.disabled).toBe(true);
    expect((await call(hub.url, 'POST', '/api/auth/login', { username, password: PASSWORD })).status).toBe(401);
    expect((await call(hub.url, 'POST', '/api/auth/refresh', { refreshToken: pair.refreshToken })).status).toBe(401);
    await expect(new HubClient(hub.url, { token: pair.accessToken }).connect()).rejects.toMatchObject({ code: 'unauthorized' });
    await hub.admin('PATCH', `/api/users/${user.id}`, { disabled: false, password: `${PASSWORD}!` });
    const again = await login(hub.url, username, `${PASSWORD}!`);
    const c = await new HubClient(hub.url, { token: again.accessToken }).connect();
    c.close();
  });
});

describe('an agent’s lists and capacity come from its record', () => {
  test('agent.state may narrow the record’s lists and capacity, not widen them', async () => {
    const { username } = await newUser({ capacity: 2 });
    const c = await new HubClient(hub.url, { token: (await login(hub.url, username, PASSWORD)).accessToken }).connect();
    try {
      await expect(c.call('agent.state', { state: 'ready', lists: ['sales', 'vip'] })).rejects.toMatchObject({ code: 'forbidden', details: { field: 'lists' } });
      await expect(c.call('agent.state', { state: 'ready', capacity: 5 })).rejects.toMatchObject({ code: 'forbidden', details: { field: 'capacity' } });
      expect(await c.call('agent.state', { state: 'ready', lists: ['sales'], capacity: 1 })).toEqual({ state: 'ready' });
      expect(await c.call('agent.state', { state: 'ready' })).toEqual({ state: 'ready' });
      const id = JSON.parse(Buffer.from((await login(hub.url, username, PASSWORD)).accessToken.split('.')[1]!, 'base64url').toString()).sub as string;
      expect(await hub.parts.routing.getAgent(id)).toMatchObject({ lists: ['sales', 'billing'], capacity: 2 });
    } finally {
      c.close();
    }
  });
});

describe('POST /api/tokens', () => {
  test('refuses role controller, naming role', async () => {
    const r = await hub.admin('POST', '/api/tokens', { sub: 'ctl', role: 'controller' });
    expect(r.status).toBe(400);
    expect(r.body.error.details.field).toBe('role');
    expect((await hub.admin('POST', '/api/tokens', { sub: 'bot-1', role: 'bot' })).status).toBe(201);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { http, open } from './raw.js';

// X-Forwarded-For is believed only from a proxy HUB_TRUST_PROXY trusts (PROTOCOL.md §9), for the
// public HTTP routes' per-address limit (req.ip) and for new sockets' (the same rule, proxy-addr).
// One request per address per 4 s and one new socket per address per 10 s, so a second one in the
// same bucket is refused at once.
const SMALL = { HUB_PUBLIC_HTTP_RATE: '0.25', HUB_IP_CONNECT_RATE: '0.1' };

let untrusting: TestHub;
let trusting: TestHub;
beforeAll(async () => {
  // Two embedded hubs (PGlite each) on a loaded machine: more than the default 30 s at times.
  [untrusting, trusting] = await Promise.all([startTestHub(SMALL), startTestHub({ ...SMALL, HUB_TRUST_PROXY: 'loopback' })]);
}, 120_000);
afterAll(async () => {
  await untrusting?.close();
  await trusting?.close();
});

const session = (hub: TestHub, xff: string) => http(hub.url, 'POST', '/api/webchat/sessions', { 'X-Forwarded-For': xff }, { serviceIdentifier: 'webchat' });
const socket = async (hub: TestHub, xff: string) => {
  const r = await open(hub.url, await hub.token({ id: `s-${randomUUID()}`, role: 'supervisor' }), { headers: { 'X-Forwarded-For': xff } });
  if (r.ok) r.socket.close();
  return r;
};

describe('without HUB_TRUST_PROXY', () => {
  test('two requests from loopback with different forged X-Forwarded-For share one bucket', async () => {
    expect((await session(untrusting, '198.51.100.1')).status).toBe(201);
    const second = await session(untrusting, '198.51.100.2');
    expect(second.status).toBe(429);
    expect(second.body.error.code).toBe('rate_limited');
  });

  test('so do two new sockets', async () => {
    expect((await socket(untrusting, '198.51.100.1')).ok).toBe(true);
    expect(await socket(untrusting, '198.51.100.2')).toMatchObject({ ok: false, message: 'rate_limited', data: { details: { scope: 'address' } } });
  });
});

describe('with HUB_TRUST_PROXY=loopback', () => {
  test('each forwarded address gets its own bucket, and one address is still limited', async () => {
    expect((await session(trusting, '198.51.100.1')).status).toBe(201);
    expect((await session(trusting, '198.51.100.2')).status).toBe(201);
    expect((await session(trusting, '198.51.100.1')).status).toBe(429);
  });

  test('new sockets too', async () => {
    expect((await socket(trusting, '198.51.100.1')).ok).toBe(true);
    expect((await socket(trusting, '198.51.100.2')).ok).toBe(true);
    expect((await socket(trusting, '198.51.100.1')).ok).toBe(false);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Socket } from 'socket.io-client';
import { WebSocket } from 'ws';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { http, open } from './raw.js';

// The hub's edges on an embedded hub (PROTOCOL.md §9): origins and CORS, security headers,
// the metrics token, the socket cap, oversized events. XFF and rate limits: xff.test.ts.
const SHOP = 'https://shop.example';
const EVIL = 'https://evil.example';
const METRICS_TOKEN = 'metrics-token-for-tests-0123';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ HUB_MAX_SOCKETS_PER_IDENTITY: '3', HUB_ALLOWED_ORIGINS: SHOP, HUB_METRICS_TOKEN: METRICS_TOKEN });
});
afterAll(() => hub.close());

const session = (headers: Record<string, string> = {}, body: unknown = { serviceIdentifier: 'webchat' }) => http(hub.url, 'POST', '/api/webchat/sessions', headers, body);

describe('origins', () => {
  test('the WebSocket upgrade from a disallowed origin is refused with 403 forbidden', async () => {
    const ws = new WebSocket(`${hub.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, { headers: { Origin: EVIL } });
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      ws.on('open', () => reject(new Error('the upgrade was accepted')));
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
    });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error).toEqual({ code: 'forbidden', message: `origin ${EVIL} is not allowed to call this hub` });
  });

  test('socket.io-client from a disallowed origin fails to connect, over WebSocket and over polling', async () => {
    const token = await hub.token({ id: `c-${randomUUID()}`, role: 'customer', serviceIdentifier: 'webchat' });
    for (const transports of [['websocket'], ['polling']] as const) {
      const r = await open(hub.url, token, { headers: { Origin: EVIL }, transports: [...transports] });
      expect(r.ok).toBe(false);
    }
    const polling = await http(hub.url, 'GET', '/socket.io/?EIO=4&transport=polling', { Origin: EVIL });
    expect(polling.status).toBe(403);
    expect(polling.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('an allowed origin connects, and the polling handshake carries its CORS header', async () => {
    const token = await hub.token({ id: `s-${randomUUID()}`, role: 'supervisor' });
    const r = await open(hub.url, token, { headers: { Origin: SHOP } });
    expect(r.ok).toBe(true);
    if (r.ok) r.socket.close();
    const polling = await http(hub.url, 'GET', '/socket.io/?EIO=4&transport=polling', { Origin: SHOP });
    expect(polling.status).toBe(200);
    expect(polling.headers['access-control-allow-origin']).toBe(SHOP);
    expect(polling.headers['x-content-type-options']).toBe('nosniff');
  });

  test('POST /api/webchat/sessions: a disallowed origin gets 403, an allowed one CORS headers, no Origin neither', async () => {
    const evil = await session({ Origin: EVIL });
    expect(evil.status).toBe(403);
    expect(evil.body.error).toEqual({ code: 'forbidden', message: `origin ${EVIL} is not allowed to call this hub` });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();

    const shop = await session({ Origin: SHOP });
    expect(shop.status).toBe(201);
    expect(shop.headers['access-control-allow-origin']).toBe(SHOP);
    expect(shop.headers.vary).toMatch(/Origin/);

    const server = await session();
    expect(server.status).toBe(201);
    expect(server.headers['access-control-allow-origin']).toBeUndefined();

    // The hub's own origin (the Host the request names) needs no listing.
    const own = await session({ Origin: hub.url });
    expect(own.status).toBe(201);
  });

  test('errors to an allowed origin carry the CORS header too', async () => {
    const bad = await session({ Origin: SHOP }, { serviceIdentifier: '' });
    expect(bad.status).toBe(400);
    expect(bad.headers['access-control-allow-origin']).toBe(SHOP);
  });

  test('the preflight is answered for an allowed origin only', async () => {
    const preflight = (origin: string) =>
      http(hub.url, 'OPTIONS', '/api/webchat/sessions', { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' });
    const ok = await preflight(SHOP);
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(SHOP);
    expect(ok.headers['access-control-allow-methods']).toMatch(/POST/);
    expect(String(ok.headers['access-control-allow-headers']).toLowerCase()).toMatch(/content-type/);
    const evil = await preflight(EVIL);
    expect(evil.status).toBe(403);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    // HUB_ALLOWED_ORIGINS replaces the embedded defaults (localhost on any port).
    expect((await preflight('http://localhost:5173')).status).toBe(403);
  });

  test('admin routes send no CORS headers, whatever the origin', async () => {
    const get = await http(hub.url, 'GET', '/api/channels', { Origin: SHOP, authorization: `Bearer ${hub.adminKey}` });
    expect(get.status).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await http(hub.url, 'OPTIONS', '/api/channels', { Origin: SHOP, 'Access-Control-Request-Method': 'GET' });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('security headers', () => {
  test('every answer has nosniff and a referrer policy; API answers are not stored; pages keep their CSP', async () => {
    for (const path of ['/api/openapi.json', '/api/nothing-here', '/healthz', '/']) {
      const r = await http(hub.url, 'GET', path);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      // The pages set their own (pages.ts: same-origin); everything else gets no-referrer.
      expect(r.headers['referrer-policy']).toBe(path === '/' && r.status === 200 ? 'same-origin' : 'no-referrer');
      if (path.startsWith('/api/')) expect(r.headers['cache-control']).toBe('no-store');
      if (path === '/' && r.status === 200) expect(r.headers['content-security-policy']).toBeDefined();
    }
  });
});

describe('/metrics', () => {
  test('401 without the token and with a wrong one, 200 with the right one', async () => {
    expect((await http(hub.url, 'GET', '/metrics')).status).toBe(401);
    const wrong = await http(hub.url, 'GET', '/metrics', { authorization: 'Bearer not-the-metrics-token-at-all' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('unauthorized');
    const right = await http(hub.url, 'GET', '/metrics', { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(right.status).toBe(200);
    expect(right.body).toMatch(/hub_sockets/);
  });
});

describe('sockets per identity', () => {
  test('the N+1th socket of one identity is refused with rate_limited; closing one frees a slot', async () => {
    const token = await hub.token({ id: `a-${randomUUID()}`, role: 'agent' });
    const opened = await Promise.all([1, 2, 3].map(() => open(hub.url, token)));
    expect(opened.map((o) => o.ok)).toEqual([true, true, true]);
    const fourth = await open(hub.url, token);
    expect(fourth).toMatchObject({ ok: false, message: 'rate_limited', data: { code: 'rate_limited', details: { scope: 'sockets', limit: 3 } } });
    expect(fourth.ok === false && fourth.data.message).toMatch(/at most 3/);

    const first = opened[0]!;
    if (!first.ok) throw new Error('unreachable');
    const gone = new Promise((resolve) => first.socket.once('disconnect', resolve));
    first.socket.close();
    await gone;
    // The server side handles the close on its own; a refusal here means it has not yet, so ask again.
    let again = await open(hub.url, token);
    for (let i = 0; !again.ok && i < 20; i++) again = await open(hub.url, token);
    expect(again.ok).toBe(true);
    for (const o of [...opened, again]) if (o.ok) o.socket.close();
  });
});

describe('oversized events', () => {
  test('an event over 256 KiB is answered too_large, naming the limit, and the socket stays connected', async () => {
    const customer = await hub.customer();
    const big = { text: 'x'.repeat(300 * 1024), clientMessageId: randomUUID() };
    // Past the typed client: the SDK would refuse nothing, the point is what the hub answers.
    const answer = await (customer.socket as unknown as Socket).timeout(10_000).emitWithAck('message.send', big);
    expect(answer).toMatchObject({ ok: false, error: { code: 'too_large', details: { limit: 256 * 1024 } } });
    expect((answer as any).error.message).toMatch(/262144 bytes \(256 KiB\)/);
    expect(customer.socket.connected).toBe(true);
    const sent = await customer.send('still here');
    expect(sent.payload).toMatchObject({ text: 'still here' });
  });
});

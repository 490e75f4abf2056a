import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SignJWT } from 'jose';
import { VisitorTokens } from '../../server/auth/visitor-tokens.js';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';

// Verified customers on the webchat (PROTOCOL.md §2.2): visitor tokens, identity tokens, the
// channel's identity secret and rule, and a typed email that identifies nobody.
let hub: TestHub;
beforeAll(async () => {
  // Many sessions from one address: lift the public endpoint's per-address limit for this file.
  hub = await startTestHub({ HUB_PUBLIC_HTTP_RATE: '1000' });
});
afterAll(() => hub.close());

let n = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${Date.now()}-${n++}`;
const newSecret = () => randomBytes(32).toString('base64url');

/** `POST /api/webchat/sessions` on node A (channel changes below are made on A too, so its channel cache knows at once). */
async function session(body: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${hub.url}/api/webchat/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** An identity token as a website's back end signs it: HS256 with the channel's identity secret. */
function identityToken(secret: string, claims: Record<string, unknown>, opts: { sub?: string; exp?: number | string | null } = {}) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' });
  if (opts.sub !== undefined) jwt = jwt.setSubject(opts.sub);
  if (opts.exp !== null) jwt = jwt.setExpirationTime(opts.exp ?? '5m');
  return jwt.sign(new TextEncoder().encode(secret));
}

/** A webchat channel with an identity secret, made on node A. */
async function identityChannel(extra: Record<string, unknown> = {}): Promise<{ serviceIdentifier: string; secret: string; id: string }> {
  const serviceIdentifier = unique('shop');
  const secret = newSecret();
  const r = await hub.admin('POST', '/api/channels', { serviceIdentifier, name: 'Shop', channelType: 'webchat', identitySecret: secret, ...extra }, { instance: 0 });
  expect(r.status).toBe(201);
  return { serviceIdentifier, secret, id: r.body.id };
}

function expectError(r: { status: number; body: any }, status: number, code: string, field?: string) {
  expect(r.status).toBe(status);
  expect(r.body.error.code).toBe(code);
  if (field) expect(r.body.error.details.field).toBe(field);
}

describe('a typed email identifies nobody', () => {
  test("a stranger who types a known customer's email is a new anonymous customer and reads nothing of the known one's conversations", async () => {
    const { serviceIdentifier, secret } = await identityChannel();
    const email = `${unique('ada')}@example.com`;
    // Ada, signed in on the shop, has a conversation.
    const ada = await hub.customer({ serviceIdentifier, identityToken: await identityToken(secret, { email, name: 'Ada' }, { sub: unique('user') }) });
    expect(ada.verified).toBe(true);
    const adaConversation = await ada.conversation();
    await ada.send('my address is 1 Secret Lane');

    // A stranger types her email in the pre-chat form, on the same channel and on the default one.
    for (const si of [serviceIdentifier, 'webchat']) {
      const stranger = await hub.customer({ serviceIdentifier: si, name: 'Ada', email });
      expect(stranger.verified).toBe(false);
      expect(stranger.customerId).not.toBe(ada.customerId);
      const own = await stranger.conversation();
      expect(own.id).not.toBe(adaConversation.id);
      expect(own.activities.some((a) => a.type === 'message')).toBe(false);
      // The typed email is kept for the agents, marked unverified.
      expect(own.channelSessions[0]!.channelData).toMatchObject({ prechatEmail: email, emailVerified: 'false' });
      expect(own.channelSessions[0]!.channelData.verified).toBeUndefined();
      // Ada's conversation is not the stranger's to read.
      await expect(stranger.call('activities.since', { conversationId: adaConversation.id, afterSeq: 0 })).rejects.toMatchObject({
        code: expect.stringMatching(/^(not_found|forbidden)$/),
      });
      const { body: strangerRecord } = await hub.admin('GET', `/api/customers/${stranger.customerId}`);
      expect(strangerRecord).toMatchObject({ known: false, identifiers: [{ channelType: 'webchat-visitor', value: expect.any(String) }] });
    }
    // The email still belongs to Ada alone.
    expect((await hub.admin('GET', `/api/customers?channelType=email&identifier=${encodeURIComponent(email)}`)).body.id).toBe(ada.customerId);
  });

  test('a client cannot claim to be verified through its channel data', async () => {
    const c = await hub.customer({ channelData: { verified: 'true', emailVerified: 'true', verifiedEmail: 'boss@example.com', locale: 'en-GB' } });
    const view = await c.conversation();
    expect(view.channelSessions[0]!.channelData).toEqual({ locale: 'en-GB' });
  });
});

describe('webchat sessions name webchat channels only', () => {
  test("a non-webchat channel is a 400 naming serviceIdentifier, and a visitorId (a connector's customer identifier) is refused", async () => {
    const type = unique('whatsapp');
    expect((await hub.admin('POST', '/api/channel-types', { id: type, name: 'WhatsApp' }, { instance: 0 })).status).toBe(201);
    const si = unique('wa');
    expect((await hub.admin('POST', '/api/channels', { serviceIdentifier: si, name: 'WA', channelType: type }, { instance: 0 })).status).toBe(201);
    expectError(await session({ serviceIdentifier: si }), 400, 'bad_request', 'serviceIdentifier');
    expectError(await session({ serviceIdentifier: 'webchat', visitorId: '+447700900123' }), 400, 'bad_request', 'visitorId');
    expectError(await session({ serviceIdentifier: unique('nowhere') }), 404, 'not_found');
  });
});

describe('visitor tokens', () => {
  test('a valid visitor token is the same anonymous customer; a forged one is a new customer, never an error', async () => {
    const first = await session({ serviceIdentifier: 'webchat' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ token: expect.any(String), customerId: expect.any(String), visitorToken: expect.any(String), verified: false, open: true });
    const again = await session({ serviceIdentifier: 'webchat', visitorToken: first.body.visitorToken });
    expect(again.body.customerId).toBe(first.body.customerId);

    const [h, p, sig] = first.body.visitorToken.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url')}.${sig}`;
    const forgeries = [
      'not-a-token',
      tampered,
      `${h}.${p}.${Buffer.from('x'.repeat(32)).toString('base64url')}`,
      first.body.token, // the customer token: signed by the hub, but not a visitor token
      await new VisitorTokens(newSecret()).issue().then((v) => v.token), // another hub's
    ];
    for (const visitorToken of forgeries) {
      const r = await session({ serviceIdentifier: 'webchat', visitorToken });
      expect(r.status).toBe(201);
      expect(r.body.customerId).not.toBe(first.body.customerId);
      expect(r.body.verified).toBe(false);
    }
  });

  test('an expired visitor token is refused by the verifier', async () => {
    const secret = newSecret();
    const expired = await new VisitorTokens(secret, -60).issue();
    expect(await new VisitorTokens(secret).verify(expired.token)).toBeNull();
    const fresh = await new VisitorTokens(secret).issue(expired.visitorId);
    expect(await new VisitorTokens(secret).verify(fresh.token)).toBe(expired.visitorId);
  });
});

describe('identity tokens', () => {
  test('a bad signature, an expired token, one without exp or sub, and alg none are 401', async () => {
    const { serviceIdentifier, secret } = await identityChannel();
    const sub = unique('user');
    const good = await identityToken(secret, {}, { sub });
    const [h, p] = good.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    const bad = [
      await identityToken(newSecret(), {}, { sub }), // another secret
      `${h}.${p}.${Buffer.from('forged-signature-forged-signature').toString('base64url')}`,
      await identityToken(secret, {}, { sub, exp: Math.floor(Date.now() / 1000) - 3600 }),
      await identityToken(secret, {}, { sub, exp: null }),
      await identityToken(secret, { email: 'x@example.com' }),
      none,
      'not-a-jwt',
    ];
    for (const identityToken of bad) expectError(await session({ serviceIdentifier, identityToken }), 401, 'unauthorized');
    // An identity token where the channel has no identity secret.
    expectError(await session({ serviceIdentifier: 'webchat', identityToken: good }), 401, 'unauthorized');
  });

  test('two sessions with valid identity tokens for the same sub are the same known customer; the verified email is linked', async () => {
    const { serviceIdentifier, secret } = await identityChannel();
    const sub = unique('user');
    const email = `${unique('grace')}@example.com`;
    const one = await session({ serviceIdentifier, identityToken: await identityToken(secret, { email, name: 'Grace' }, { sub }) });
    const two = await session({ serviceIdentifier, identityToken: await identityToken(secret, {}, { sub }) });
    expect(one.status).toBe(201);
    expect(one.body.verified).toBe(true);
    expect(two.body).toMatchObject({ customerId: one.body.customerId, verified: true });
    const { body: customer } = await hub.admin('GET', `/api/customers/${one.body.customerId}`);
    expect(customer).toMatchObject({ name: 'Grace', known: true });
    expect(customer.identifiers).toEqual(expect.arrayContaining([{ channelType: `site:${serviceIdentifier}`, value: sub }, { channelType: 'email', value: email }]));
    // Another user of the site is another customer.
    const other = await session({ serviceIdentifier, identityToken: await identityToken(secret, {}, { sub: unique('user') }) });
    expect(other.body.customerId).not.toBe(one.body.customerId);
  });

  test("a verified email finds the customer an admin made with it", async () => {
    const { serviceIdentifier, secret } = await identityChannel();
    const email = `${unique('kim')}@example.com`;
    const { body: kim } = await hub.admin('POST', '/api/customers', { name: 'Kim', identifiers: [{ channelType: 'email', value: email }] });
    const s = await session({ serviceIdentifier, identityToken: await identityToken(secret, { email }, { sub: unique('user') }) });
    expect(s.body).toMatchObject({ customerId: kim.id, verified: true });
  });

  test('a required-identity channel refuses anonymous visitors with 401 and takes verified ones', async () => {
    const { serviceIdentifier, secret } = await identityChannel({ identity: 'required' });
    expectError(await session({ serviceIdentifier }), 401, 'unauthorized');
    expectError(await session({ serviceIdentifier, prechat: { name: 'Eve', email: 'eve@example.com' } }), 401, 'unauthorized');
    const ok = await session({ serviceIdentifier, identityToken: await identityToken(secret, {}, { sub: unique('user') }) });
    expect(ok).toMatchObject({ status: 201, body: { verified: true } });
    // `required` needs a secret.
    const r = await hub.admin('POST', '/api/channels', { serviceIdentifier: unique('req'), name: 'R', channelType: 'webchat', identity: 'required' });
    expectError(r, 400, 'bad_request', 'identitySecret');
  });
});

describe('the identity secret is write-only', () => {
  test('no admin read shows it; a patch keeps it unless it names it; null removes it', async () => {
    const { serviceIdentifier, secret, id } = await identityChannel();
    const reads = [
      await hub.admin('GET', `/api/channels/${id}`),
      await hub.admin('GET', '/api/channels'),
      await hub.admin('GET', `/api/channels?serviceIdentifier=${serviceIdentifier}`),
      await hub.admin('PATCH', `/api/channels/${id}`, { name: 'Shop EMEA' }, { instance: 0 }),
    ];
    for (const r of reads) {
      expect(r.status).toBe(200);
      expect(JSON.stringify(r.body)).not.toContain(secret);
      expect(JSON.stringify(r.body)).not.toContain('identitySecret"');
    }
    expect(reads[0]!.body).toMatchObject({ identity: 'optional', identitySecretSet: true });
    const openapi = await fetch(`${hub.url}/api/openapi.json`).then((r) => r.text());
    expect(openapi).not.toContain(secret);

    // The rename kept the secret: its identity tokens still work.
    const token = await identityToken(secret, {}, { sub: unique('user') });
    expect((await session({ serviceIdentifier, identityToken: token })).status).toBe(201);
    // Too short a secret is refused; null removes it.
    expectError(await hub.admin('PATCH', `/api/channels/${id}`, { identitySecret: 'short' }, { instance: 0 }), 400, 'bad_request', 'identitySecret');
    const removed = await hub.admin('PATCH', `/api/channels/${id}`, { identitySecret: null }, { instance: 0 });
    expect(removed.body).toMatchObject({ identitySecretSet: false });
    expectError(await session({ serviceIdentifier, identityToken: token }), 401, 'unauthorized');
  });
});

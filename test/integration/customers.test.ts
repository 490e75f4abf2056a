import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { SignJWT } from 'jose';
import type { Activity } from '@conversation-hub/client-sdk/contract';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { collect, nextActivity, until } from '../helpers/wait.js';

// One customer across channels: webchat signed in on the shop's website (an identity token with her
// email, verified), then WhatsApp through a connector, linked by an admin; and her history later.
let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

const texts = (activities: Activity[]) => activities.flatMap((a) => (a.type === 'message' ? [a.payload.text] : []));

/** What the shop's back end does for a signed-in user: an HS256 JWT with the channel's identity secret (PROTOCOL.md §2.2). */
const identityToken = (secret: string, claims: { sub: string; email?: string; name?: string }) =>
  new SignJWT({ ...(claims.email ? { email: claims.email } : {}), ...(claims.name ? { name: claims.name } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret));

test('a verified webchat customer and a connector channel an admin linked are in one conversation; later, customer.history shows it with both sessions', async () => {
  const email = `ada-${process.pid}@example.com`;
  const phone = '+447700900123';
  const secret = randomBytes(32).toString('base64url');
  const sub = `shop-user-${process.pid}`;

  // The shop's web chat: a webchat channel with an identity secret its back end signs with.
  expect((await hub.admin('POST', '/api/channels', { serviceIdentifier: 'shop-web', name: 'Shop', channelType: 'webchat', identitySecret: secret })).status).toBe(201);

  // An admin sets up WhatsApp: a channel type, a channel, a connector token for it.
  expect((await hub.admin('POST', '/api/channel-types', { id: 'whatsapp', name: 'WhatsApp' })).status).toBe(201);
  expect((await hub.admin('POST', '/api/channels', { serviceIdentifier: 'wa-support', name: 'WhatsApp support', channelType: 'whatsapp' })).status).toBe(201);
  const connector = await hub.client({ id: 'wa-connector', role: 'connector', channels: ['wa-support'] });

  // Ada, signed in on the shop, chats on the web: the shop vouches for her and her email.
  const web = await hub.customer({ serviceIdentifier: 'shop-web', identityToken: await identityToken(secret, { sub, email, name: 'Ada' }) });
  expect(web.verified).toBe(true);
  const first = await web.conversation();
  const supervisor = await hub.client({ id: 'sup-customers', role: 'supervisor', name: 'Sam' });
  await supervisor.call('conversation.join', { conversationId: first.id });
  await web.send('I ordered a lamp');

  // The verified email is linked to her (known) customer, so an admin finds her by it and links her phone.
  const byEmail = await hub.admin('GET', `/api/customers?channelType=email&identifier=${encodeURIComponent(email)}`);
  expect(byEmail.body).toMatchObject({ id: web.customerId, name: 'Ada', known: true, identifiers: expect.arrayContaining([{ channelType: 'email', value: email }]) });
  const linked = await hub.admin('POST', `/api/customers/${web.customerId}/identifiers`, { channelType: 'whatsapp', value: phone });
  expect(linked.status).toBe(200);
  expect(linked.body.identifiers).toEqual(expect.arrayContaining([{ channelType: 'whatsapp', value: phone }, { channelType: 'site:shop-web', value: sub }]));
  // The agents see the session as verified.
  expect(first.channelSessions[0]!.channelData).toMatchObject({ verified: 'true', verifiedEmail: email, emailVerified: 'true' });

  // She writes on WhatsApp: the connector's message lands in the same open conversation.
  const onWeb = collect(web);
  const waSession = nextActivity(supervisor, (a) => a.type === 'session.started' && a.payload.channelSession.serviceIdentifier === 'wa-support');
  const inbound = await connector.call('connector.inbound', {
    serviceIdentifier: 'wa-support',
    customer: { identifier: phone, name: 'Ada' },
    channelData: { profileName: 'Ada L.' },
    message: { text: 'Same question from my phone', clientMessageId: 'wamid-1' },
  });
  expect(inbound.conversationId).toBe(first.id);
  expect(inbound.activity).toMatchObject({ type: 'message', from: { id: web.customerId, role: 'customer' }, payload: { text: 'Same question from my phone' } });
  expect((await waSession).payload).toMatchObject({
    channelSession: { customerId: web.customerId, channelType: 'whatsapp', channelData: { profileName: 'Ada L.', customerIdentifier: phone } },
  });
  // The web customer sees it too: one conversation, every channel.
  await until(web, () => onWeb.some((a) => a.id === inbound.activity.id));
  expect(onWeb.find((a) => a.id === inbound.activity.id)).toEqual(inbound.activity);

  const both = (await hub.admin('GET', `/api/conversations/${first.id}`)).body;
  expect(both.channelSessions.map((s: any) => [s.serviceIdentifier, s.channelType, s.state])).toEqual([
    ['shop-web', 'webchat', 'open'],
    ['wa-support', 'whatsapp', 'open'],
  ]);
  expect((await hub.admin('GET', `/api/conversations?customerId=${web.customerId}`)).body.map((c: any) => c.id)).toEqual([first.id]);

  // She leaves both channels: nobody is left, the conversation closes and is archived.
  const closed = nextActivity(supervisor, (a) => a.type === 'state.changed' && a.payload.to === 'closed', 10_000);
  await web.call('session.end', {});
  expect((await hub.parts.store.get(first.id))?.doc.state).not.toBe('closing'); // WhatsApp is still open
  await connector.call('connector.session.end', { serviceIdentifier: 'wa-support', customerIdentifier: phone });
  await closed;
  await hub.archived(first.id);

  // Days later she is back on the web, signed in from another browser: the same customer, a new conversation.
  const again = await hub.customer({ serviceIdentifier: 'shop-web', identityToken: await identityToken(secret, { sub, email, name: 'Ada' }) });
  expect(again.customerId).toBe(web.customerId);
  expect(again.visitorToken).not.toBe(web.visitorToken);
  const second = await again.conversation();
  expect(second.id).not.toBe(first.id);
  await again.send('The lamp arrived broken');

  // A supervisor asks for her history: the earlier conversation, with both channels' sessions.
  const { conversations } = await supervisor.call('customer.history', { customerId: again.customerId });
  expect(conversations.map((c) => c.id)).toEqual([second.id, first.id]); // newest first, the live one included
  const earlier = conversations[1]!;
  expect(earlier.state).toBe('closed');
  expect(earlier.channelSessions.map((s) => [s.serviceIdentifier, s.channelType, s.state, s.closeReason])).toEqual([
    ['shop-web', 'webchat', 'closed', 'customer_left'],
    ['wa-support', 'whatsapp', 'closed', 'connector'],
  ]);
  expect(texts(earlier.activities)).toEqual(['I ordered a lamp', 'Same question from my phone']);
  expect(earlier.activities.map((a) => a.seq)).toEqual(earlier.activities.map((_, i) => i + 1));
  expect(texts(conversations[0]!.activities)).toEqual(['The lamp arrived broken']);
  // The same from the archive port the engine uses.
  expect((await hub.parts.archive.history(again.customerId, 10)).map((c) => c.id)).toEqual([first.id]);
});

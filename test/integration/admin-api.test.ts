import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { nextActivity } from '../helpers/wait.js';

// The admin REST API (protocol.md §6) over real HTTP: on an embedded hub (PGlite in a temp folder), and on
// two cluster-mode instances (the admin calls alternate between them, so each write is read back on the other node).
let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

let n = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++n}`;

async function raw(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const res = await fetch(`${hub.url}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function webchatSession(serviceIdentifier: string, extra: Record<string, unknown> = {}) {
  return raw('POST', '/api/webchat/sessions', {}, { serviceIdentifier, ...extra });
}

/** A 400 whose message and details name the field. */
function expectBadField(r: { status: number; body: any }, field: string) {
  expect(r.status).toBe(400);
  expect(r.body.error.code).toBe('bad_request');
  expect(r.body.error.message).toMatch(new RegExp(`^${field.replace('.', '\\.')}: `));
  expect(r.body.error.details.field).toBe(field);
}

function expectError(r: { status: number; body: any }, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.body.error.code).toBe(code);
}

describe('the admin key', () => {
  const routes: [string, string][] = [
    ['GET', '/api/channel-types'],
    ['POST', '/api/channel-types'],
    ['DELETE', '/api/channel-types/webchat'],
    ['GET', '/api/channels'],
    ['POST', '/api/channels'],
    ['PATCH', '/api/channels/webchat'],
    ['DELETE', '/api/channels/webchat'],
    ['POST', '/api/customers'],
    ['GET', '/api/customers?channelType=email&identifier=x@example.com'],
    ['GET', '/api/customers/someone'],
    ['POST', '/api/customers/someone/identifiers'],
    ['POST', '/api/customers/someone/merge'],
    ['GET', '/api/conversations'],
    ['GET', '/api/conversations/some-id'],
  ];

  test.each(routes)('%s %s answers 401 without the key and with a wrong one', async (method, path) => {
    const body = method === 'GET' || method === 'DELETE' ? undefined : {};
    expectError(await raw(method, path, {}, body), 401, 'unauthorized');
    expectError(await raw(method, path, { authorization: `Bearer ${'x'.repeat(hub.adminKey.length)}` }, body), 401, 'unauthorized');
    expectError(await raw(method, path, { authorization: 'Bearer short' }, body), 401, 'unauthorized');
    expectError(await raw(method, path, { authorization: hub.adminKey }, body), 401, 'unauthorized'); // no "Bearer "
  });

  test('nothing changed behind a 401', async () => {
    await raw('DELETE', '/api/channels/webchat', { authorization: 'Bearer nope' });
    expect((await hub.admin('GET', '/api/channels/webchat')).status).toBe(200);
  });
});

describe('/api/channel-types', () => {
  test('create, list, get, rename, delete', async () => {
    const id = unique('sms');
    const created = await hub.admin('POST', '/api/channel-types', { id, name: 'SMS' });
    expect(created).toEqual({ status: 201, body: { id, name: 'SMS' } });
    expect((await hub.admin('GET', '/api/channel-types')).body).toEqual(expect.arrayContaining([{ id, name: 'SMS' }, { id: 'webchat', name: 'Web chat' }]));
    expect(await hub.admin('GET', `/api/channel-types/${id}`)).toEqual({ status: 200, body: { id, name: 'SMS' } });
    expect(await hub.admin('PATCH', `/api/channel-types/${id}`, { name: 'Text messages' })).toEqual({ status: 200, body: { id, name: 'Text messages' } });
    expect((await hub.admin('DELETE', `/api/channel-types/${id}`)).status).toBe(204);
    expectError(await hub.admin('GET', `/api/channel-types/${id}`), 404, 'not_found');
  });

  test('400 naming the field', async () => {
    expectBadField(await hub.admin('POST', '/api/channel-types', { id: unique('t') }), 'name');
    expectBadField(await hub.admin('POST', '/api/channel-types', { name: 'No id' }), 'id');
    expectBadField(await hub.admin('POST', '/api/channel-types', { id: '', name: 'Empty id' }), 'id');
    expectBadField(await hub.admin('PATCH', '/api/channel-types/webchat', { name: 42 }), 'name');
  });

  test('malformed JSON is a 400', async () => {
    const res = await fetch(`${hub.url}/api/channel-types`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.adminKey}`, 'content-type': 'application/json' },
      body: '{"id": ',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe('bad_request');
  });

  test('404 for unknown ids, 409 for a duplicate id and for a type a channel uses', async () => {
    expectError(await hub.admin('GET', '/api/channel-types/nope'), 404, 'not_found');
    expectError(await hub.admin('PATCH', '/api/channel-types/nope', { name: 'x' }), 404, 'not_found');
    expectError(await hub.admin('DELETE', '/api/channel-types/nope'), 404, 'not_found');
    expectError(await hub.admin('POST', '/api/channel-types', { id: 'webchat', name: 'Again' }), 409, 'conflict');

    const type = unique('voice');
    await hub.admin('POST', '/api/channel-types', { id: type, name: 'Voice' });
    const channel = await hub.admin('POST', '/api/channels', { serviceIdentifier: unique('line'), name: 'Hotline', channelType: type });
    expect(channel.status).toBe(201);
    expectError(await hub.admin('DELETE', `/api/channel-types/${type}`), 409, 'conflict');
    expect((await hub.admin('GET', `/api/channel-types/${type}`)).status).toBe(200); // still there
    expect((await hub.admin('DELETE', `/api/channels/${channel.body.id}`)).status).toBe(204);
    expect((await hub.admin('DELETE', `/api/channel-types/${type}`)).status).toBe(204);
  });
});

describe('/api/channels', () => {
  test('create applies the contract defaults; get, list and look up by serviceIdentifier', async () => {
    const si = unique('support');
    const created = await hub.admin('POST', '/api/channels', { serviceIdentifier: si, name: 'Support', channelType: 'webchat', offerTimeoutSeconds: 45 });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      serviceIdentifier: si,
      name: 'Support',
      channelType: 'webchat',
      routingMode: 'push',
      customerInactivityTimeoutSeconds: 900,
      offerTimeoutSeconds: 45,
      wrapUp: { enabled: false, timeoutSeconds: 60 },
      controller: { closeOnAgentLeave: false },
      identity: 'optional',
      identitySecretSet: false,
      apps: [],
      requiredSkills: [],
      offerRetrySeconds: 30,
      botTimeoutSeconds: 5,
    });
    expect(await hub.admin('GET', `/api/channels/${created.body.id}`)).toEqual({ status: 200, body: created.body });
    expect((await hub.admin('GET', '/api/channels')).body).toEqual(expect.arrayContaining([created.body, expect.objectContaining({ id: 'webchat' })]));
    expect(await hub.admin('GET', `/api/channels?serviceIdentifier=${si}`)).toEqual({ status: 200, body: [created.body] });
    expectError(await hub.admin('GET', `/api/channels?serviceIdentifier=${unique('none')}`), 404, 'not_found');
  });

  test('a patch changes what it names and keeps the rest (no defaults come back)', async () => {
    const si = unique('sales');
    const { body: c } = await hub.admin('POST', '/api/channels', {
      serviceIdentifier: si,
      name: 'Sales',
      channelType: 'webchat',
      routingMode: 'pull',
      listId: 'sales',
      offerTimeoutSeconds: 45,
      wrapUp: { enabled: true, timeoutSeconds: 120 },
      controller: { greeting: 'Hi!', closeOnAgentLeave: true },
    });
    const patched = await hub.admin('PATCH', `/api/channels/${c.id}`, { name: 'Sales EMEA' });
    expect(patched).toEqual({ status: 200, body: { ...c, name: 'Sales EMEA' } });
    expect((await hub.admin('GET', `/api/channels/${c.id}`)).body).toEqual(patched.body);
  });

  test('400 naming the field, on create and on patch', async () => {
    expectBadField(await hub.admin('POST', '/api/channels', { name: 'x', channelType: 'webchat' }), 'serviceIdentifier');
    expectBadField(await hub.admin('POST', '/api/channels', { serviceIdentifier: unique('x'), name: 'x', channelType: 'webchat', routingMode: 'sideways' }), 'routingMode');
    expectBadField(
      await hub.admin('POST', '/api/channels', { serviceIdentifier: unique('x'), name: 'x', channelType: 'webchat', wrapUp: { enabled: 'yes', timeoutSeconds: 5 } }),
      'wrapUp.enabled',
    );
    expectBadField(await hub.admin('POST', '/api/channels', { serviceIdentifier: unique('x'), name: 'x', channelType: 'no-such-type' }), 'channelType');
    expectBadField(await hub.admin('PATCH', '/api/channels/webchat', { offerTimeoutSeconds: -1 }), 'offerTimeoutSeconds');
    expectBadField(await hub.admin('PATCH', '/api/channels/webchat', { channelType: 'no-such-type' }), 'channelType');
    expectBadField(await hub.admin('PATCH', '/api/channels/webchat', { id: 'other' }), 'id');
    expect((await hub.admin('GET', '/api/channels/webchat')).body).toMatchObject({ offerTimeoutSeconds: 30, channelType: 'webchat' });
  });

  test('routing settings (PROTOCOL.md §1.5) round-trip, a patch replaces or removes them', async () => {
    const businessHours = {
      timezone: 'Europe/Paris',
      weekly: [
        { day: 'mon', open: '09:00', close: '12:30' },
        { day: 'mon', open: '13:30:15', close: '24:00' },
      ],
      holidays: ['2026-12-25'],
      closedMessage: 'We are closed; we answer from 9:00.',
    };
    const queue = { maxWaitSeconds: 120.5, overflowListId: 'backup', overflowMessage: 'Sorry, nobody is free.' };
    const created = await hub.admin('POST', '/api/channels', {
      serviceIdentifier: unique('routed'),
      name: 'Routed',
      channelType: 'webchat',
      requiredSkills: ['french', 'billing'],
      offerRetrySeconds: 12.5,
      queue,
      businessHours,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ requiredSkills: ['french', 'billing'], offerRetrySeconds: 12.5, queue, businessHours });
    expect((await hub.admin('GET', `/api/channels/${created.body.id}`)).body).toEqual(created.body);

    const patched = await hub.admin('PATCH', `/api/channels/${created.body.id}`, { queue: { maxWaitSeconds: 60 }, requiredSkills: [] });
    expect(patched).toEqual({ status: 200, body: { ...created.body, queue: { maxWaitSeconds: 60 }, requiredSkills: [] } });
    // `undefined` is dropped by JSON: an absent key keeps the stored value, so removal is a full re-create; a null is a 400.
    expectBadField(await hub.admin('PATCH', `/api/channels/${created.body.id}`, { businessHours: null }), 'businessHours');
    expect((await hub.admin('GET', `/api/channels/${created.body.id}`)).body).toEqual(patched.body);
  });

  test('routing settings: 400 naming the field', async () => {
    const base = () => ({ serviceIdentifier: unique('bad'), name: 'Bad', channelType: 'webchat' });
    const hours = (over: Record<string, unknown> = {}, day: Record<string, unknown> = {}) => ({
      businessHours: { timezone: 'Europe/Paris', weekly: [{ day: 'tue', open: '09:00', close: '17:00', ...day }], closedMessage: 'Closed', ...over },
    });
    expectBadField(await hub.admin('POST', '/api/channels', { ...base(), ...hours({ timezone: 'Mars/Olympus_Mons' }) }), 'businessHours.timezone');
    expectBadField(await hub.admin('POST', '/api/channels', { ...base(), ...hours({}, { open: '9:00' }) }), 'businessHours.weekly.0.open');
    expectBadField(await hub.admin('POST', '/api/channels', { ...base(), ...hours({}, { close: '24:30' }) }), 'businessHours.weekly.0.close');
    expectBadField(await hub.admin('POST', '/api/channels', { ...base(), ...hours({}, { open: '17:00', close: '09:00' }) }), 'businessHours.weekly.0');
    expectBadField(await hub.admin('POST', '/api/channels', { ...base(), ...hours({}, { open: '09:00', close: '09:00:00' }) }), 'businessHours.weekly.0');
    expectBadField(await hub.admin('POST', '/api/channels', { ...base(), ...hours({}, { day: 'monday' }) }), 'businessHours.weekly.0.day');
    expectBadField(await hub.admin('POST', '/api/channels', { ...base(), ...hours({ holidays: ['25/12/2026'] }) }), 'businessHours.holidays.0');
    expectBadField(await hub.admin('POST', '/api/channels', { ...base(), ...hours({ opensEarly: true }) }), 'businessHours');
    expectBadField(await hub.admin('POST', '/api/channels', { ...base(), ...hours({}, { lunch: '12:00' }) }), 'businessHours.weekly.0');
    expectBadField(await hub.admin('POST', '/api/channels', { ...base(), queue: { maxWaitSeconds: 0 } }), 'queue.maxWaitSeconds');
    expectBadField(await hub.admin('POST', '/api/channels', { ...base(), queue: { overflowList: 'x' } }), 'queue');
    expectBadField(await hub.admin('POST', '/api/channels', { ...base(), offerRetrySeconds: 0 }), 'offerRetrySeconds');
    expectBadField(await hub.admin('POST', '/api/channels', { ...base(), requiredSkills: [''] }), 'requiredSkills.0');
    expectBadField(await hub.admin('PATCH', '/api/channels/webchat', hours({ timezone: 'Nowhere' })), 'businessHours.timezone');
    expect((await hub.admin('GET', '/api/channels/webchat')).body.businessHours).toBeUndefined();
  });

  test('the webchat session answers whether the channel is open now, and its next opening', async () => {
    const make = async (businessHours?: unknown) => {
      const si = unique('hours');
      expect((await hub.admin('POST', '/api/channels', { serviceIdentifier: si, name: 'Hours', channelType: 'webchat', ...(businessHours ? { businessHours } : {}) })).status).toBe(201);
      return (await webchatSession(si)).body;
    };
    expect(await make()).toMatchObject({ open: true });
    expect((await make()).nextOpeningAt).toBeUndefined();
    const always = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, open: '00:00', close: '24:00' }));
    expect(await make({ timezone: 'UTC', weekly: always, closedMessage: 'Closed' })).toMatchObject({ open: true });
    // Open only on the weekday after tomorrow (UTC): closed now, opening at that day's midnight.
    const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
    const later = new Date(Date.now() + 2 * 86_400_000);
    const closed = await make({ timezone: 'UTC', weekly: [{ day: days[later.getUTCDay()], open: '00:00', close: '01:00' }], closedMessage: 'Closed' });
    expect(closed).toMatchObject({ open: false, nextOpeningAt: `${later.toISOString().slice(0, 10)}T00:00:00.000Z` });
    expect(await make({ timezone: 'UTC', weekly: [], closedMessage: 'Closed' })).toEqual(expect.not.objectContaining({ nextOpeningAt: expect.anything() }));
  });

  test('404 for unknown ids, 409 for a duplicate serviceIdentifier (create and rename)', async () => {
    expectError(await hub.admin('GET', '/api/channels/nope'), 404, 'not_found');
    expectError(await hub.admin('PATCH', '/api/channels/nope', { name: 'x' }), 404, 'not_found');
    expectError(await hub.admin('DELETE', '/api/channels/nope'), 404, 'not_found');
    expectError(await hub.admin('POST', '/api/channels', { serviceIdentifier: 'webchat', name: 'Dup', channelType: 'webchat' }), 409, 'conflict');
    const { body: other } = await hub.admin('POST', '/api/channels', { serviceIdentifier: unique('other'), name: 'Other', channelType: 'webchat' });
    expectError(await hub.admin('PATCH', `/api/channels/${other.id}`, { serviceIdentifier: 'webchat' }), 409, 'conflict');
  });

  test('a change takes effect on this node at once, despite the channel cache', async () => {
    // The admin calls go to the node the sessions are opened on (A): other nodes see a change within the cache's TTL.
    const here = { instance: 0 };
    const si = unique('promo');
    // A miss is cached too; creating the channel must clear it.
    expectError(await webchatSession(si), 404, 'not_found');
    const { body: c } = await hub.admin('POST', '/api/channels', { serviceIdentifier: si, name: 'Promo', channelType: 'webchat' }, here);
    expect((await webchatSession(si)).status).toBe(201);

    const renamed = unique('promo-renamed');
    await hub.admin('PATCH', `/api/channels/${c.id}`, { serviceIdentifier: renamed }, here);
    expectError(await webchatSession(si), 404, 'not_found');
    expect((await webchatSession(renamed)).status).toBe(201);

    expect((await hub.admin('DELETE', `/api/channels/${c.id}`, undefined, here)).status).toBe(204);
    expectError(await webchatSession(renamed), 404, 'not_found');
  });
});

describe('/api/customers', () => {
  test('create (known by default), get, look up by identifier', async () => {
    const email = `${unique('grace')}@example.com`;
    const created = await hub.admin('POST', '/api/customers', { name: 'Grace', identifiers: [{ channelType: 'email', value: email }], attributes: { tier: 'gold' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), name: 'Grace', identifiers: [{ channelType: 'email', value: email }], known: true, attributes: { tier: 'gold' } });
    expect(await hub.admin('GET', `/api/customers/${created.body.id}`)).toEqual({ status: 200, body: created.body });
    expect(await hub.admin('GET', `/api/customers?channelType=email&identifier=${encodeURIComponent(email)}`)).toEqual({ status: 200, body: created.body });
    const anonymous = await hub.admin('POST', '/api/customers', { known: false });
    expect(anonymous).toMatchObject({ status: 201, body: { known: false, identifiers: [] } });
  });

  test('a visitor from the webchat endpoint is an anonymous customer the admin can find', async () => {
    const s = await webchatSession('webchat');
    const found = await hub.admin('GET', `/api/customers/${s.body.customerId}`);
    // The visitor's identifier is a hub-made id in its own namespace (PROTOCOL.md §2.2), not anything the client sent.
    expect(found.body).toMatchObject({ id: s.body.customerId, known: false, identifiers: [{ channelType: 'webchat-visitor', value: expect.any(String) }] });
    const [visitor] = found.body.identifiers;
    expect((await hub.admin('GET', `/api/customers?channelType=webchat-visitor&identifier=${visitor.value}`)).body.id).toBe(s.body.customerId);
  });

  test('adding an identifier links it (again is a no-op); an email makes the customer known', async () => {
    const { body: c } = await hub.admin('POST', '/api/customers', { known: false });
    const phone = { channelType: 'whatsapp', value: `+44${Date.now()}${n++}` };
    const added = await hub.admin('POST', `/api/customers/${c.id}/identifiers`, phone);
    expect(added).toEqual({ status: 200, body: { ...c, identifiers: [phone] } });
    expect((await hub.admin('POST', `/api/customers/${c.id}/identifiers`, phone)).body.identifiers).toEqual([phone]);
    const email = { channelType: 'email', value: `${unique('k')}@example.com` };
    expect((await hub.admin('POST', `/api/customers/${c.id}/identifiers`, email)).body).toMatchObject({ known: true, identifiers: [phone, email] });
    expect((await hub.admin('GET', `/api/customers?channelType=whatsapp&identifier=${encodeURIComponent(phone.value)}`)).body.id).toBe(c.id);
  });

  test('merging an anonymous visitor into a known customer moves its identifiers; the old id still resolves', async () => {
    const s = await webchatSession('webchat', { prechat: { name: 'Vic' } });
    const [visitor] = (await hub.admin('GET', `/api/customers/${s.body.customerId}`)).body.identifiers;
    const { body: known } = await hub.admin('POST', '/api/customers', { name: 'Victoria', identifiers: [{ channelType: 'email', value: `${unique('vic')}@example.com` }] });
    const merged = await hub.admin('POST', `/api/customers/${known.id}/merge`, { sourceCustomerId: s.body.customerId });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ id: known.id, name: 'Victoria', known: true });
    expect(merged.body.identifiers).toEqual(expect.arrayContaining([...known.identifiers, visitor]));
    expect((await hub.admin('GET', `/api/customers?channelType=${visitor.channelType}&identifier=${visitor.value}`)).body.id).toBe(known.id);
    expect((await hub.admin('GET', `/api/customers/${s.body.customerId}`)).body.id).toBe(known.id);
    // The visitor's next session is the known customer.
    expect((await webchatSession('webchat', { visitorToken: s.body.visitorToken })).body.customerId).toBe(known.id);
    // Merging again is a no-op.
    expect((await hub.admin('POST', `/api/customers/${known.id}/merge`, { sourceCustomerId: s.body.customerId })).status).toBe(200);
  });

  test('400 naming the field', async () => {
    expectBadField(await hub.admin('POST', '/api/customers', { identifiers: [{ channelType: 'email' }] }), 'identifiers.0.value');
    expectBadField(await hub.admin('POST', '/api/customers', { known: 'yes' }), 'known');
    expectBadField(await hub.admin('GET', '/api/customers?channelType=email'), 'identifier');
    expectBadField(await hub.admin('GET', '/api/customers?identifier=x'), 'channelType');
    const { body: c } = await hub.admin('POST', '/api/customers', {});
    expectBadField(await hub.admin('POST', `/api/customers/${c.id}/identifiers`, { channelType: 'email', value: '' }), 'value');
    expectBadField(await hub.admin('POST', `/api/customers/${c.id}/identifiers`, { value: 'x' }), 'channelType');
    expectBadField(await hub.admin('POST', `/api/customers/${c.id}/merge`, {}), 'sourceCustomerId');
    expectBadField(await hub.admin('POST', `/api/customers/${c.id}/merge`, { sourceCustomerId: c.id }), 'sourceCustomerId');
  });

  test('404 for unknown customers and identifiers', async () => {
    const { body: c } = await hub.admin('POST', '/api/customers', {});
    expectError(await hub.admin('GET', '/api/customers/nope'), 404, 'not_found');
    expectError(await hub.admin('GET', `/api/customers?channelType=email&identifier=${unique('nobody')}%40example.com`), 404, 'not_found');
    expectError(await hub.admin('POST', '/api/customers/nope/identifiers', { channelType: 'email', value: 'a@example.com' }), 404, 'not_found');
    expectError(await hub.admin('POST', '/api/customers/nope/merge', { sourceCustomerId: c.id }), 404, 'not_found');
    expectError(await hub.admin('POST', `/api/customers/${c.id}/merge`, { sourceCustomerId: 'nope' }), 404, 'not_found');
  });

  test('409 for an identifier another customer has, on create and on add', async () => {
    const email = { channelType: 'email', value: `${unique('taken')}@example.com` };
    const { body: owner } = await hub.admin('POST', '/api/customers', { identifiers: [email] });
    expectError(await hub.admin('POST', '/api/customers', { identifiers: [email] }), 409, 'conflict');
    const { body: other } = await hub.admin('POST', '/api/customers', {});
    expectError(await hub.admin('POST', `/api/customers/${other.id}/identifiers`, email), 409, 'conflict');
    expect((await hub.admin('GET', `/api/customers?channelType=email&identifier=${encodeURIComponent(email.value)}`)).body.id).toBe(owner.id);
  });
});

describe('/api/conversations', () => {
  test('a live conversation, then the same one archived: listed by customer and state, and read with its log', async () => {
    const customer = await hub.customer({ name: 'Lin', channelData: { locale: 'de-DE' } });
    const view = await customer.conversation();
    const supervisor = await hub.client({ id: unique('sup'), role: 'supervisor', name: 'Sam' });
    await supervisor.call('conversation.join', { conversationId: view.id });
    const message = await customer.send('Wo ist meine Bestellung?');

    const listed = await hub.admin('GET', `/api/conversations?customerId=${customer.customerId}`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([expect.objectContaining({ id: view.id, customerId: customer.customerId, state: 'created' })]);
    expect((await hub.admin('GET', `/api/conversations?customerId=${customer.customerId}&state=created`)).body.map((c: any) => c.id)).toEqual([view.id]);
    expect((await hub.admin('GET', `/api/conversations?customerId=${customer.customerId}&state=closed`)).body).toEqual([]);
    expect((await hub.admin('GET', '/api/conversations?state=created')).body.map((c: any) => c.id)).toContain(view.id);

    const live = await hub.admin('GET', `/api/conversations/${view.id}`);
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ id: view.id, state: 'created', channelSessions: [{ state: 'open', channelData: { locale: 'de-DE' } }] });
    expect(live.body.activities.map((a: any) => a.seq)).toEqual(live.body.activities.map((_: unknown, i: number) => i + 1));
    expect(live.body.activities).toContainEqual(message);
    expect(live.body.lastSeq).toBe(live.body.activities.at(-1).seq);

    const closed = nextActivity(supervisor, (a) => a.type === 'state.changed' && a.payload.to === 'closed', 10_000);
    await customer.call('session.end', {});
    await closed;
    await hub.archived(view.id);

    const archived = await hub.admin('GET', `/api/conversations/${view.id}`);
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({ id: view.id, customerId: customer.customerId, state: 'closed', channelSessions: [{ state: 'closed', closeReason: 'customer_left' }] });
    expect(archived.body.activities).toContainEqual(message);
    expect((await hub.admin('GET', `/api/conversations?customerId=${customer.customerId}`)).body).toEqual([
      expect.objectContaining({ id: view.id, state: 'closed' }),
    ]);
    expect((await hub.admin('GET', `/api/conversations?customerId=${customer.customerId}&state=closed`)).body.map((c: any) => c.id)).toEqual([view.id]);
  });

  test('newest first, across live and archived, and limit', async () => {
    const first = await hub.customer();
    const v1 = await first.conversation();
    await first.call('session.end', {});
    await hub.archived(v1.id);
    const next = await hub.customer({ visitorToken: first.visitorToken }); // the same visitor comes back
    const v2 = await next.conversation();
    expect(v2.id).not.toBe(v1.id);
    const both = await hub.admin('GET', `/api/conversations?customerId=${first.customerId}`);
    expect(both.body.map((c: any) => [c.id, c.state])).toEqual([
      [v2.id, 'created'],
      [v1.id, 'closed'],
    ]);
    expect((await hub.admin('GET', `/api/conversations?customerId=${first.customerId}&limit=1`)).body.map((c: any) => c.id)).toEqual([v2.id]);
  });

  test('400 naming the field, 404 for an unknown id', async () => {
    expectBadField(await hub.admin('GET', '/api/conversations?state=asleep'), 'state');
    expectBadField(await hub.admin('GET', '/api/conversations?limit=0'), 'limit');
    expectBadField(await hub.admin('GET', '/api/conversations?customerId=a&customerId=b'), 'customerId');
    expectError(await hub.admin('GET', '/api/conversations/00000000-0000-0000-0000-000000000000'), 404, 'not_found');
  });
});

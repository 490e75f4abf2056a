import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { HubCallError, HubClient } from '@conversation-hub/client-sdk';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

describe('input that Postgres would refuse is refused at the edge, with the field named', () => {
  test('admin path ids with NUL or a lone surrogate are 400, not 500', async () => {
    for (const path of ['/api/customers/%00', '/api/channels/%00', '/api/conversations/%00', '/api/channel-types/%00', '/api/users/%00']) {
      const res = await hub.admin('GET', path);
      expect({ path, status: res.status, field: res.body?.error?.details?.field }).toEqual({ path, status: 400, field: 'id' });
    }
    // A lone surrogate cannot even be spelled in UTF-8: the path does not decode, and that is a 400 too.
    expect((await hub.admin('GET', '/api/customers/%ED%A0%80x')).status).toBe(400);
  });

  test('sign-in bodies with NUL are 400 naming the field', async () => {
    const res = await fetch(`${hub.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'demo\u0000agent', password: 'x'.repeat(12) }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { details: { field: string } } }).error.details.field).toBe('username');
  });

  test("a customer's handshake with bad channel data fails with bad_request naming the key, not silently dropped", async () => {
    const token = await hub.token({ id: `cust-${randomUUID().slice(0, 8)}`, role: 'customer', serviceIdentifier: 'webchat' });
    const bad = new HubClient(hub.url, { token, channelData: { locale: 'en\u0000GB' } });
    const err = await bad.connect().then(
      () => null,
      (e: unknown) => e,
    );
    bad.close();
    expect(err).toBeInstanceOf(HubCallError);
    expect((err as HubCallError).code).toBe('bad_request');
    expect((err as HubCallError).details).toMatchObject({ field: 'locale' });
    // The same customer with good data connects.
    const good = new HubClient(hub.url, { token, channelData: { locale: 'en-GB' } });
    await good.connect();
    expect((await good.conversation()).channelSessions[0]!.channelData.locale).toBe('en-GB');
    good.close();
  });
});

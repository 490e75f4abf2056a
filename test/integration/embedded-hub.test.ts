import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { io } from 'socket.io-client';
import type { Activity, TypingPush } from '@conversation-hub/client-sdk/contract';
import { HubCallError } from '@conversation-hub/client-sdk';
import { startTestHub, testMode, type TestHub } from '../helpers/start-hub.js';
import { collect, nextActivity, until, waitFor } from '../helpers/wait.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

async function customerAndSupervisor(name = 'Ada') {
  const customer = await hub.customer({ name, channelData: { browser: 'Firefox', locale: 'en-GB' } });
  const view = await customer.conversation();
  const supervisor = await hub.client({ id: `sup-${Math.random()}`, role: 'supervisor', name: 'Sam' });
  const { conversation } = await supervisor.call('conversation.join', { conversationId: view.id });
  return { customer, supervisor, conversation, conversationId: view.id };
}

describe(`${testMode} hub: conversations over real sockets`, () => {
  test('a customer and a supervisor exchange messages', async () => {
    const { customer, supervisor, conversation, conversationId } = await customerAndSupervisor();
    expect(conversation.state).toBe('created'); // a supervisor is not an agent
    expect(conversation.channelSessions).toHaveLength(1);
    expect(conversation.channelSessions[0]!.channelData).toEqual({ browser: 'Firefox', locale: 'en-GB' });
    expect(conversation.participants.map((p) => p.role).sort()).toEqual(['customer', 'supervisor']);

    const atSupervisor = nextActivity(supervisor, (a) => a.type === 'message');
    const sent = await customer.send('Hello, my card was declined');
    expect(sent).toMatchObject({ type: 'message', visibility: 'all', from: { role: 'customer', name: 'Ada' }, payload: { text: 'Hello, my card was declined' } });
    expect(await atSupervisor).toEqual(sent);

    const atCustomer = nextActivity(customer, (a) => a.type === 'message' && a.from.role === 'supervisor');
    const reply = await supervisor.send('Let me look into it', { conversationId });
    expect(reply.seq).toBeGreaterThan(sent.seq);
    expect(await atCustomer).toEqual(reply);
  });

  test('messages sent back to back from one socket keep their order, in seqs and at the other end', async () => {
    const { customer, supervisor } = await customerAndSupervisor();
    const seen = collect(supervisor);
    // Not awaited one by one: all 60 are on the wire before the first answer comes back.
    const texts = Array.from({ length: 60 }, (_, i) => `burst ${i}`);
    const sent = await Promise.all(texts.map((t) => customer.send(t)));
    expect(sent.map((a) => a.payload)).toEqual(texts.map((text) => ({ text })));
    const seqs = sent.map((a) => a.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    await until(supervisor, () => seen.some((a) => a.id === sent.at(-1)!.id));
    expect(seen.filter((a) => a.type === 'message' && a.from.role === 'customer').map((a) => (a.payload as { text: string }).text)).toEqual(texts);
  });

  test('a resent clientMessageId returns the first activity, not a copy', async () => {
    const { customer, supervisor, conversationId } = await customerAndSupervisor();
    const seen = collect(supervisor);
    const first = await customer.send('once', { clientMessageId: 'cm-1' });
    const again = await customer.send('once (retry)', { clientMessageId: 'cm-1' });
    expect(again).toEqual(first);
    const marker = await customer.send('after');
    await until(supervisor, () => seen.some((a) => a.id === marker.id));
    expect(seen.filter((a) => a.clientMessageId === 'cm-1')).toHaveLength(1);
    const { activities } = await supervisor.call('activities.since', { conversationId, afterSeq: 0 });
    expect(activities.filter((a) => a.clientMessageId === 'cm-1')).toHaveLength(1);
    expect(marker.seq).toBe(first.seq + 1);
  });

  test('a whisper never reaches the customer, live or by since', async () => {
    const { customer, supervisor, conversationId } = await customerAndSupervisor();
    const raw: Activity[] = [];
    customer.socket.on('activity', (a) => raw.push(a));
    const seen = collect(customer);
    const whisper = await supervisor.call('whisper.send', { conversationId, text: 'offer a refund' });
    expect(whisper.activity).toMatchObject({ type: 'whisper', visibility: 'agents' });
    const after = await supervisor.send('visible to all', { conversationId });
    await until(customer, () => seen.some((a) => a.id === after.id));
    expect(raw.some((a) => a.visibility === 'agents')).toBe(false);
    expect(seen.some((a) => a.type === 'whisper')).toBe(false);
    const { activities } = await customer.call('activities.since', { conversationId, afterSeq: 0 });
    expect(activities.some((a) => a.visibility === 'agents')).toBe(false);
    expect(activities.map((a) => a.id)).toContain(after.id);
  });

  test('a client that is away while activities are sent gets each once, in order, after it reconnects', async () => {
    const { customer, supervisor, conversationId } = await customerAndSupervisor();
    const seen = collect(customer);
    const before = await supervisor.send('before', { conversationId });
    await until(customer, () => seen.some((a) => a.id === before.id));

    const gone = waitFor<string>((fn) => (customer.socket.on('disconnect', fn), () => customer.socket.off('disconnect', fn)));
    customer.socket.io.engine.close(); // the transport drops; the client reconnects by itself
    await gone;
    const sent: Activity[] = [];
    for (let i = 0; i < 20; i++) sent.push(await supervisor.send(`while away ${i}`, { conversationId }));
    await until(customer, () => seen.some((a) => a.id === sent.at(-1)!.id), 10_000, 'catch-up after reconnect');

    const seqs = seen.map((a) => a.seq);
    expect(new Set(seqs).size).toBe(seqs.length); // exactly once
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs); // in order
    for (const a of sent) expect(seen.filter((s) => s.id === a.id)).toHaveLength(1);
  });

  test('typing is relayed to the others, not to the typist, and never stored', async () => {
    const { customer, supervisor, conversationId } = await customerAndSupervisor();
    const ownEcho: unknown[] = [];
    customer.onTyping((t) => ownEcho.push(t));
    const atSupervisor = waitFor<TypingPush>((fn) => supervisor.onTyping(fn));
    await customer.typing(true);
    expect(await atSupervisor).toEqual({ conversationId, from: { id: customer.customerId, role: 'customer', name: 'Ada' }, typing: true });
    // A supervisor monitors silently until it speaks; then its typing shows too.
    await supervisor.send('I am with you', { conversationId });
    const atCustomer = waitFor<TypingPush>((fn) => customer.onTyping(fn));
    await supervisor.typing(true, conversationId);
    expect((await atCustomer).from.role).toBe('supervisor');
    expect(ownEcho.every((t) => (t as { from: { role: string } }).from.role !== 'customer')).toBe(true);
    const { activities, lastSeq } = await supervisor.call('activities.since', { conversationId, afterSeq: 0 });
    expect(activities.some((a) => (a.type as string) === 'typing')).toBe(false);
    expect(lastSeq).toBe(activities.at(-1)!.seq);
  });

  test('two tabs of one customer share one channel session', async () => {
    const first = await hub.customer();
    const view1 = await first.conversation();
    const second = await hub.customer({ visitorToken: first.visitorToken, instance: 1 }); // on node B in a cluster
    const view2 = await second.conversation();
    expect(view2.id).toBe(view1.id);
    expect(view2.channelSessions.filter((s) => s.state === 'open')).toHaveLength(1);
    const inOtherTab = nextActivity(first, (a) => a.type === 'message');
    const sent = await second.send('from tab two');
    expect((await inOtherTab).id).toBe(sent.id);
  });

  test('session.end closes the channel session and the conversation goes to closing', async () => {
    const { customer, supervisor } = await customerAndSupervisor();
    const closed = nextActivity(supervisor, (a) => a.type === 'session.closed');
    await customer.call('session.end', {});
    expect((await closed).payload).toMatchObject({ reason: 'customer_left', channelSession: { state: 'closed' } });
  });
});

describe(`${testMode} hub: bad input`, () => {
  test('a payload of the wrong shape, a missing field, an unknown event and a forbidden call each get a clear error; the server stays up', async () => {
    const { customer, conversationId } = await customerAndSupervisor();
    const wrongShape = await customer.call('message.send', { text: 42 } as never).catch((e: HubCallError) => e);
    expect(wrongShape).toBeInstanceOf(HubCallError);
    expect((wrongShape as HubCallError).code).toBe('bad_request');
    expect((wrongShape as HubCallError).details).toMatchObject({ field: 'text' });

    const missing = await customer.call('message.send', { text: 'hi' } as never).catch((e: HubCallError) => e);
    expect((missing as HubCallError).code).toBe('bad_request');
    expect((missing as HubCallError).details).toMatchObject({ field: 'clientMessageId' });

    const unknown = await customer.call('no.such.event' as never, {} as never).catch((e: HubCallError) => e);
    expect((unknown as HubCallError).code).toBe('bad_request');
    expect((unknown as HubCallError).message).toMatch(/unknown event/);

    const notPayload = await customer.call('activities.since', 'garbage' as never).catch((e: HubCallError) => e);
    expect((notPayload as HubCallError).code).toBe('bad_request');

    const tooLong = await customer.call('message.send', { text: 'x'.repeat(20_000), clientMessageId: 'big' }).catch((e: HubCallError) => e);
    expect((tooLong as HubCallError).code).toBe('too_large');

    const forbidden = await customer.call('whisper.send', { conversationId, text: 'x' }).catch((e: HubCallError) => e);
    expect((forbidden as HubCallError).code).toBe('forbidden');

    // Still connected, still served.
    expect(customer.socket.connected).toBe(true);
    expect((await customer.send('still here')).payload).toEqual({ text: 'still here' });
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
  });

  test('a participant who is not in a conversation cannot write to or read it', async () => {
    const { conversationId } = await customerAndSupervisor();
    const stranger = await hub.client({ id: 'stranger', role: 'agent' });
    const write = await stranger.send('hi', { conversationId }).catch((e: HubCallError) => e);
    expect((write as HubCallError).code).toBe('forbidden');
    const read = await stranger.call('activities.since', { conversationId, afterSeq: 0 }).catch((e: HubCallError) => e);
    expect((read as HubCallError).code).toBe('not_found');
  });

  test('a bad or missing token fails the handshake with unauthorized', async () => {
    for (const auth of [{ token: 'not-a-jwt' }, {}]) {
      const socket = io(hub.url, { transports: ['websocket'], auth, reconnection: false });
      const err = await waitFor<Error>((fn) => (socket.on('connect_error', fn), () => socket.off('connect_error', fn)));
      expect(err.message).toBe('unauthorized');
      socket.close();
    }
  });

  test('HTTP: bad bodies get 400 naming the field, tokens need the admin key', async () => {
    const bad = await fetch(`${hub.url}/api/webchat/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"serviceIdentifier":5}' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error).toMatchObject({ code: 'bad_request', details: { field: 'serviceIdentifier' } });
    const malformed = await fetch(`${hub.url}/api/webchat/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(malformed.status).toBe(400);
    const unknownChannel = await fetch(`${hub.url}/api/webchat/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"serviceIdentifier":"nope"}' });
    expect(unknownChannel.status).toBe(404);
    const noKey = await fetch(`${hub.url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub: 'a1', role: 'agent' }) });
    expect(noKey.status).toBe(401);
    const ok = await hub.admin('POST', '/api/tokens', { sub: 'a1', role: 'agent', name: 'Alice' });
    expect(ok.status).toBe(201);
    expect(typeof ok.body.token).toBe('string');
  });
});

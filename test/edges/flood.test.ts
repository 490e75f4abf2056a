import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Activity } from '@conversation-hub/client-sdk/contract';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { until } from '../helpers/wait.js';
import { http, open } from './raw.js';

// Abuse at the edges (PROTOCOL.md §9): one anonymous socket, and twenty sockets of one token,
// flood unknown, forbidden and valid events as fast as they can for FLOOD_MS while a customer and a
// supervisor talk. Every message of the pair is delivered (counted), and the hub cuts the flooders
// off with `rate_limited`. A flooder that is cut reconnects and floods again (at most ATTEMPTS
// times), as an abuser would; the flood stops by itself at the deadline.
const FLOOD_MS = 5_000;
const ATTEMPTS = 40;
/** The pair's pace: one message per side every PACE_MS, well under HUB_SOCKET_RATE. */
const PACE_MS = 100;

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ HUB_SOCKET_RATE: '20', HUB_SOCKET_STRIKES: '20', HUB_IDENTITY_RATE: '60', HUB_MAX_SOCKETS_PER_IDENTITY: '20', HUB_IP_CONNECT_RATE: '20' });
}, 60_000);
afterAll(() => hub.close());

type Emit = [event: string, payload: unknown];
interface Ended {
  reason: string;
  error?: { code: string; message: string; details?: any };
}
interface Flooded {
  /** Each connection's end: the disconnect reason and the `error` push before it. */
  ends: Ended[];
  /** Handshakes the hub refused (the per-address or per-identity limits): their codes. */
  refused: string[];
  /** Calls answered `rate_limited`, by the scope of the limit (`socket`, `identity`). */
  limited: Record<string, number>;
}

/** Floods `emits` in turn, 50 per turn of the event loop, reconnecting after each cut, until `deadline`. */
async function flood(token: string, emits: Emit[], deadline: number): Promise<Flooded> {
  const out: Flooded = { ends: [], refused: [], limited: {} };
  const answered = (res: { ok: boolean; error?: { code: string; details?: { scope?: string } } }) => {
    if (res.ok || res.error?.code !== 'rate_limited') return;
    const scope = res.error.details?.scope ?? '?';
    out.limited[scope] = (out.limited[scope] ?? 0) + 1;
  };
  for (let attempt = 0; attempt < ATTEMPTS && Date.now() < deadline; attempt++) {
    const r = await open(hub.url, token);
    if (!r.ok) {
      out.refused.push(r.data?.code ?? r.message);
      continue;
    }
    const { socket } = r;
    const ended = new Promise<Ended>((resolve) => {
      let error: Ended['error'];
      socket.on('error', (e: Ended['error']) => {
        error = e;
      });
      socket.on('disconnect', (reason) => resolve({ reason, ...(error ? { error } : {}) }));
    });
    let n = 0;
    const pump = () => {
      if (!socket.connected) return;
      if (Date.now() >= deadline) return void socket.close();
      for (let i = 0; i < 50; i++, n++) socket.emit(...(emits[n % emits.length] as [string, unknown]), answered);
      setImmediate(pump);
    };
    pump();
    out.ends.push(await ended);
  }
  return out;
}

test('a flood of unknown, forbidden and valid events does not stop a conversation; the flooders are cut off with rate_limited', async () => {
  // The pair: a webchat customer and a supervisor in its conversation.
  const customer = await hub.customer({ name: 'Ada' });
  const { id: conversationId } = await customer.conversation();
  const supervisor = await hub.client({ id: `sup-${randomUUID()}`, role: 'supervisor', name: 'Sam' });
  await supervisor.call('conversation.join', { conversationId });
  const texts = (seen: Activity[], from: string) => seen.filter((a) => a.type === 'message' && a.from.role === from).map((a) => (a.payload as { text: string }).text);
  const bySupervisor: Activity[] = [];
  const byCustomer: Activity[] = [];
  supervisor.onActivity((a) => bySupervisor.push(a));
  customer.onActivity((a) => byCustomer.push(a));

  // The flooders: an anonymous visitor's token, and one agent token on twenty sockets.
  const visitor = await http(hub.url, 'POST', '/api/webchat/sessions', {}, { serviceIdentifier: 'webchat' });
  expect(visitor.status).toBe(201);
  const agentToken = await hub.token({ id: `flood-${randomUUID()}`, role: 'agent' });
  const visitorEmits: Emit[] = [['no.such.event', {}], ['task.accept', { taskId: 't-1' }], ['typing', { typing: true }]];
  const agentEmits: Emit[] = [['no.such.event', { x: 1 }], ['conversation.join', { conversationId }], ['agent.state', { state: 'not_ready' }]];

  const deadline = Date.now() + FLOOD_MS;
  const flooders = [flood(visitor.body.token, visitorEmits, deadline), ...Array.from({ length: 20 }, () => flood(agentToken, agentEmits, deadline))];

  // Meanwhile the pair talks, one message per side per PACE_MS (pacing the load, not waiting for anything).
  const sent = { customer: [] as string[], supervisor: [] as string[] };
  for (let i = 1; Date.now() < deadline || i <= 10; i++) {
    const paced = new Promise((resolve) => setTimeout(resolve, PACE_MS));
    await customer.send(`c${i}`);
    sent.customer.push(`c${i}`);
    await supervisor.send(`s${i}`, { conversationId });
    sent.supervisor.push(`s${i}`);
    await paced;
  }
  const results = await Promise.all(flooders);

  // Every message of the pair arrives, once, in order.
  await until(supervisor, () => texts(bySupervisor, 'customer').length >= sent.customer.length, 15_000, 'the customer messages');
  await until(customer, () => texts(byCustomer, 'supervisor').length >= sent.supervisor.length, 15_000, 'the supervisor messages');
  expect(texts(bySupervisor, 'customer')).toEqual(sent.customer);
  expect(texts(byCustomer, 'supervisor')).toEqual(sent.supervisor);
  expect(sent.customer.length).toBeGreaterThanOrEqual(10);

  // Every flooder was cut off by the hub, told why; a connection ends otherwise only at the deadline.
  for (const r of results) {
    const cut = r.ends.filter((e) => e.reason === 'io server disconnect');
    expect(cut.length).toBeGreaterThanOrEqual(1);
    for (const e of cut) expect(e.error).toMatchObject({ code: 'rate_limited', details: { disconnected: true } });
    for (const e of r.ends.filter((e) => e.reason !== 'io server disconnect')) expect(e.reason).toBe('io client disconnect');
    for (const code of r.refused) expect(code).toBe('rate_limited');
  }
  // Both limits refused calls: each socket's, and the identity's over its twenty sockets. Which one
  // makes the twentieth strike is a race (the identity's answer is asynchronous), so not asserted.
  const limited = (scope: string) => results.reduce((n, r) => n + (r.limited[scope] ?? 0), 0);
  expect(limited('socket')).toBeGreaterThan(0);
  expect(limited('identity')).toBeGreaterThan(0);
  const cuts = results.flatMap((r) => r.ends).filter((e) => e.reason === 'io server disconnect');
  for (const e of cuts) expect(['socket', 'identity']).toContain(e.error?.details.scope);
  expect(cuts[0]!.error!.message).toMatch(/disconnected after 20 refusals within 10 s/);
}, 90_000);

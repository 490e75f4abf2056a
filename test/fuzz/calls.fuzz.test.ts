import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { HubCallError, type HubClient } from '@conversation-hub/client-sdk';
import { CallSchemas, ErrorCode, LONE_SURROGATE_MESSAGE, NUL_MESSAGE, type CallName, type TokenRole } from '@conversation-hub/client-sdk/contract';
import { mayCall } from '../../server/domain/policy.js';
import { startTestHub, testMode, type TestHub } from '../helpers/start-hub.js';
import { mutate, mutation, NO_PAYLOAD, resolve, validPayload, type Mutation } from './payloads.js';
import { FUZZ, FuzzWorld, type Actor } from './world.js';

/*
 * Every call of CallSchemas, fuzzed against a live hub over real sockets, by every role: payloads
 * shaped like the schema and payloads broken every way (wrong types, missing fields, oversized
 * strings, NUL, lone surrogates, deep JSON, huge numbers, unknown fields, non-objects). The hub must
 * answer every one (no hang, no crash), never `internal`, only with contract codes; a payload the
 * schema refuses gets `bad_request` (`too_large` when over a limit) naming the schema's first wrong
 * field. Then every conversation the run made is closed and must reach the archive (Postgres:
 * PGlite embedded, the machine's Postgres with HUB_TEST_MODE=cluster).
 *
 * FUZZ_CASES (default 10,000) and FUZZ_SEED reproduce or widen a run.
 */
const CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const IN_FLIGHT_PER_CLIENT = 8;
const ANSWER_MS = 20_000;
const CONTRACT_CODES = new Set<string>(Object.values(ErrorCode));
const CALLS = Object.keys(CallSchemas) as CallName[];

interface Case {
  actor: number;
  call: string;
  template: unknown;
  mutation: Mutation;
}
interface Answer {
  ok: boolean;
  error?: { code: string; message: string; details?: { field?: string; event?: string } };
  [k: string]: unknown;
}

let hub: TestHub;
let world: FuzzWorld;

beforeAll(async () => {
  hub = await startTestHub({
    // Limits out of the way: the fuzz is about payloads, not rates (other tests cover those).
    HUB_SOCKET_RATE: '1000000',
    HUB_SOCKET_STRIKES: '1000000',
    HUB_IDENTITY_RATE: '1000000',
    HUB_IP_CONNECT_RATE: '1000000',
    HUB_AGENT_GRACE_SECONDS: '1',
  });
  world = new FuzzWorld(hub);
  const channel = await hub.admin('POST', '/api/channels', {
    serviceIdentifier: FUZZ.serviceIdentifier,
    name: 'Fuzz 😀',
    channelType: 'webchat',
    listId: FUZZ.listId,
    botId: FUZZ.botId,
    apps: [FUZZ.appId],
    wrapUp: { enabled: true, timeoutSeconds: 5 },
    controller: { greeting: 'Hello 👋', survey: 'How did we do? ✨' },
  });
  expect(channel.status).toBe(201);
  for (let i = 0; i < 4; i++) {
    const c = await hub.customer({ serviceIdentifier: FUZZ.serviceIdentifier, name: `Customer ${i} 😀`, channelData: { locale: 'en-GB', tab: `${i}` } });
    world.add('customer', c.customerId);
    world.watch('customer', c.customerId, c);
    world.add('conversation', (await c.conversation()).id);
  }
  for (const id of ['fuzz-agent-1', 'fuzz-agent-2', 'fuzz-agent-3']) {
    const a = await world.join('agent', id);
    await a.client.call('agent.state', { state: 'ready', lists: [FUZZ.listId, 'fuzz-list-b'], capacity: 100 });
  }
  await world.join('supervisor', 'fuzz-sup-1');
  await world.join('supervisor', 'fuzz-sup-2');
  await world.join('bot', FUZZ.botId);
  await world.join('bot', 'fuzz-bot-2');
  await world.join('app', FUZZ.appId);
  await world.join('app', 'fuzz-app-2');
  await world.join('connector', 'fuzz-connector-1', { channels: [FUZZ.serviceIdentifier] });
  await world.join('connector', 'fuzz-connector-2', { channels: [FUZZ.serviceIdentifier, 'webchat'] });
}, 120_000);
afterAll(() => hub?.close());

/** A call for the actor: mostly one its role may make (session.end rarely: each one may close a conversation), sometimes any. */
function caseArbitrary(actors: Actor[]): fc.Arbitrary<Case> {
  return fc.nat(actors.length - 1).chain((actor) => {
    const role = actors[actor]!.role;
    const own = CALLS.filter((c) => mayCall(c, role));
    const call = fc.oneof(
      { weight: 40, arbitrary: fc.constantFrom(...own.filter((c) => c !== 'session.end' && c !== 'connector.session.end')) },
      { weight: 1, arbitrary: fc.constantFrom(...(own.some((c) => c.endsWith('session.end')) ? own.filter((c) => c.endsWith('session.end')) : own)) },
      { weight: 6, arbitrary: fc.constantFrom(...CALLS) },
      { weight: 1, arbitrary: fc.constantFrom('no.such.call', 'constructor', '__proto__', 'hasOwnProperty', 'toString', '') },
    );
    return call.chain((c) =>
      fc.record({
        actor: fc.constant(actor),
        call: fc.constant(c),
        template: Object.hasOwn(validPayload, c) ? validPayload[c as CallName] : fc.constant({}),
        mutation: fc.oneof({ weight: 1, arbitrary: fc.constant<Mutation>({ kind: 'none' }) }, { weight: 1, arbitrary: mutation }),
      }),
    );
  });
}

/** What the hub must answer, by the checks of socket-server.ts in order, on the payload as the wire carries it. */
function expected(role: TokenRole, call: string, wire: unknown): { code?: string; field?: string; engine?: true } {
  if (!Object.hasOwn(CallSchemas, call)) return { code: ErrorCode.BadRequest };
  if (!mayCall(call as CallName, role)) return { code: ErrorCode.Forbidden };
  const r = CallSchemas[call as CallName].safeParse(wire ?? {});
  if (r.success) return { engine: true };
  const issue = r.error.issues[0]!;
  return { code: issue.code === 'too_big' ? ErrorCode.TooLarge : ErrorCode.BadRequest, field: issue.path.join('.') || 'payload' };
}

function emit(client: HubClient, call: string, payload: unknown): Promise<Answer> {
  return new Promise((done) => {
    const timed = client.socket.timeout(ANSWER_MS) as unknown as { emit(...args: unknown[]): void };
    const ack = (err: Error | null, res: Answer) => done(err ? { ok: false, error: { code: 'no answer', message: err.message } } : res);
    if (payload === NO_PAYLOAD) timed.emit(call, ack);
    else timed.emit(call, payload, ack);
  });
}

const show = (v: unknown) => {
  const s = JSON.stringify(v, (_k, x) => (x === NO_PAYLOAD ? '<no payload>' : typeof x === 'string' && x.length > 60 ? `${x.slice(0, 40)}…(${x.length})` : x));
  return s && s.length > 400 ? `${s.slice(0, 400)}…` : s;
};

describe(`fuzz: every call against a live ${testMode} hub`, () => {
  const byCode = new Map<string, number>();
  const anomalies: string[] = [];
  let sent = 0;
  let ms = 0;

  test(`${CASES} cases over real sockets: an answer to each, never internal, a refused payload names its first wrong field`, async () => {
    const cases = fc.sample(caseArbitrary(world.actors), { numRuns: CASES, seed: SEED });
    const queues = world.actors.map(() => [] as Case[]);
    for (const c of cases) queues[c.actor]!.push(c);
    const started = performance.now();

    const runOne = async (c: Case) => {
      const actor = world.actors[c.actor]!;
      const resolved = resolve(c.template, world.pools);
      const payload = mutate(resolved, c.mutation);
      const wire = payload === NO_PAYLOAD || payload === undefined ? {} : (JSON.parse(JSON.stringify([payload]))[0] ?? {});
      const want = expected(actor.role, c.call, wire);
      const answer = await emit(actor.client, c.call, payload);
      sent++;
      const code = answer.ok ? 'ok' : (answer.error?.code ?? 'malformed answer');
      byCode.set(code, (byCode.get(code) ?? 0) + 1);
      if (answer.ok) world.harvest(answer);
      if (answer.ok && c.call === 'connector.inbound') world.inbound.add(JSON.stringify([(wire as any).serviceIdentifier, (wire as any).customer.identifier]));
      const wrong = (why: string) =>
        anomalies.push(`${why}: ${actor.role} ${actor.id} ${c.call} ${show(payload)} (mutation ${show(c.mutation)}) -> ${show(answer.ok ? { ok: true } : answer.error)}`);
      if (!answer.ok && !CONTRACT_CODES.has(code)) return wrong(`not a contract answer (${code})`);
      if (code === ErrorCode.Internal) return wrong('internal');
      if (code === ErrorCode.RateLimited) return wrong('rate limited (the limits are set out of the way)');
      if (want.engine) return; // the schema took it: ok, or the engine's own contract error
      if (code !== want.code) return wrong(`expected ${want.code}${want.field ? ` naming ${want.field}` : ''}`);
      if (want.field !== undefined && answer.error?.details?.field !== want.field) wrong(`expected details.field ${JSON.stringify(want.field)}`);
    };

    await Promise.all(
      queues.flatMap((queue) =>
        Array.from({ length: IN_FLIGHT_PER_CLIENT }, async () => {
          for (let c = queue.shift(); c; c = queue.shift()) await runOne(c);
        }),
      ),
    );
    ms = performance.now() - started;

    // The hub is still up and serving every client.
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
    for (const a of world.actors) expect(a.client.socket.connected).toBe(true);
    const summary = `seed ${SEED}: ${sent} cases in ${(ms / 1000).toFixed(1)} s; answers ${show(Object.fromEntries([...byCode].sort()))}`;
    process.stderr.write(`fuzz ${summary}\n`);
    expect({ summary, anomalies: anomalies.slice(0, 25), count: anomalies.length }).toEqual({ summary, anomalies: [], count: 0 });
    expect(sent).toBe(CASES);
  }, 600_000);

  test('then every conversation of the run is closed and reaches the archive', async () => {
    const call = (a: Actor, name: string, payload: unknown) => emit(a.client, name, payload);
    const of = (role: TokenRole) => world.actors.filter((a) => a.role === role);
    // No new offers, then the customers' sessions end (webchat and connectors')...
    await Promise.all(of('agent').map((a) => call(a, 'agent.state', { state: 'not_ready' })));
    await Promise.all(of('customer').map((a) => call(a, 'session.end', {})));
    const connectors = of('connector');
    await Promise.all(
      [...world.inbound].map((k) => {
        const [serviceIdentifier, customerIdentifier] = JSON.parse(k) as [string, string];
        return Promise.all(connectors.map((c) => call(c, 'connector.session.end', { serviceIdentifier, customerIdentifier })));
      }),
    );
    // ...and everyone leaves every conversation (not_found, forbidden: was not in it, or it is gone).
    const staff = world.actors.filter((a) => a.role !== 'customer' && a.role !== 'connector');
    const leaves = await Promise.all(world.conversations.flatMap((conversationId) => staff.map((a) => call(a, 'conversation.leave', { conversationId }))));
    expect(leaves.filter((r) => !r.ok && r.error?.code === ErrorCode.Internal)).toEqual([]);

    const conversations = [...world.conversations];
    expect(conversations.length).toBeGreaterThan(4);
    const stuck = async (id: string) => {
      const live = await hub.parts.store.get(id);
      const sessions = live?.doc.channelSessions.map((s) => s.state).join(',');
      return `not archived: ${id}: ${live ? `live, ${live.doc.state}, sessions ${sessions}, participants ${live.doc.participants.map((p) => p.role).join(',')}` : 'gone, not in the archive'}`;
    };
    const archived = await Promise.all(conversations.map((id) => hub.archived(id, 60_000).then((v) => v.state, () => stuck(id))));
    expect(archived.filter((s) => s !== 'closed')).toEqual([]);
    process.stderr.write(`fuzz: ${conversations.length} conversations archived\n`);
  }, 300_000);
});

describe(`input hygiene on a live ${testMode} hub`, () => {
  test('a message with NUL or a lone surrogate is refused with bad_request naming text; the customer goes on', async () => {
    const customer = await hub.customer({ serviceIdentifier: FUZZ.serviceIdentifier });
    world.add('conversation', (await customer.conversation()).id);
    for (const [text, message] of [
      ['hello\u0000world', NUL_MESSAGE],
      ['hello \uD83D', LONE_SURROGATE_MESSAGE],
      ['\uDE00 hello', LONE_SURROGATE_MESSAGE],
    ] as const) {
      const err = await customer.call('message.send', { text, clientMessageId: `nul-${text.length}` }).catch((e: HubCallError) => e);
      expect(err).toBeInstanceOf(HubCallError);
      expect(err).toMatchObject({ code: 'bad_request', message: `text: ${message}`, details: { field: 'text' } });
    }
    const emoji = await customer.send('a valid pair 😀');
    expect(emoji.payload).toEqual({ text: 'a valid pair 😀' });
    await customer.call('session.end', {});
    const archived = await hub.archived(emoji.conversationId, 30_000);
    expect(archived.activities.find((a) => a.id === emoji.id)?.payload).toEqual({ text: 'a valid pair 😀' });
  });
});

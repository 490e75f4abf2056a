import fc from 'fast-check';
import type { CallName } from '@conversation-hub/client-sdk/contract';

/*
 * Payload arbitraries for every call of CallSchemas: valid ones shaped like each schema, and
 * mutations that break them. Ids the hub made (conversations, tasks, customers...) are unknown when
 * the cases are drawn, so a payload holds `Ref`s, resolved from the run's pools when it is sent;
 * a mutation is applied after that, to the resolved payload. Whether a payload is valid is never
 * decided here: the test asks the call's schema.
 */

export type PoolKind = 'conversation' | 'task' | 'customer' | 'list' | 'agent' | 'service' | 'identifier';

/** A placeholder for an id of the run, picked from its pool at send time. */
export class Ref {
  constructor(
    readonly kind: PoolKind,
    readonly pick: number,
  ) {}
}

/** The payload is left out: `emit(event, ack)`. */
export const NO_PAYLOAD = Symbol('no payload');

const ref = (kind: PoolKind) => fc.nat().map((n) => new Ref(kind, n));
/** Mostly an id of the run, sometimes one nobody has. */
const idOf = (kind: PoolKind) => fc.oneof({ weight: 6, arbitrary: ref(kind) }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 24 }) });
const freshId = fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 40 }));
/** Safe text of every kind: ASCII, any grapheme (emoji and other surrogate pairs), control characters but NUL. */
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom('😀', 'a👩‍👩‍👧b', '\u0001\u001f\u007f', '\uFFFE\uFFFF', 'x'.repeat(10_000), '😀'.repeat(5_000)) },
);
const short = (max: number) => fc.string({ unit: fc.constantFrom('a', 'é', '😀', ' ', '-', '\t'), maxLength: Math.min(max, 30) });
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

/** `{ a: undefined }` sends as `{}`; dropping the undefined keys keeps the case readable. */
function record<T extends Record<string, fc.Arbitrary<unknown>>>(shape: T) {
  return fc.record(shape).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));
}

const attachment = record({
  url: fc.oneof(fc.webUrl({ validSchemes: ['http', 'https'] }), fc.constantFrom('https://example.com/receipt.png', 'http://127.0.0.1:8080/a?b=c')),
  name: fc.string({ minLength: 1, maxLength: 40 }),
  mimeType: fc.constantFrom('image/png', 'application/pdf', 'text/plain; charset=utf-8'),
  size: fc.oneof(fc.nat(), fc.maxSafeNat()),
});
const attachments = opt(fc.array(attachment, { maxLength: 3 }));
const channelData = fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), short(200), { maxKeys: 6 });
const json = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 });

/** A payload shaped like each call's schema. */
export const validPayload: { [C in CallName]: fc.Arbitrary<unknown> } = {
  'message.send': record({ conversationId: opt(idOf('conversation')), text, clientMessageId: freshId, attachments }),
  typing: record({ conversationId: opt(idOf('conversation')), typing: fc.boolean() }),
  'activities.since': record({ conversationId: idOf('conversation'), afterSeq: fc.oneof(fc.nat(50), fc.maxSafeNat()), limit: opt(fc.integer({ min: 1, max: 500 })) }),
  'session.end': fc.constant({}),
  'agent.state': record({
    state: fc.constantFrom('ready', 'not_ready'),
    reason: opt(short(100)),
    capacity: opt(fc.integer({ min: 1, max: 100 })),
    lists: opt(fc.array(idOf('list'), { maxLength: 3 })),
  }),
  'task.accept': record({ taskId: idOf('task') }),
  'task.reject': record({ taskId: idOf('task') }),
  'queue.list': record({ listId: idOf('list') }),
  'task.pull': record({ taskId: idOf('task') }),
  'whisper.send': record({ conversationId: idOf('conversation'), text }),
  'suggestion.send': record({ conversationId: idOf('conversation'), text, confidence: opt(fc.double({ min: 0, max: 1, noNaN: true })) }),
  'handoff.request': record({
    conversationId: idOf('conversation'),
    intent: opt(short(200)),
    sentiment: opt(fc.oneof(short(50), fc.double({ min: -1, max: 1, noNaN: true }))),
    summary: opt(text),
    listId: opt(idOf('list')),
    skills: opt(fc.array(short(100), { maxLength: 3 })),
  }),
  'conversation.transfer': record({
    conversationId: idOf('conversation'),
    to: fc.oneof(record({ agentId: idOf('agent') }), record({ listId: idOf('list') })),
  }),
  'conversation.join': record({ conversationId: idOf('conversation') }),
  'conversation.leave': record({ conversationId: idOf('conversation') }),
  'wrapup.submit': record({
    conversationId: idOf('conversation'),
    codes: opt(fc.array(fc.string({ minLength: 1, maxLength: 100 }), { maxLength: 5 })),
    note: opt(fc.oneof(text, fc.constant(''))),
  }),
  'customer.history': record({ customerId: idOf('customer'), limit: opt(fc.integer({ min: 1, max: 50 })) }),
  'connector.inbound': record({
    serviceIdentifier: ref('service'),
    customer: record({ identifier: fc.oneof({ weight: 12, arbitrary: ref('identifier') }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) }), name: opt(short(200)) }),
    channelData: opt(channelData),
    message: record({ text, clientMessageId: freshId, attachments }),
  }),
  'connector.session.end': record({ serviceIdentifier: ref('service'), customerIdentifier: ref('identifier') }),
  'custom.send': record({ conversationId: idOf('conversation'), visibility: opt(fc.constantFrom('all', 'agents')), payload: json }),
  'conversation.end': record({ conversationId: idOf('conversation'), reason: opt(short(500)) }),
  'conversation.reassign': record({
    conversationId: idOf('conversation'),
    to: fc.oneof(record({ agentId: idOf('agent') }), record({ listId: idOf('list') })),
  }),
  'supervisor.watch': fc.constant({}),
  'supervisor.unwatch': fc.constant({}),
  'supervisor.agent.state': record({ agentId: idOf('agent'), state: fc.constant('not_ready'), reason: opt(short(100)) }),
  'read.update': record({ conversationId: opt(idOf('conversation')), seq: fc.oneof(fc.nat(50), fc.maxSafeNat()) }),
  'conversation.data.set': record({
    conversationId: idOf('conversation'),
    key: fc.constantFrom('crm.url', 'summary', 'case_number'),
    value: fc.oneof(short(200), fc.integer(), fc.boolean(), json, fc.constant(null)),
  }),
  'conversation.start': record({ customerId: idOf('customer'), serviceIdentifier: ref('service'), text }),
  'template.send': record({ conversationId: idOf('conversation'), name: fc.constantFrom('order_update', 'hello_world'), language: fc.constantFrom('en_US', 'de') }),
};

/** One way to break a payload; `at` picks the path among those the payload has. */
export type Mutation =
  | { kind: 'replace'; value: unknown }
  | { kind: 'drop'; at: number }
  | { kind: 'wrong-type'; at: number; value: unknown }
  | { kind: 'inject'; at: number; where: number; bad: string; inKey: boolean }
  | { kind: 'oversize'; at: number; length: number; unit: string }
  | { kind: 'number'; at: number; value: number }
  | { kind: 'unknown-field'; at: number; key: string; value: unknown }
  | { kind: 'deep'; at: number; depth: number; asArray: boolean }
  | { kind: 'long-array'; at: number; length: number }
  | { kind: 'none' };

const anyValue = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, '', 'NaN', 'Infinity', '-Infinity', '1e400', '-0', '0x10', '[]', '{}', 'null', 'undefined'),
  fc.integer(),
  fc.string({ maxLength: 10 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, 'garbage', 42, true, [], [{}], '{}', NO_PAYLOAD, undefined).map((value) => ({ kind: 'replace' as const, value })) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('wrong-type' as const), at: fc.nat(), value: anyValue }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('inject' as const),
      at: fc.nat(),
      where: fc.nat(),
      bad: fc.constantFrom('\u0000', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uDE00\uD83D', 'a\u0000\u0000'),
      inKey: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('oversize' as const),
      at: fc.nat(),
      length: fc.constantFrom(101, 129, 201, 256, 321, 2_001, 10_001, 20_000),
      unit: fc.constantFrom('x', '😀', 'é'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('number' as const),
      at: fc.nat(),
      value: fc.constantFrom(1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, 2 ** 53 + 2, 1e21, -1, -0, 0, 0.5, 1.0000001, 101, 501, 1e6),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('unknown-field' as const), at: fc.nat(), key: fc.constantFrom('__proto__', 'constructor', 'toString', 'extra', '', 'x\u0000'), value: anyValue }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deep' as const), at: fc.nat(), depth: fc.integer({ min: 7, max: 60 }), asArray: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('long-array' as const), at: fc.nat(), length: fc.constantFrom(11, 21, 51, 101, 1_001) }) },
);

/** Replaces every Ref with an id of its pool (or one nobody has, while the pool is empty). */
export function resolve(value: unknown, pools: Record<PoolKind, readonly string[]>): unknown {
  if (value instanceof Ref) {
    const pool = pools[value.kind];
    return pool.length ? pool[value.pick % pool.length] : `no-${value.kind}-yet`;
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, pools));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, pools)]));
  return value;
}

type Path = (string | number)[];

/** Every path in a JSON-ish value (the root excluded), objects' keys and arrays' items. */
function pathsOf(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) value.forEach((v, i) => (out.push([...at, i]), pathsOf(v, [...at, i], out)));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push([...at, k]), pathsOf(v, [...at, k], out);
  return out;
}

const containers = (value: unknown): Path[] => [[], ...pathsOf(value)].filter((p) => isContainer(get(value, p)));
const isContainer = (v: unknown) => typeof v === 'object' && v !== null;
const get = (value: unknown, path: Path): unknown => path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)?.[k], value);

/** Sets (or with `undefined`, deletes) the value at `path`; the root is replaced by returning the value. */
function set(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const parent = get(root, path.slice(0, -1)) as Record<string | number, unknown>;
  const key = path.at(-1)!;
  if (value === undefined && !Array.isArray(parent)) delete parent[key];
  else Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
  return root;
}

const pickFrom = <T>(list: T[], n: number): T | undefined => (list.length ? list[n % list.length] : undefined);
const nest = (depth: number, asArray: boolean): unknown => {
  let v: unknown = asArray ? [] : {};
  for (let i = 1; i < depth; i++) v = asArray ? [v] : { d: v };
  return v;
};

/** The payload `m` makes of a resolved, valid-shaped payload (which it may change in place). */
export function mutate(payload: unknown, m: Mutation): unknown {
  const paths = pathsOf(payload);
  const strings = paths.filter((p) => typeof get(payload, p) === 'string');
  switch (m.kind) {
    case 'none':
      return payload;
    case 'replace':
      return m.value;
    case 'drop': {
      const p = pickFrom(paths, m.at);
      return p ? set(payload, p, undefined) : payload;
    }
    case 'wrong-type':
    case 'number': {
      const p = pickFrom(paths, m.at) ?? [];
      return set(payload, p, m.value);
    }
    case 'inject': {
      const keyed = paths.filter((p) => typeof p.at(-1) === 'string');
      if (m.inKey && keyed.length) {
        const p = pickFrom(keyed, m.at)!;
        const key = String(p.at(-1));
        const v = get(payload, p);
        const bad = key.slice(0, m.where % (key.length + 1)) + m.bad + key.slice(m.where % (key.length + 1));
        set(payload, p, undefined);
        return set(payload, [...p.slice(0, -1), bad], v);
      }
      const p = pickFrom(strings, m.at);
      if (!p) return payload;
      const s = get(payload, p) as string;
      const i = m.where % (s.length + 1);
      return set(payload, p, s.slice(0, i) + m.bad + s.slice(i));
    }
    case 'oversize': {
      const p = pickFrom(strings, m.at) ?? pickFrom(paths, m.at);
      return p ? set(payload, p, m.unit.repeat(Math.ceil(m.length / m.unit.length))) : payload;
    }
    case 'unknown-field': {
      const p = pickFrom(containers(payload), m.at) ?? [];
      const target = get(payload, p);
      if (!isContainer(target) || Array.isArray(target)) return payload;
      return set(payload, [...p, m.key], m.value);
    }
    case 'deep': {
      const p = pickFrom(paths, m.at);
      return p ? set(payload, p, nest(m.depth, m.asArray)) : payload;
    }
    case 'long-array': {
      const arrays = [[], ...paths].filter((p) => Array.isArray(get(payload, p)));
      const p = pickFrom(arrays, m.at) ?? pickFrom(paths, m.at);
      if (!p) return payload;
      const sample = Array.isArray(get(payload, p)) ? ((get(payload, p) as unknown[])[0] ?? 'x') : 'x';
      return set(payload, p, Array.from({ length: m.length }, () => structuredClone(sample)));
    }
  }
}

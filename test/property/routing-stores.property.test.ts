import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import type { AgentTask } from '@conversation-hub/client-sdk/contract';
import type { HubRedisClient } from '../../server/redis/connect.js';
import { MemoryRoutingStore } from '../../server/routing/memory-routing-store.js';
import { RedisRoutingStore } from '../../server/routing/redis-routing-store.js';
import type { AgentStatus, RoutingStore } from '../../server/ports.js';
import { closeRedis, connectTestRedis, deleteKeys, randomName } from '../helpers/redis.js';

/*
 * The routing stores agree. The agent-picking rule exists twice, once in TypeScript
 * (server/domain/routing-rules.ts, run by MemoryRoutingStore) and once in Lua (RedisRoutingStore's
 * scripts); this drives both with the same random sequences of calls, the same ids and the same
 * clock (`now` is an input), and requires the same answer to every call and the same state after
 * every step, plus the invariants routing promises. Nothing needs normalising: with equal inputs
 * every id and timestamp is equal too.
 *
 * FC_SEED=<seed> replays a run fast-check reported; FC_RUNS=<n> changes the number of sequences.
 */

const AGENTS = ['a1', 'a2', 'a3', 'b'] as const;
const CONVS = ['c1', 'c2', 'c3'] as const;
const TASKS = ['t1', 't2', 't3', 't4', 't5', 't6', 't7'] as const;
const LISTS = ['l1', 'l2'] as const;
const T0 = 1_700_000_000_000;
const OFFER_MS = 30_000;

/**
 * What a call names, resolved against the memory store (the reference) just before the call, the
 * same for both stores: mostly a task in the state the call is about (the n-th of them, so calls
 * succeed often enough) and the agent it is offered to, sometimes a given id (any state, the wrong
 * agent, an unknown one).
 */
type TaskRef = { state: 'queued' | 'offered' | 'accepted'; n: number } | { id: string };
type AgentRef = { holder: true } | { id: string };

type Op =
  | { k: 'setConnected'; agent: string; connected: boolean }
  | { k: 'setAgentState'; agent: string; state: 'ready' | 'not_ready'; capacity?: number; lists?: string[] }
  | { k: 'createTask'; task: string | null; conv: string; mode: 'push' | 'pull'; list?: string; target?: string; unlessPending: boolean }
  | { k: 'offerNext'; task: TaskRef }
  | { k: 'nextTaskForAgent'; agent: string }
  | { k: 'accept' | 'reject' | 'expire'; task: TaskRef; agent: AgentRef }
  | { k: 'pull'; task: TaskRef; agent: string }
  | { k: 'closeTask'; task: TaskRef }
  | { k: 'releaseAgent'; agent: string; conv: string }
  | { k: 'forgetConversation'; conv: string };

/** A step: the clock moves by `dt` ms (0 often, so ties must break alike; now and then backwards: clocks of nodes differ), then `op` runs. */
interface Step {
  dt: number;
  op: Op;
}

const agent = fc.constantFrom(...AGENTS);
const task = fc.constantFrom(...TASKS);
const conv = fc.constantFrom(...CONVS);
const list = fc.constantFrom(...LISTS);
const agentRef: fc.Arbitrary<AgentRef> = fc.oneof({ weight: 4, arbitrary: fc.constant({ holder: true as const }) }, { weight: 1, arbitrary: agent.map((id) => ({ id })) });
const taskRef = (state: 'queued' | 'offered' | 'accepted'): fc.Arbitrary<TaskRef> =>
  fc.oneof({ weight: 5, arbitrary: fc.nat(3).map((n) => ({ state, n })) }, { weight: 1, arbitrary: task.map((id) => ({ id })) });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** Drops the keys whose value is undefined: `exactOptionalPropertyTypes`-proof inputs, alike for both stores. */
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ k: fc.constant('setConnected' as const), agent, connected: fc.constantFrom(true, true, true, false) }) },
  {
    weight: 3,
    arbitrary: fc
      .record({
        k: fc.constant('setAgentState' as const),
        agent,
        state: fc.constantFrom('ready' as const, 'ready' as const, 'ready' as const, 'not_ready' as const),
        capacity: opt(fc.integer({ min: 1, max: 3 })),
        lists: opt(fc.subarray([...LISTS])),
      })
      .map(defined),
  },
  {
    weight: 10,
    arbitrary: fc
      .record({
        k: fc.constant('createTask' as const),
        // null: a fresh id (f{step}); mostly, so ids do not run out; sometimes one of TASKS, which may exist.
        task: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: task }),
        conv,
        mode: fc.constantFrom('push' as const, 'push' as const, 'pull' as const),
        list: opt(list),
        target: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: agent }),
        unlessPending: fc.boolean(),
      })
      .map(defined),
  },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('offerNext' as const), task: taskRef('queued') }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('nextTaskForAgent' as const), agent }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('accept' as const), task: taskRef('offered'), agent: agentRef }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('reject' as const), task: taskRef('offered'), agent: agentRef }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('expire' as const), task: taskRef('offered'), agent: agentRef }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('pull' as const), task: taskRef('queued'), agent }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('closeTask' as const), task: fc.oneof(taskRef('accepted'), taskRef('accepted'), taskRef('offered'), taskRef('queued')) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('releaseAgent' as const), agent, conv }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('forgetConversation' as const), conv }) },
);

const dt = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 1, arbitrary: fc.integer({ min: -3, max: 60_000 }) });
const step: fc.Arbitrary<Step> = fc.record({ dt, op });

/**
 * A sequence: first some agents connect and go ready (so there is someone to route to from the
 * start; ordinary steps, compared like the rest), then random steps.
 */
const sequence: fc.Arbitrary<Step[]> = fc
  .tuple(
    fc.subarray([...AGENTS]).chain((ids) =>
      fc.tuple(...ids.map((id) => fc.record({ dt, capacity: fc.integer({ min: 1, max: 4 }), lists: fc.subarray([...LISTS]) }).map((a) => ({ id, ...a })))),
    ),
    fc.array(step, { minLength: 5, maxLength: 40, size: 'max' }),
  )
  .map(([agents, steps]) => [
    ...agents.flatMap((a): Step[] => [
      { dt: a.dt, op: { k: 'setConnected', agent: a.id, connected: true } },
      { dt: 0, op: { k: 'setAgentState', agent: a.id, state: 'ready', capacity: a.capacity, lists: a.lists } },
    ]),
    ...steps,
  ]);

/** Runs one call on a store, with the task and agent its refs resolved to (once, for both stores). */
function call(s: RoutingStore, o: Op, now: number, { task: t, holder }: Resolved): Promise<unknown> {
  switch (o.k) {
    case 'setConnected':
      return s.setConnected(o.agent, o.connected, now);
    case 'setAgentState':
      return s.setAgentState(o.agent, defined({ state: o.state, capacity: o.capacity, lists: o.lists }), now);
    case 'createTask':
      return s.createTask(defined({ id: t, conversationId: o.conv, mode: o.mode, listId: o.list, targetAgentId: o.target, unlessPending: o.unlessPending }), now);
    case 'offerNext':
      return s.offerNext(t, now, now + OFFER_MS);
    case 'nextTaskForAgent':
      return s.nextTaskForAgent(o.agent, now, now + OFFER_MS);
    case 'accept':
      return s.accept(t, holder, now);
    case 'reject':
      return s.reject(t, holder, now);
    case 'expire':
      return s.expire(t, holder, now);
    case 'pull':
      return s.pull(t, o.agent, now);
    case 'closeTask':
      return s.closeTask(t, now);
    case 'releaseAgent':
      return s.releaseAgent(o.agent, o.conv, now);
    case 'forgetConversation':
      return s.forgetConversation(o.conv, now);
  }
}

interface Resolved {
  task: string;
  holder: string;
}

/**
 * The task and agent an op's refs name at step i, read from the memory store (the reference): with
 * no task in the state, the n-th task in any state; with no task at all, the n-th id of TASKS.
 */
async function resolve(memory: RoutingStore, o: Op, i: number): Promise<Resolved> {
  if (o.k === 'createTask') return { task: o.task ?? `f${i}`, holder: '' };
  if (!('task' in o)) return { task: '', holder: '' };
  const ref = o.task;
  let task: string;
  if ('id' in ref) task = ref.id;
  else {
    const all = (await Promise.all(CONVS.map((c) => memory.tasksOf(c)))).flat();
    const inState = all.filter((x) => x.state === ref.state);
    const among = inState.length ? inState : all;
    task = among.length ? among[ref.n % among.length]!.id : TASKS[ref.n % TASKS.length]!;
  }
  if (o.k !== 'accept' && o.k !== 'reject' && o.k !== 'expire') return { task, holder: '' };
  if ('id' in o.agent) return { task, holder: o.agent.id };
  return { task, holder: (await memory.getTask(task))?.agentId ?? AGENTS[0] };
}

/** expect(actual).toEqual(expected), with a cheap check first: thousands of steps compare their whole state. */
function same(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}

/** What a call answered, or the error it threw, comparable across stores. */
async function outcome(run: () => Promise<unknown>): Promise<{ ok: unknown } | { error: unknown }> {
  try {
    return { ok: await run() };
  } catch (err) {
    const e = err as { name?: string; code?: string; message?: string; details?: unknown };
    return { error: { name: e.name, code: e.code, message: e.message, details: e.details } };
  }
}

/** The whole state as the interface shows it (every task is in some conversation of CONVS). */
interface Snapshot {
  agents: (AgentStatus | null)[];
  byConversation: AgentTask[][];
  queued: AgentTask[][];
}

async function snapshot(s: RoutingStore): Promise<Snapshot> {
  const [agents, byConversation, queued] = await Promise.all([
    Promise.all(AGENTS.map((id) => s.getAgent(id))),
    Promise.all(CONVS.map((id) => s.tasksOf(id))),
    Promise.all([...LISTS, null].map((l) => s.queued(l))),
  ]);
  return { agents, byConversation, queued };
}

function check(ok: boolean, what: string, about: unknown): void {
  if (!ok) throw new Error(`invariant broken: ${what}: ${JSON.stringify(about)}`);
}

/** The invariants of routing, on the state after a step; `before` is the state before it. */
function checkInvariants(before: Snapshot, after: Snapshot): void {
  const agents = after.agents.filter((a): a is AgentStatus => a !== null);
  const tasks = after.byConversation.flat();
  const used = (a: AgentStatus) => a.load + a.pendingOffers;
  for (const a of agents) {
    check(a.load === a.conversationIds.length && a.pendingOffers === a.offeredTaskIds.length, 'load and pendingOffers count the lists', a);
    check(new Set(a.conversationIds).size === a.conversationIds.length && new Set(a.offeredTaskIds).size === a.offeredTaskIds.length, 'no duplicates', a);
    // No agent above capacity: a step may lower the capacity under what it holds, never add to what it holds past it.
    const was = before.agents.find((b) => b?.agentId === a.agentId);
    check(used(a) <= (was ? used(was) : 0) || used(a) <= a.capacity, 'no agent takes on more than its capacity', { before: was, after: a });
    // Every pending offer is an offered task, offered to this agent; every conversation it has, a task it accepted.
    for (const id of a.offeredTaskIds) check(tasks.some((t) => t.id === id && t.state === 'offered' && t.agentId === a.agentId), 'a pending offer is a task offered to the agent', { agent: a, id });
    for (const c of a.conversationIds) check(tasks.some((t) => t.conversationId === c && t.state === 'accepted' && t.agentId === a.agentId), 'load is a conversation the agent accepted a task of', { agent: a, c });
  }
  for (const t of tasks) {
    const holders = agents.filter((a) => a.offeredTaskIds.includes(t.id)).map((a) => a.agentId);
    // Offered to exactly one agent at a time, the one it names; an accepted task belongs to exactly one agent.
    if (t.state === 'offered') check(holders.length === 1 && holders[0] === t.agentId, 'an offered task is held by exactly its agent', { t, holders });
    else check(holders.length === 0, 'only an offered task is held as an offer', { t, holders });
    if (t.state === 'accepted') check(typeof t.agentId === 'string' && AGENTS.includes(t.agentId as (typeof AGENTS)[number]), 'an accepted task names its one agent', t);
    if (t.state === 'queued') check(t.agentId === undefined, 'a queued task has no agent', t);
  }
  const queuedIds = (l: string | null) => tasks.filter((t) => t.state === 'queued' && (t.listId ?? null) === l).map((t) => t.id).sort();
  [...LISTS, null].forEach((l, i) => check(isDeepStrictEqual(after.queued[i]!.map((t) => t.id).sort(), queuedIds(l)), 'queued(list) is the queued tasks of the list', { l, queued: after.queued[i] }));
}

describe('routing stores agree (property)', () => {
  let client: HubRedisClient;
  const base = `${randomName('routing-prop')}:`;
  let runs = 0;
  let steps = 0;
  /** How each kind of call ended, over every step: answered a value, answered null, threw. */
  const tally: Record<string, Record<'ok' | 'null' | 'error', number>> = {};

  beforeAll(async () => {
    client = await connectTestRedis();
  });
  afterAll(async () => {
    await deleteKeys(client, base);
    await closeRedis(client);
  });

  it('MemoryRoutingStore and RedisRoutingStore answer alike over random sequences of calls', async () => {
    const numRuns = Number(process.env.FC_RUNS ?? 1_000);
    const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
    const t0 = performance.now();
    await fc.assert(
      fc.asyncProperty(sequence, async (seq) => {
        runs++;
        // A fresh prefix per run (shrinking reruns too); every key under `base` goes in afterAll.
        const memory = new MemoryRoutingStore();
        const redis = new RedisRoutingStore(client, { prefix: `${base}${runs}:` });
        let now = T0;
        let before = await snapshot(memory);
        for (const [i, { dt, op: o }] of seq.entries()) {
          steps++;
          now += dt;
          const names = await resolve(memory, o, i);
          const expected = await outcome(() => call(memory, o, now, names));
          const actual = await outcome(() => call(redis, o, now, names));
          same({ step: i, op: o, names, now, answer: actual }, { step: i, op: o, names, now, answer: expected });
          const kind = 'ok' in expected ? (expected.ok === null ? 'null' : 'ok') : 'error';
          tally[o.k] = { ...(tally[o.k] ?? { ok: 0, null: 0, error: 0 }), [kind]: (tally[o.k]?.[kind] ?? 0) + 1 };
          const [m, r] = await Promise.all([snapshot(memory), snapshot(redis)]);
          same({ step: i, op: o, state: r }, { step: i, op: o, state: m });
          checkInvariants(before, m);
          before = m;
        }
      }),
      { numRuns, ...(seed === undefined ? {} : { seed }) },
    );
    const ms = performance.now() - t0;
    process.stdout.write(
      `routing stores property: ${numRuns} sequences (${runs} runs with shrinking), ${steps} steps in ${(ms / 1000).toFixed(1)} s\n` +
        Object.entries(tally)
          .map(([k, v]) => `  ${k}: ${v.ok} answered, ${v.null} null, ${v.error} refused\n`)
          .join(''),
    );
  }, 180_000);
});

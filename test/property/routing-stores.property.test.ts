import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import type { AgentTask, RoutingMode } from '@conversation-hub/client-sdk/contract';
import type { HubRedisClient } from '../../server/redis/connect.js';
import { MemoryRoutingStore } from '../../server/routing/memory-routing-store.js';
import { RedisRoutingStore } from '../../server/routing/redis-routing-store.js';
import type { AgentStatus, ClosedTask, Requeued, RoutingStore } from '../../server/ports.js';
import { closeRedis, connectTestRedis, deleteKeys, randomName } from '../helpers/redis.js';
import { call, CONVS, LISTS, resolve, sequence, T0, type Op, type Resolved } from './routing-ops.js';

/*
 * The routing stores agree, and route as promised. The routing rules exist twice, once in
 * TypeScript (server/domain/routing-rules.ts, run by MemoryRoutingStore) and once in Lua
 * (RedisRoutingStore's scripts); this drives both with the same random sequences of calls
 * (test/property/routing-ops.ts), the same ids and the same clock (`now` is an input), and requires
 * the same answer to every call and the same state after every step. Each step is followed by the
 * engine's reaction (offerNext for a new or requeued task, retarget for a refused transfer,
 * nextTaskForAgent until null for an agent that became ready or freed a slot, closing the task of
 * an agent that left), and then the invariants must hold: no agent takes on more than its
 * capacity, no task is offered to two agents, every accepted task belongs to its one agent, and no
 * queued push-mode task waits while an agent that may take it has a free slot.
 *
 * FC_SEED=<seed> replays a run fast-check reported; FC_RUNS=<n> changes the number of sequences.
 */

/** What routing keeps about a task besides the AgentTask: the test's own model, from the calls' answers. */
interface Meta {
  mode: RoutingMode;
  target?: string;
  excluded: string[];
}

interface Snapshot {
  agents: AgentStatus[];
  byConversation: AgentTask[][];
  queued: AgentTask[][];
  waiting: AgentTask[][];
}

async function snapshot(s: RoutingStore): Promise<Snapshot> {
  const lists = [...LISTS, null];
  const [agents, byConversation, queued, waiting] = await Promise.all([
    s.listAgents(),
    Promise.all(CONVS.map((id) => s.tasksOf(id))),
    Promise.all(lists.map((l) => s.queued(l))),
    Promise.all(lists.map((l) => s.waiting(l))),
  ]);
  return { agents, byConversation, queued, waiting };
}

/** expect(actual).toEqual(expected), with a cheap check first: thousands of steps compare their whole state. */
function same(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}

type Outcome = { ok: unknown } | { error: unknown };

async function outcome(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: await run() };
  } catch (err) {
    const e = err as { name?: string; code?: string; message?: string; details?: unknown };
    return { error: { name: e.name, code: e.code, message: e.message, details: e.details } };
  }
}

function check(ok: boolean, what: string, about: unknown): void {
  if (!ok) throw new Error(`invariant broken: ${what}: ${JSON.stringify(about)}`);
}

const used = (a: AgentStatus) => a.load + a.pendingOffers;

/** After every call: capacity and offers. `before` is the state before the call. */
function checkCall(before: Snapshot, after: Snapshot): void {
  const tasks = after.byConversation.flat();
  for (const a of after.agents) {
    check(a.load === a.conversationIds.length && a.pendingOffers === a.offeredTaskIds.length, 'load and pendingOffers count the lists', a);
    check(new Set(a.conversationIds).size === a.conversationIds.length && new Set(a.offeredTaskIds).size === a.offeredTaskIds.length, 'no duplicates', a);
    // A step may lower the capacity under what the agent holds, never add to what it holds past it.
    const was = before.agents.find((b) => b.agentId === a.agentId);
    check(used(a) <= (was ? used(was) : 0) || used(a) <= a.capacity, 'no agent takes on more than its capacity', { before: was, after: a });
    for (const id of a.offeredTaskIds) check(tasks.some((t) => t.id === id && t.state === 'offered' && t.agentId === a.agentId), 'a pending offer is a task offered to the agent', { agent: a, id });
  }
  for (const t of tasks) {
    const holders = after.agents.filter((a) => a.offeredTaskIds.includes(t.id)).map((a) => a.agentId);
    if (t.state === 'offered') check(holders.length === 1 && holders[0] === t.agentId, 'an offered task is held by exactly its one agent', { t, holders });
    else check(holders.length === 0, 'only an offered task is held as an offer', { t, holders });
    if (t.state === 'queued') check(t.agentId === undefined, 'a queued task has no agent', t);
  }
  [...LISTS, null].forEach((l, i) => {
    const of = (states: string[]) => tasks.filter((t) => states.includes(t.state) && (t.listId ?? null) === l).map((t) => t.id).sort();
    check(isDeepStrictEqual(after.queued[i]!.map((t) => t.id).sort(), of(['queued'])), 'queued(list) is the queued tasks of the list', { l, queued: after.queued[i] });
    check(isDeepStrictEqual(after.waiting[i]!.map((t) => t.id).sort(), of(['queued', 'offered'])), 'waiting(list) is its queued and offered tasks', { l, waiting: after.waiting[i] });
  });
}

/** After the engine's reaction to a step: accepted tasks have their one agent, and nothing waits for a free agent that may take it. */
function checkSettled(s: Snapshot, meta: Map<string, Meta>): void {
  const tasks = s.byConversation.flat();
  for (const a of s.agents) {
    for (const c of a.conversationIds) check(tasks.some((t) => t.conversationId === c && t.state === 'accepted' && t.agentId === a.agentId), 'load is a conversation the agent accepted a task of', { agent: a, c });
  }
  for (const t of tasks.filter((x) => x.state === 'accepted')) {
    const owners = s.agents.filter((a) => a.agentId === t.agentId && a.conversationIds.includes(t.conversationId));
    const twins = tasks.filter((x) => x.state === 'accepted' && x.conversationId === t.conversationId && x.agentId === t.agentId);
    check(owners.length === 1 && twins.length === 1, 'an accepted task belongs to exactly one agent', { t, owners, twins });
  }
  for (const t of tasks.filter((x) => x.state === 'queued' && meta.get(x.id)?.mode === 'push')) {
    const m = meta.get(t.id)!;
    const eligible = s.agents.filter(
      (a) =>
        a.state === 'ready' &&
        a.connected &&
        used(a) < a.capacity &&
        (t.listId === undefined || a.lists.includes(t.listId)) &&
        (t.requiredSkills ?? []).every((k) => a.skills.includes(k)) &&
        !m.excluded.includes(a.agentId) &&
        (m.target === undefined || m.target === a.agentId),
    );
    check(eligible.length === 0, 'no queued push-mode task waits while an agent that may take it has a free slot', { t, m, eligible });
  }
}

describe('routing stores agree (property)', () => {
  let client: HubRedisClient;
  const base = `${randomName('routing-prop')}:`;
  let runs = 0;
  let steps = 0;
  /** How each kind of call ended, over every step and reaction: answered a value, answered null, threw. */
  const tally: Record<string, Record<'ok' | 'null' | 'error', number>> = {};

  beforeAll(async () => {
    client = await connectTestRedis();
  });
  afterAll(async () => {
    await deleteKeys(client, base);
    await closeRedis(client);
  });

  it('MemoryRoutingStore and RedisRoutingStore answer alike and keep the routing invariants over random sequences', async () => {
    const numRuns = Number(process.env.FC_RUNS ?? 80);
    const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
    const t0 = performance.now();
    await fc.assert(
      fc.asyncProperty(sequence, async (seq) => {
        runs++;
        // A fresh prefix per run (shrinking reruns too); every key under `base` goes in afterAll.
        const memory = new MemoryRoutingStore({ defaultCapacity: 2 });
        const redis = new RedisRoutingStore(client, { prefix: `${base}${runs}:`, defaultCapacity: 2 });
        const meta = new Map<string, Meta>();
        let now = T0;
        let state = await snapshot(memory);

        /** One call on both stores: the same answer, the model updated, the per-call invariants checked. */
        const run = async (step: number, o: Op, names: Resolved): Promise<Outcome> => {
          const forgotten = o.k === 'forgetConversation' ? (await memory.tasksOf(o.conv)).map((t) => t.id) : [];
          const expected = await outcome(() => call(memory, o, now, names));
          const actual = await outcome(() => call(redis, o, now, names));
          same({ step, op: o, names, now, answer: actual }, { step, op: o, names, now, answer: expected });
          const kind = 'ok' in expected ? (expected.ok === null ? 'null' : 'ok') : 'error';
          tally[o.k] = { ...(tally[o.k] ?? { ok: 0, null: 0, error: 0 }), [kind]: (tally[o.k]?.[kind] ?? 0) + 1 };
          if ('ok' in expected) track(o, names, expected.ok, meta, forgotten);
          const after = await snapshot(memory);
          checkCall(state, after);
          state = after;
          return expected;
        };
        const byId = (id: string) => ({ id });
        /** An agent that became ready or freed a slot is offered work until none fits. */
        const fill = async (step: number, agent: string | undefined) => {
          if (agent === undefined) return;
          for (let i = 0; i < 5; i++) {
            const r = await run(step, { k: 'nextTaskForAgent', agent }, { task: '', holder: '' });
            if (!('ok' in r) || r.ok === null) return;
          }
        };

        for (const [i, { dt, op: o0 }] of seq.entries()) {
          steps++;
          now += dt;
          const names = await resolve(memory, o0, i);
          const o = await engineLike(memory, o0, names);
          const r = await run(i, o, names);
          // The engine's reaction (refused or null calls change nothing; offers made free nothing).
          if (!('ok' in r) || r.ok === null) {
            // nothing
          } else if (o.k === 'setAgentState' || (o.k === 'setConnected' && o.connected)) await fill(i, o.agent);
          else if (o.k === 'createTask' || o.k === 'retarget') {
            const task = o.k === 'createTask' ? (r.ok as { task: AgentTask }).task : (r.ok as AgentTask);
            if (task.state === 'queued') await run(i, { k: 'offerNext', task: byId(task.id) }, { task: task.id, holder: '' });
          } else if (o.k === 'reject' || o.k === 'expire') {
            const q = r.ok as Requeued;
            // A refused transfer goes back to routing: its list, push mode, still not to whoever refused it.
            if (q.targeted) await run(i, { k: 'retarget', task: byId(q.task.id), mode: 'push', exclude: [], ...(q.task.listId ? { list: q.task.listId } : {}) }, { task: q.task.id, holder: '' });
            await run(i, { k: 'offerNext', task: byId(q.task.id) }, { task: q.task.id, holder: '' });
            await fill(i, q.agentId);
          } else if (o.k === 'closeTask' || o.k === 'forgetConversation') {
            for (const c of o.k === 'closeTask' ? [r.ok as ClosedTask] : (r.ok as ClosedTask[])) {
              await fill(i, c.revokedAgentId);
              await fill(i, c.freedAgentId);
            }
          } else if (o.k === 'releaseAgent') {
            // The agent left: its accepted tasks of the conversation are closed, then it takes new work.
            for (const t of await memory.tasksOf(o.conv)) {
              if (t.state === 'accepted' && t.agentId === o.agent) await run(i, { k: 'closeTask', task: byId(t.id) }, { task: t.id, holder: '' });
            }
            await fill(i, o.agent);
          }
          const [m, rs] = await Promise.all([snapshot(memory), snapshot(redis)]);
          same({ step: i, op: o, state: rs }, { step: i, op: o, state: m });
          checkSettled(m, meta);
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
  }, 120_000);
});

/**
 * What the engine would do instead of a call it never makes: an agent already handling the
 * conversation does not take a second task of it (accept turns into reject, pull into nothing).
 */
async function engineLike(memory: RoutingStore, o: Op, names: Resolved): Promise<Op> {
  if (o.k !== 'accept' && o.k !== 'pull') return o;
  const t = await memory.getTask(names.task);
  const agentId = o.k === 'accept' ? names.holder : o.agent;
  if (!t || !(await memory.tasksOf(t.conversationId)).some((x) => x.state === 'accepted' && x.agentId === agentId)) return o;
  return o.k === 'accept' ? { ...o, k: 'reject' } : { k: 'skip' };
}

/** The test's model of mode, target and exclusions, from what the calls answered. */
function track(o: Op, names: Resolved, answer: unknown, meta: Map<string, Meta>, forgotten: string[]): void {
  const m = meta.get(names.task);
  switch (o.k) {
    case 'createTask':
      if ((answer as { created: boolean }).created) meta.set(names.task, { mode: o.mode, ...(o.target ? { target: o.target } : {}), excluded: [...new Set(o.exclude ?? [])] });
      return;
    case 'reject':
    case 'expire':
      if (answer !== null && m && !m.excluded.includes(names.holder)) m.excluded.push(names.holder);
      return;
    case 'retryOffer':
      if (m) m.excluded = [];
      return;
    case 'retarget':
      if (m) meta.set(names.task, { mode: o.mode, excluded: [...new Set([...m.excluded, ...o.exclude])] });
      return;
    case 'forgetConversation':
      for (const id of forgotten) meta.delete(id);
      return;
    default:
      return;
  }
}

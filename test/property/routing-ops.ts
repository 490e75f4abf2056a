import fc from 'fast-check';
import type { RoutingMode, TaskReason } from '@conversation-hub/client-sdk/contract';
import type { RoutingStore } from '../../server/ports.js';

/*
 * The calls the routing property test makes (test/property/routing-stores.property.test.ts): what
 * a random step is, and how it runs on a store.
 */

export const AGENTS = ['a1', 'a2', 'a3', 'b'] as const;
export const CONVS = ['c1', 'c2', 'c3'] as const;
export const TASKS = ['t1', 't2', 't3', 't4', 't5', 't6', 't7'] as const;
export const LISTS = ['l1', 'l2'] as const;
export const SKILLS = ['fr', 'vip'] as const;
export const T0 = 1_700_000_000_000;
export const OFFER_MS = 30_000;

/**
 * What a call names, resolved against the memory store (the reference) just before the call, the
 * same for both stores: mostly a task in the state the call is about (the n-th of them, so calls
 * succeed often enough) and the agent it is offered to, sometimes a given id (any state, the wrong
 * agent, an unknown one).
 */
export type TaskRef = { state: 'queued' | 'offered' | 'accepted'; n: number } | { id: string };
export type AgentRef = { holder: true } | { id: string };

export type Op =
  | { k: 'setConnected'; agent: string; connected: boolean }
  | { k: 'setAgentState'; agent: string; state: 'ready' | 'not_ready'; capacity?: number; lists?: string[]; skills?: string[]; reason?: string }
  | {
      k: 'createTask';
      task: string | null;
      conv: string;
      mode: RoutingMode;
      reason: TaskReason;
      list?: string;
      target?: string;
      skills?: string[];
      exclude?: string[];
      unlessPending: boolean;
    }
  | { k: 'offerNext' | 'retryOffer'; task: TaskRef }
  | { k: 'retarget'; task: TaskRef; list?: string; mode: RoutingMode; exclude: string[] }
  | { k: 'nextTaskForAgent'; agent: string }
  | { k: 'accept' | 'reject' | 'expire'; task: TaskRef; agent: AgentRef }
  | { k: 'pull'; task: TaskRef; agent: string }
  | { k: 'closeTask'; task: TaskRef }
  | { k: 'releaseAgent'; agent: string; conv: string }
  | { k: 'notePositions'; list: string | null; interval: number }
  | { k: 'forgetConversation'; conv: string }
  /** Nothing: what a step the engine would not make turns into. */
  | { k: 'skip' };

/** A step: the clock moves by `dt` ms (0 often, so ties must break alike; now and then backwards: clocks of nodes differ), then `op` runs. */
export interface Step {
  dt: number;
  op: Op;
}

const agent = fc.constantFrom(...AGENTS);
const task = fc.constantFrom(...TASKS);
const conv = fc.constantFrom(...CONVS);
const list = fc.constantFrom(...LISTS);
const skills = fc.subarray([...SKILLS]);
const agentRef: fc.Arbitrary<AgentRef> = fc.oneof({ weight: 4, arbitrary: fc.constant({ holder: true as const }) }, { weight: 1, arbitrary: agent.map((id) => ({ id })) });
const taskRef = (state: 'queued' | 'offered' | 'accepted'): fc.Arbitrary<TaskRef> =>
  fc.oneof({ weight: 5, arbitrary: fc.nat(3).map((n) => ({ state, n })) }, { weight: 1, arbitrary: task.map((id) => ({ id })) });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** Drops the keys whose value is undefined: `exactOptionalPropertyTypes`-proof inputs, alike for both stores. */
export const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
const mode = fc.constantFrom('push' as const, 'push' as const, 'pull' as const);

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ k: fc.constant('setConnected' as const), agent, connected: fc.constantFrom(true, true, true, false) }) },
  {
    weight: 4,
    arbitrary: fc
      .record({
        k: fc.constant('setAgentState' as const),
        agent,
        state: fc.constantFrom('ready' as const, 'ready' as const, 'ready' as const, 'not_ready' as const),
        capacity: opt(fc.integer({ min: 1, max: 3 })),
        lists: opt(fc.subarray([...LISTS], { minLength: 1 })),
        skills: opt(skills),
        reason: opt(fc.constantFrom('lunch', 'training')),
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
        mode,
        reason: fc.constantFrom('new' as const, 'reroute' as const, 'overflow' as const),
        list: opt(list),
        skills: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: skills }),
        unlessPending: fc.boolean(),
      })
      .map(defined),
  },
  // A transfer: to a named agent, not to the one handing it over; its refusal is retargeted (the reaction).
  {
    weight: 3,
    arbitrary: fc
      .record({ k: fc.constant('createTask' as const), task: fc.constant(null), conv, mode: fc.constant('push' as const), reason: fc.constant('transfer' as const), list: opt(list), target: agent, exclude: fc.subarray([...AGENTS], { maxLength: 1 }), unlessPending: fc.constant(false) })
      .map(defined),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('offerNext' as const), task: taskRef('queued') }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('retryOffer' as const), task: taskRef('queued') }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('retarget' as const), task: taskRef('queued'), list: opt(list), mode, exclude: fc.subarray([...AGENTS], { maxLength: 2 }) }).map(defined) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('nextTaskForAgent' as const), agent }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('accept' as const), task: taskRef('offered'), agent: agentRef }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('reject' as const), task: taskRef('offered'), agent: agentRef }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('expire' as const), task: taskRef('offered'), agent: agentRef }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('pull' as const), task: taskRef('queued'), agent }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('closeTask' as const), task: fc.oneof(taskRef('accepted'), taskRef('accepted'), taskRef('offered'), taskRef('queued')) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('releaseAgent' as const), agent, conv }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('notePositions' as const), list: fc.constantFrom<string | null>(...LISTS, null), interval: fc.constantFrom(0, 5, 60_000) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('forgetConversation' as const), conv }) },
);

const dt = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 1, arbitrary: fc.integer({ min: -3, max: 60_000 }) });
const step: fc.Arbitrary<Step> = fc.record({ dt, op });

/**
 * A sequence: first some agents connect and go ready (so there is someone to route to from the
 * start; ordinary steps, compared like the rest), then random steps.
 */
export const sequence: fc.Arbitrary<Step[]> = fc
  .tuple(
    fc.subarray([...AGENTS], { minLength: 1 }).chain((ids) =>
      fc.tuple(...ids.map((id) => fc.record({ dt, capacity: fc.integer({ min: 1, max: 4 }), lists: fc.subarray([...LISTS], { minLength: 1 }), skills }).map((a) => ({ id, ...a })))),
    ),
    fc.array(step, { minLength: 10, maxLength: 60, size: 'max' }),
  )
  .map(([agents, steps]) => [
    ...agents.flatMap((a): Step[] => [
      { dt: a.dt, op: { k: 'setConnected', agent: a.id, connected: true } },
      { dt: 0, op: { k: 'setAgentState', agent: a.id, state: 'ready', capacity: a.capacity, lists: a.lists, skills: a.skills } },
    ]),
    ...steps,
  ]);

/** What an op's refs resolved to, once, for both stores. */
export interface Resolved {
  task: string;
  holder: string;
}

/** Runs one call on a store, with the task and agent its refs resolved to. */
export function call(s: RoutingStore, o: Op, now: number, { task: t, holder }: Resolved): Promise<unknown> {
  const expiresAt = now + OFFER_MS;
  switch (o.k) {
    case 'setConnected':
      return s.setConnected(o.agent, o.connected, now);
    case 'setAgentState':
      return s.setAgentState(o.agent, defined({ state: o.state, capacity: o.capacity, lists: o.lists, skills: o.skills, reason: o.reason }), now);
    case 'createTask':
      return s.createTask(
        defined({ id: t, conversationId: o.conv, mode: o.mode, reason: o.reason, listId: o.list, targetAgentId: o.target, requiredSkills: o.skills, exclude: o.exclude, unlessPending: o.unlessPending }),
        now,
      );
    case 'offerNext':
      return s.offerNext(t, now, expiresAt);
    case 'retryOffer':
      return s.retryOffer(t, now, expiresAt);
    case 'retarget':
      return s.retarget(t, defined({ listId: o.list, mode: o.mode, exclude: o.exclude }), now);
    case 'nextTaskForAgent':
      return s.nextTaskForAgent(o.agent, now, expiresAt);
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
    case 'notePositions':
      return s.notePositions(o.list, now, o.interval);
    case 'forgetConversation':
      return s.forgetConversation(o.conv, now);
    case 'skip':
      return Promise.resolve(null);
  }
}

/**
 * The task and agent an op's refs name, read from the memory store (the reference): with no task in
 * the state, the n-th task in any state; with no task at all, the n-th id of TASKS.
 */
export async function resolve(memory: RoutingStore, o: Op, i: number): Promise<Resolved> {
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

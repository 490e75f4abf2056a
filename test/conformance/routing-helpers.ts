import { afterEach, beforeEach } from '@jest/globals';
import type { RoutingStore } from '../../server/ports.js';

/** What a routing fixture is made with: the store's constructor options the suites vary. */
export interface RoutingFixtureOptions {
  defaultCapacity?: number;
}

export interface RoutingFixture {
  /** An empty store (for Redis: a fresh key prefix): the tests use fixed ids. */
  store: RoutingStore;
  /**
   * Another store over the same data through its own connection: another node. Only for shared
   * stores (Redis); the cross-node tests are left out without it.
   */
  peer?: () => Promise<RoutingStore>;
  teardown(): Promise<void>;
}

export type CreateRoutingFixture = (options?: RoutingFixtureOptions) => Promise<RoutingFixture>;

export const T = 1_700_000_000_000;
export const EXP = T + 30_000;
export const iso = (ms: number) => new Date(ms).toISOString();

export interface TaskOptions {
  at?: number;
  listId?: string | null;
  mode?: 'push' | 'pull';
  conversationId?: string;
  targetAgentId?: string;
  requiredSkills?: string[];
  exclude?: string[];
}

/**
 * A fresh store per test (`ctx.store`, `ctx.make` for one with other options, torn down too) and
 * the suites' shorthands: a ready connected agent, a task on 'sales'.
 */
export function routingContext(createFixture: CreateRoutingFixture) {
  const fixtures: RoutingFixture[] = [];
  const ctx = {
    store: undefined as unknown as RoutingStore,
    /** Another node over `store`'s data (shared stores only). */
    peer: undefined as RoutingFixture['peer'],
    async make(options: RoutingFixtureOptions): Promise<RoutingStore> {
      const fx = await createFixture(options);
      fixtures.push(fx);
      return fx.store;
    },
    /** A ready, connected agent on `lists` (default sales) with `skills`, idle since `idleSince`. */
    async agent(agentId: string, idleSince: number, opts: { capacity?: number; lists?: string[]; skills?: string[] } = {}) {
      await ctx.store.setConnected(agentId, true, idleSince);
      const skills = opts.skills === undefined ? {} : { skills: opts.skills };
      return ctx.store.setAgentState(agentId, { state: 'ready', capacity: opts.capacity ?? 1, lists: opts.lists ?? ['sales'], ...skills }, idleSince);
    },
    async task(id: string, opts: TaskOptions = {}) {
      const listId = opts.listId === undefined ? 'sales' : opts.listId;
      const { task } = await ctx.store.createTask(
        {
          id,
          conversationId: opts.conversationId ?? `conv-${id}`,
          mode: opts.mode ?? 'push',
          reason: 'new',
          ...(listId === null ? {} : { listId }),
          ...(opts.targetAgentId ? { targetAgentId: opts.targetAgentId } : {}),
          ...(opts.requiredSkills ? { requiredSkills: opts.requiredSkills } : {}),
          ...(opts.exclude ? { exclude: opts.exclude } : {}),
        },
        opts.at ?? T,
      );
      return task;
    },
  };
  beforeEach(async () => {
    ctx.store = await ctx.make({});
    ctx.peer = fixtures.at(-1)!.peer;
  });
  afterEach(async () => {
    for (const fx of fixtures.splice(0)) await fx.teardown();
  });
  return ctx;
}

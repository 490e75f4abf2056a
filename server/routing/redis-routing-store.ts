import type { Logger } from 'pino';
import type { AgentTask, RoutingMode } from '@conversation-hub/client-sdk/contract';
import { averageWaitSeconds } from '../domain/queue-positions.js';
import { compareTasks } from '../domain/routing-rules.js';
import { closeRedis, connectRedisTo, isCluster, type ConnectRedisOptions, type HubRedisClient, type RedisTarget } from '../redis/connect.js';
import { LuaScript } from '../redis/lua-script.js';
import type { AgentStateInput, AgentStatus, ClosedTask, CreateTaskInput, Offer, PositionNotes, QueueLength, Requeued, RoutingStore } from '../ports.js';
import { agentFromHash, agentOf, closedOf, iso, taskFromHash, taskOf, type ClosedReply, type Flat } from './redis-replies.js';

/** Every routing script is the shared prelude (keys, indexes, helpers) followed by its own body. */
function script(name: string): LuaScript {
  return LuaScript.fromFiles(name, ['./lua/routing_lib.lua', './lua/routing_task_lib.lua', `./lua/${name}.lua`], import.meta.url);
}
const scripts = {
  setAgent: script('set_agent'),
  createTask: script('create_task'),
  offerNext: script('offer_next'),
  nextTaskForAgent: script('next_task_for_agent'),
  accept: script('accept_offer'),
  requeue: script('requeue_offer'),
  pull: script('pull_task'),
  closeTask: script('close_task'),
  releaseAgent: script('release_agent'),
  forget: script('forget_conversation'),
  readTasks: script('read_tasks'),
  readAgents: script('read_agents'),
  retryOffer: script('retry_offer'),
  retarget: script('retarget_task'),
  notePositions: script('note_positions'),
};

export interface RedisRoutingStoreOptions {
  /**
   * Prepended to every key, so hubs or tests can share one Redis without seeing each other.
   * Default `hub:routing:`. For Redis Cluster, make it a hash tag (`{routing}:`): the scripts
   * touch keys they only find out about while running (the agent picked, its indexes).
   */
  prefix?: string;
  /** Told when offerNext finds (and repairs) a stale entry of the free-agent index. */
  log?: Logger;
  /** Capacity of an agent seen the first time (`HUB_AGENT_CAPACITY`). Default 1. */
  defaultCapacity?: number;
}

/**
 * Cluster mode's routing: agent presence, capacity, offers and queues in Redis, every method one
 * atomic step across nodes.
 *
 * Atomic decisions: every mutating method is ONE Lua script (one round trip), and the routing
 * decisions of offerNext and nextTaskForAgent are made inside it, mirroring pickAgent / nextTaskFor
 * of server/domain/routing-rules.ts. Chosen over "read in JS, decide with the pure functions,
 * commit with a version check" because offers contend by nature: every node offers new tasks to
 * the same few idle agents at once (the bench creates 2,000 conversations), and an optimistic
 * commit over the versions of every candidate agent would mostly conflict and retry, each retry
 * another two round trips. In Lua there is no retry and no window.
 *
 * What keeps it O(log n) per decision rather than a scan of every agent: indexes kept by the same
 * scripts (see lua/routing_lib.lua for the key layout). `{p}free:{list}` is a sorted set of the
 * agents that have a free slot (ready, connected, load + pending offers < capacity), scored by
 * idleSince; a zset orders equal scores by member, so its head is pickAgent's choice (idle longest,
 * ties by agentId) and offerNext only skips excluded agents and those lacking a skill. Queued
 * push-mode tasks sit in `{p}push:{list}` scored by createdAt, so nextTaskForAgent looks at the
 * head of each of the agent's lists; `{p}waiting:{list}` (queued or offered) gives waiting and the
 * customers' positions without a scan. Every script re-indexes an agent it changed (syncAgent), so
 * the indexes follow the facts pickAgent reads; offerNext also reads the picked agent back and
 * repairs a stale entry.
 *
 * Differences from the pure functions, both out of reach in practice: ties are broken by byte
 * order (UTF-8) where JS compares UTF-16 code units (they differ only between astral characters
 * and U+E000..U+FFFF in ids); and times are epoch ms as doubles (exact up to 2^53).
 *
 * Reads (getAgent, getTask) are one command; tasksOf, queued, waiting and listAgents one read-only script.
 */
export class RedisRoutingStore implements RoutingStore {
  private readonly p: string;
  private readonly defaultCapacity: number;

  constructor(
    private readonly redis: HubRedisClient,
    private readonly options: RedisRoutingStoreOptions & { ownsClient?: boolean } = {},
  ) {
    this.p = options.prefix ?? '{hub:routing}:';
    this.defaultCapacity = options.defaultCapacity ?? 1;
    // Every routing script derives keys from the prefix: on a cluster they must all share its slot.
    if (isCluster(redis) && !/^[^{]*\{[^}]+\}/.test(this.p)) throw new Error(`routing prefix ${this.p} is not a hash tag ({...}): on a Redis Cluster every routing key must share one slot`);
  }

  /** A store with its own connection, closed by `close()`. */
  static async connect(target: string | RedisTarget, options: RedisRoutingStoreOptions & ConnectRedisOptions = {}): Promise<RedisRoutingStore> {
    const client = await connectRedisTo(typeof target === 'string' ? { url: target } : target, { ...options, name: options.name ?? 'hub-routing' });
    return new RedisRoutingStore(client, { ...options, ownsClient: true });
  }

  /** Loads the scripts (optional: the first EVALSHA falls back to EVAL anyway). */
  async init(): Promise<void> {
    await Promise.all(Object.values(scripts).map((s) => s.load(this.redis)));
  }

  // ---- keys (the same names the scripts derive; see lua/routing_lib.lua) ----------------------
  private agentKey(id: string): string {
    return `${this.p}agent:${id}`;
  }
  private taskKey(id: string): string {
    return `${this.p}task:${id}`;
  }
  private convTasksKey(conversationId: string): string {
    return `${this.p}conv-tasks:${conversationId}`;
  }
  private queuedKey(listId: string | null): string {
    return listId === null ? `${this.p}queued-nolist` : `${this.p}queued:${listId}`;
  }
  private waitingKey(listId: string | null): string {
    return listId === null ? `${this.p}waiting-nolist` : `${this.p}waiting:${listId}`;
  }
  private waitsKey(listId: string | null): string {
    return listId === null ? `${this.p}waits-nolist` : `${this.p}waits:${listId}`;
  }

  /**
   * Runs a routing script: ARGV[1] is the prefix. Answers the values of its `ok` reply (typed as
   * its header says); an `err` reply is thrown as a HubError by LuaScript.run.
   */
  private run<T extends unknown[]>(s: LuaScript, keys: string | string[], args: (string | number)[]): Promise<T> {
    return s.run<T>(this.redis, typeof keys === 'string' ? [keys] : keys, [this.p, ...args]);
  }

  // ---- agents ---------------------------------------------------------------------------------
  async setAgentState(agentId: string, input: AgentStateInput, now: number): Promise<AgentStatus> {
    const [agent] = await this.run<[Flat]>(scripts.setAgent, this.agentKey(agentId), [
      agentId,
      now,
      input.state,
      input.capacity ?? '',
      input.lists === undefined ? '' : JSON.stringify(input.lists),
      '',
      input.skills === undefined ? '' : JSON.stringify(input.skills),
      input.reason === undefined ? '' : `1${input.reason}`,
      this.defaultCapacity,
    ]);
    return agentOf(agentId, agent);
  }

  async setConnected(agentId: string, connected: boolean, now: number): Promise<AgentStatus> {
    const [agent] = await this.run<[Flat]>(scripts.setAgent, this.agentKey(agentId), [agentId, now, '', '', '', connected ? '1' : '0', '', '', this.defaultCapacity]);
    return agentOf(agentId, agent);
  }

  async listAgents(): Promise<AgentStatus[]> {
    const [flat] = await this.run<[(string | Flat)[]]>(scripts.readAgents, `${this.p}agents`, []);
    const agents: AgentStatus[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) agents.push(agentOf(flat[i] as string, flat[i + 1] as Flat));
    return agents.sort((x, y) => (x.agentId < y.agentId ? -1 : x.agentId > y.agentId ? 1 : 0));
  }

  async getAgent(agentId: string): Promise<AgentStatus | null> {
    const h = await this.redis.hGetAll(this.agentKey(agentId));
    return h.state === undefined ? null : agentFromHash(agentId, h);
  }

  // ---- tasks ----------------------------------------------------------------------------------
  async createTask(input: CreateTaskInput, now: number): Promise<{ task: AgentTask; created: boolean }> {
    const [created, task] = await this.run<['1' | '0', Flat]>(scripts.createTask, [this.taskKey(input.id), this.convTasksKey(input.conversationId)], [
      input.id,
      input.conversationId,
      input.listId === undefined ? '0' : '1',
      input.listId ?? '',
      input.mode,
      input.targetAgentId === undefined ? '0' : '1',
      input.targetAgentId ?? '',
      input.unlessPending ? '1' : '0',
      now,
      iso(now),
      input.reason,
      input.requiredSkills?.length ? JSON.stringify(input.requiredSkills) : '',
      JSON.stringify([...new Set(input.exclude ?? [])]),
    ]);
    return { task: taskOf(task), created: created === '1' };
  }

  async getTask(taskId: string): Promise<AgentTask | null> {
    const h = await this.redis.hGetAll(this.taskKey(taskId));
    return h.state === undefined ? null : taskFromHash(h);
  }

  async tasksOf(conversationId: string): Promise<AgentTask[]> {
    const [tasks] = await this.run<[Flat[]]>(scripts.readTasks, this.convTasksKey(conversationId), ['list']);
    return tasks.map(taskOf).sort(compareTasks);
  }

  async queued(listId: string | null): Promise<AgentTask[]> {
    const [tasks] = await this.run<[Flat[]]>(scripts.readTasks, this.queuedKey(listId), ['zset']);
    return tasks.map(taskOf).sort(compareTasks);
  }

  async waiting(listId: string | null): Promise<AgentTask[]> {
    const [tasks] = await this.run<[Flat[]]>(scripts.readTasks, this.waitingKey(listId), ['zset']);
    return tasks.map(taskOf).sort(compareTasks);
  }

  async notePositions(listId: string | null, now: number, minIntervalMs: number): Promise<PositionNotes> {
    const [changed, retryAt, sum, count] = await this.run<[[Flat, number][], string, number, number]>(
      scripts.notePositions,
      [this.waitingKey(listId), this.waitsKey(listId)],
      [now, minIntervalMs],
    );
    const out: PositionNotes = { changed: changed.map(([task, position]) => ({ task: taskOf(task), position })), averageWaitSeconds: averageWaitSeconds(sum, count) };
    if (retryAt !== '') out.retryAt = Number(retryAt);
    return out;
  }

  /**
   * A SCAN for the lists' `queued:` zsets (Redis drops a zset when it empties, so only lists with
   * waiting tasks are found), then one ZCARD each. It walks the keyspace, so it is for a scrape
   * every few seconds, not for the hot path.
   */
  async queueLengths(): Promise<QueueLength[]> {
    const lists: string[] = [];
    const match = `${this.p.replace(/[*?[\]\\]/g, '\\$&')}queued:*`;
    // On a Redis Cluster every routing key is in one slot (the prefix is a hash tag): scan its master.
    const node = isCluster(this.redis) ? await (this.redis as unknown as { getNodeClientForKey(k: string): Promise<HubRedisClient> }).getNodeClientForKey(`${this.p}agents`) : this.redis;
    let cursor = '0';
    do {
      const reply = await node.scan(cursor, { MATCH: match, COUNT: 1000 });
      cursor = String(reply.cursor);
      lists.push(...reply.keys.map((k) => k.slice(`${this.p}queued:`.length)));
    } while (cursor !== '0');
    const ids = [null, ...new Set(lists)];
    const counts = await Promise.all(ids.map((id) => this.redis.zCard(this.queuedKey(id))));
    return ids.map((listId, i) => ({ listId, queued: counts[i]! })).filter((q) => q.queued > 0);
  }

  // ---- offers ---------------------------------------------------------------------------------
  async offerNext(taskId: string, now: number, expiresAt: number): Promise<Offer | null> {
    const [repaired, task, agentId] = await this.run<[number, Flat?, string?]>(scripts.offerNext, this.taskKey(taskId), [taskId, iso(now), expiresAt]);
    if (repaired > 0) this.options.log?.warn({ taskId, repaired }, 'routing: stale free-agent index entries repaired');
    return task && agentId !== undefined ? { task: taskOf(task), agentId, expiresAt } : null;
  }

  async retryOffer(taskId: string, now: number, expiresAt: number): Promise<Offer | null> {
    const [repaired, task, agentId] = await this.run<[number, Flat?, string?]>(scripts.retryOffer, this.taskKey(taskId), [taskId, iso(now), expiresAt]);
    if (repaired > 0) this.options.log?.warn({ taskId, repaired }, 'routing: stale free-agent index entries repaired');
    return task && agentId !== undefined ? { task: taskOf(task), agentId, expiresAt } : null;
  }

  async retarget(taskId: string, to: { listId?: string; mode: RoutingMode; exclude: string[] }, _now: number): Promise<AgentTask> {
    const [task] = await this.run<[Flat]>(scripts.retarget, this.taskKey(taskId), [
      taskId,
      to.listId === undefined ? '0' : '1',
      to.listId ?? '',
      to.mode,
      JSON.stringify(to.exclude),
    ]);
    return taskOf(task);
  }

  async nextTaskForAgent(agentId: string, now: number, expiresAt: number): Promise<Offer | null> {
    const [task] = await this.run<[Flat?]>(scripts.nextTaskForAgent, this.agentKey(agentId), [agentId, iso(now), expiresAt]);
    return task ? { task: taskOf(task), agentId, expiresAt } : null;
  }

  async accept(taskId: string, agentId: string, now: number): Promise<AgentTask> {
    const [task] = await this.run<[Flat]>(scripts.accept, this.taskKey(taskId), [taskId, agentId, iso(now), now]);
    return taskOf(task);
  }

  async reject(taskId: string, agentId: string, _now: number): Promise<Requeued> {
    const [task, offeredAt, targeted] = await this.run<[Flat, string, string]>(scripts.requeue, this.taskKey(taskId), [taskId, agentId, 'reject']);
    return { task: taskOf(task), agentId, offeredAt, targeted: targeted === '1' };
  }

  async expire(taskId: string, agentId: string, _now: number): Promise<Requeued | null> {
    const [task, offeredAt, targeted] = await this.run<[Flat?, string?, string?]>(scripts.requeue, this.taskKey(taskId), [taskId, agentId, 'expire']);
    return task ? { task: taskOf(task), agentId, offeredAt: offeredAt!, targeted: targeted === '1' } : null;
  }

  async pull(taskId: string, agentId: string, now: number): Promise<AgentTask> {
    const [task] = await this.run<[Flat]>(scripts.pull, this.taskKey(taskId), [taskId, agentId, iso(now), now]);
    return taskOf(task);
  }

  // ---- closing --------------------------------------------------------------------------------
  async closeTask(taskId: string, now: number): Promise<ClosedTask> {
    const [closed] = await this.run<[ClosedReply]>(scripts.closeTask, this.taskKey(taskId), [taskId, now, iso(now)]);
    return closedOf(closed);
  }

  async releaseAgent(agentId: string, conversationId: string, now: number): Promise<AgentStatus | null> {
    const [agent] = await this.run<[Flat?]>(scripts.releaseAgent, this.agentKey(agentId), [agentId, conversationId, now]);
    return agent ? agentOf(agentId, agent) : null;
  }

  async forgetConversation(conversationId: string, now: number): Promise<ClosedTask[]> {
    const [closed] = await this.run<[ClosedReply[]]>(scripts.forget, this.convTasksKey(conversationId), [conversationId, now, iso(now)]);
    return closed.map(closedOf);
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) await closeRedis(this.redis);
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Activity, ActivityDraft, ConversationState } from '@conversation-hub/client-sdk/contract';
import { isJoinable } from '../domain/conversation-state.js';
import type { Change, ConversationDoc, Transition } from '../domain/conversation.js';
import { dedupeKey } from '../domain/dedupe.js';
import { conflict, notFound } from '../domain/errors.js';
import { closeRedis, connectRedis, type ConnectRedisOptions, type HubRedisClient } from '../redis/connect.js';
import { LuaScript } from '../redis/lua-script.js';
import type { AppendOptions, AppendResult, Committed, ConnectorTarget, StoredConversation } from './conversation-store.js';
import type { ConversationStore, ConversationStateCounts } from '../ports.js';
import { agentSide, CONFLICT, connectorsJson, draftJson, noop, orStale, withSeq } from './redis-store-helpers.js';

const appendActivity = LuaScript.fromFile('append_activity', './lua/append_activity.lua', import.meta.url);
const commitTransition = LuaScript.fromFile('commit_transition', './lua/commit_transition.lua', import.meta.url);
const removeConversation = LuaScript.fromFile('remove_conversation', './lua/remove_conversation.lua', import.meta.url);

export interface RedisStoreOptions {
  /** Prepended to every key, so hubs or tests can share one Redis without seeing each other. Default `hub:`. */
  prefix?: string;
  /** How many times a transition runs before `update` gives up with `conflict`. Default 100. */
  maxAttempts?: number;
  log?: Logger;
}

/** A conversation as read for a transition: the doc, its JSON as stored, its optimistic version. */
interface Read { doc: ConversationDoc; raw: string; ver: string; seq: number }

/**
 * Cluster mode's store: live conversations in Redis; every step is one Lua script, so it is atomic
 * across nodes.
 *
 * Keys (ids URI-encoded; the `{id}` braces are a Redis Cluster hash tag, so one conversation's keys
 * share a slot):
 * - `{p}conv:{id}` hash: `doc` (ConversationDoc JSON), `ver` (bumped by every committed
 *   transition), `seq` (last seq), `state`, `customer`, and `s:{sessionId}` per open channel
 *   session holding the customer's last activity (epoch ms);
 * - `{p}conv:{id}:log` list: element i is the activity with seq i+1 (so `since` is one LRANGE);
 * - `{p}conv:{id}:cmid` hash: clientMessageId → seq;
 * - `{p}customer:{customerId}:open`: the customer's open conversation;
 * - `{p}participant:{participantId}:conversations` set: live conversations a non-customer
 *   participant is in;
 * - `{p}conversations` set: every live conversation id;
 * - `{p}conversation-states` hash: state → how many live conversations are in it, kept by the
 *   same scripts that write a conversation's `state` (so `countByState` is one HGETALL).
 *
 * `append` is one script, one round trip. `update` reads the doc, runs the pure transition in JS
 * and commits with a script that checks the version (and, for `updateForCustomer`, the customer
 * pointer) is unchanged, else runs the transition again. Transitions of one conversation (or one
 * customer) queue up inside this process so they conflict only with other nodes.
 *
 * Not for Redis Cluster as is: `updateForCustomer`'s commit spans the conversation's slot and the
 * customer's pointer.
 */
export class RedisConversationStore implements ConversationStore {
  private readonly p: string;
  private readonly maxAttempts: number;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly redis: HubRedisClient,
    private readonly options: RedisStoreOptions & { ownsClient?: boolean } = {},
  ) {
    this.p = options.prefix ?? 'hub:';
    this.maxAttempts = options.maxAttempts ?? 100;
  }

  /** A store with its own connection, closed by `close()`. */
  static async connect(url: string, options: RedisStoreOptions & ConnectRedisOptions = {}): Promise<RedisConversationStore> {
    const client = await connectRedis(url, { ...options, name: options.name ?? 'hub-store' });
    return new RedisConversationStore(client, { ...options, ownsClient: true });
  }

  /** Loads the scripts (optional: the first EVALSHA falls back to EVAL anyway). */
  async init(): Promise<void> {
    await Promise.all([appendActivity, commitTransition, removeConversation].map((s) => s.load(this.redis)));
  }

  // ---- keys ---------------------------------------------------------------------------------
  private conv(id: string): string {
    return `${this.p}conv:{${encodeURIComponent(id)}}`;
  }
  private convKeys(id: string): [string, string, string] {
    const c = this.conv(id);
    return [c, `${c}:log`, `${c}:cmid`];
  }
  private pointer(customerId: string): string {
    return `${this.p}customer:${encodeURIComponent(customerId)}:open`;
  }
  private participantKey(participantId: string): string {
    return `${this.p}participant:${encodeURIComponent(participantId)}:conversations`;
  }
  private get liveSet(): string {
    return `${this.p}conversations`;
  }
  private get stateCounts(): string {
    return `${this.p}conversation-states`;
  }

  // ---- reads --------------------------------------------------------------------------------
  async get(id: string): Promise<StoredConversation | null> {
    const h = await this.redis.hGetAll(this.conv(id));
    if (!h.doc) return null;
    const sessionActivity: Record<string, number> = {};
    for (const [field, value] of Object.entries(h)) if (field.startsWith('s:')) sessionActivity[field.slice(2)] = Number(value);
    return { doc: JSON.parse(h.doc) as ConversationDoc, lastSeq: Number(h.seq ?? 0), sessionActivity };
  }

  async openConversationOf(customerId: string): Promise<string | null> {
    return (await this.redis.get(this.pointer(customerId))) ?? null;
  }

  private async read(id: string): Promise<Read | null> {
    const [raw, ver, seq] = await this.redis.hmGet(this.conv(id), ['doc', 'ver', 'seq']);
    if (!raw || !ver) return null;
    return { doc: JSON.parse(raw) as ConversationDoc, raw, ver, seq: Number(seq ?? 0) };
  }

  async since(id: string, afterSeq: number, limit: number): Promise<{ activities: Activity[]; lastSeq: number }> {
    const start = Math.max(0, Math.floor(afterSeq));
    const count = Math.max(0, Math.floor(limit));
    const { activities, lastSeq } = await this.range(id, start, start + count - 1);
    return { activities: count === 0 ? [] : activities, lastSeq };
  }

  async all(id: string): Promise<Activity[]> {
    return (await this.range(id, 0, -1)).activities;
  }

  /** The log's elements start..stop (LRANGE) and the last seq, in one MULTI; `not_found` when the conversation is gone. */
  private async range(id: string, start: number, stop: number): Promise<{ activities: Activity[]; lastSeq: number }> {
    const [c, log] = this.convKeys(id);
    const [seq, items] = (await this.redis.multi().hGet(c, 'seq').lRange(log, start, stop).exec()) as unknown as [string | null, string[]];
    if (seq === null || seq === undefined) throw notFound('conversation');
    return { activities: items.map((j) => JSON.parse(j) as Activity), lastSeq: Number(seq) };
  }

  async listIds(): Promise<string[]> {
    return this.redis.sMembers(this.liveSet);
  }

  async countByState(): Promise<ConversationStateCounts> {
    const h = await this.redis.hGetAll(this.stateCounts);
    return Object.fromEntries(Object.entries(h).map(([state, n]) => [state, Math.max(0, Number(n))]));
  }

  async conversationsOf(participantId: string): Promise<string[]> {
    return this.redis.sMembers(this.participantKey(participantId));
  }

  // ---- append (hot path) ----------------------------------------------------------------------
  async append(id: string, d: ActivityDraft, options: AppendOptions = {}): Promise<AppendResult> {
    const json = draftJson(d);
    const keys: string[] = this.convKeys(id);
    const args: (string | number)[] = [json, dedupeKey(d), options.sessionId ?? '', Date.parse(d.at) || Date.now()];
    if (options.participantId !== undefined) {
      keys.push(this.participantKey(options.participantId));
      args.push(id);
    }
    // Refusals (not_found, forbidden, session_closed) are thrown by `run` as the hub's errors.
    const reply = await appendActivity.run<['appended', number, string, ConversationState] | ['duplicate', string]>(this.redis, keys, args);
    if (reply[0] === 'duplicate') return { activity: JSON.parse(reply[1]) as Activity, duplicate: true, connectors: [] };
    const [, seq, connectors, state] = reply;
    return { activity: JSON.parse(withSeq(json, Number(seq))) as Activity, duplicate: false, connectors: connectors ? (JSON.parse(connectors) as ConnectorTarget[]) : [], state };
  }

  // ---- transitions ----------------------------------------------------------------------------
  async update<R>(id: string, tx: Transition<ConversationDoc, R>): Promise<Committed<R>> {
    return this.serialized(`conv:${id}`, () =>
      this.retrying(async () => {
        const current = await this.read(id);
        if (!current) throw notFound('conversation');
        return this.commit(current, tx(current.doc), null);
      }),
    );
  }

  async updateForCustomer<R>(customerId: string, tx: Transition<ConversationDoc | null, R>): Promise<Committed<R>> {
    return this.serialized(`customer:${customerId}`, () =>
      this.retrying(async () => {
        const pointer = (await this.redis.get(this.pointer(customerId))) ?? '';
        let current = pointer ? await this.read(pointer) : null;
        // A conversation that stopped being joinable between the two reads: the commit's pointer
        // check fails and the transition runs again.
        if (current && (!isJoinable(current.doc.state) || current.doc.customerId !== customerId)) current = null;
        return this.commit(current, tx(current?.doc ?? null), { key: this.pointer(customerId), expected: pointer });
      }),
    );
  }

  private async commit<R>(read: Read | null, change: Change<R>, pointer: { key: string; expected: string } | null): Promise<Committed<R> | typeof CONFLICT> {
    const { doc, activities } = change;
    const same = read !== null && read.doc.id === doc.id;
    const docJson = JSON.stringify(doc);
    if (same && activities.length === 0 && (doc === read.doc || docJson === read.raw)) {
      return { doc: JSON.parse(read.raw) as ConversationDoc, activities: [], result: change.result, lastSeq: read.seq };
    }

    const before = new Set(same ? agentSide(read.doc) : []);
    const after = new Set(agentSide(doc));
    const joined = [...after].filter((x) => !before.has(x));
    const left = [...before].filter((x) => !after.has(x));
    const open = doc.channelSessions.filter((s) => s.state === 'open');
    const closed = doc.channelSessions.filter((s) => s.state !== 'open');
    const jsons = activities.map(draftJson);

    const keys = [
      ...this.convKeys(doc.id),
      pointer?.key ?? this.pointer(doc.customerId),
      this.liveSet,
      this.stateCounts,
      ...joined.map((x) => this.participantKey(x)),
      ...left.map((x) => this.participantKey(x)),
    ];
    // ARGV in the groups commit_transition.lua's header lists.
    const args: (string | number)[] = [
      same ? read.ver : '0', pointer ? '1' : '0', pointer?.expected ?? '',
      doc.id, docJson, doc.state, isJoinable(doc.state) ? '1' : '0', doc.customerId,
      joined.length, left.length,
      open.length, ...open.flatMap((s) => [s.id, Date.parse(s.openedAt) || Date.now()]),
      closed.length, ...closed.map((s) => s.id),
      activities.length, ...activities.flatMap((a, i) => [jsons[i]!, dedupeKey(a)]),
      connectorsJson(doc),
    ];
    const reply = await orStale(commitTransition.run<[number, number]>(this.redis, keys, args));
    if (reply === CONFLICT) return CONFLICT;
    const lastSeq = reply[1];
    const first = lastSeq - jsons.length + 1;
    return {
      doc: JSON.parse(docJson) as ConversationDoc,
      activities: jsons.map((j, i) => JSON.parse(withSeq(j, first + i)) as Activity),
      result: change.result,
      lastSeq,
    };
  }

  /** Runs `attempt` until it commits: optimistic concurrency with a tiny jittered backoff. */
  private async retrying<T>(attempt: () => Promise<T | typeof CONFLICT>): Promise<T> {
    for (let n = 1; n <= this.maxAttempts; n++) {
      const outcome = await attempt();
      if (outcome !== CONFLICT) return outcome;
      await sleep(Math.random() * Math.min(20, 2 ** n));
    }
    this.options.log?.warn({ attempts: this.maxAttempts }, 'conversation transition kept conflicting');
    throw conflict('the conversation is changing too fast; try again');
  }

  /** Queues calls with the same key inside this process: they then race only other nodes. */
  private async serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.then(noop, noop);
    this.queues.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    }
  }

  // ---- removal --------------------------------------------------------------------------------
  async remove(id: string): Promise<void> {
    await this.retrying(async () => {
      const current = await this.read(id);
      const keys = [
        ...this.convKeys(id),
        current ? this.pointer(current.doc.customerId) : `${this.p}customer::open`,
        this.liveSet,
        this.stateCounts,
        ...(current ? agentSide(current.doc).map((x) => this.participantKey(x)) : []),
      ];
      return orStale(removeConversation.run<[]>(this.redis, keys, [id, current?.ver ?? '0']));
    });
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) await closeRedis(this.redis);
  }
}

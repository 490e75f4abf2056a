import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Activity, ActivityDraft, ConversationState } from '@conversation-hub/client-sdk/contract';
import { isJoinable } from '../domain/conversation-state.js';
import type { Change, ConversationDoc, Transition } from '../domain/conversation.js';
import { dedupeKey } from '../domain/dedupe.js';
import { conflict, notFound } from '../domain/errors.js';
import { closeRedis, connectRedisTo, type ConnectRedisOptions, type HubRedisClient, type RedisTarget } from '../redis/connect.js';
import { LuaScript } from '../redis/lua-script.js';
import type { AppendOptions, AppendResult, Committed, ConnectorTarget, StoredConversation } from './conversation-store.js';
import type { ConversationStore, ConversationStateCounts } from '../ports.js';
import { indexScripts, LiveIndexes } from './redis-store-indexes.js';
import { agentSide, CONFLICT, connectorsJson, draftJson, noop, orStale, withSeq } from './redis-store-helpers.js';

const appendActivity = LuaScript.fromFile('append_activity', './lua/append_activity.lua', import.meta.url);
const commitConversation = LuaScript.fromFile('commit_conversation', './lua/commit_conversation.lua', import.meta.url);
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
 * Keys (ids URI-encoded): a conversation's own keys share one hash tag, `{id}`, so each of its
 * scripts runs in one Redis Cluster slot:
 * - `{p}conv:{id}` hash: `doc` (ConversationDoc JSON), `ver` (bumped by every committed
 *   transition), `seq` (last seq), `state`, `customer`, `s:{sessionId}` per open channel session
 *   holding the customer's last activity (epoch ms), `p:{participantId}` per non-customer
 *   participant (append's membership check), `connectors`;
 * - `{p}conv:{id}:log` list: element i is the activity with seq i+1 (so `since` is one LRANGE);
 * - `{p}conv:{id}:cmid` hash: clientMessageId → seq.
 * What spans conversations (the customer's pointer, the live index, the participant indexes) is
 * in other slots and follows the conversation's commit: see LiveIndexes (redis-store-indexes.ts).
 *
 * `append` is one script, one round trip. `update` reads the doc, runs the pure transition in JS
 * and commits with a script that checks the version is unchanged, else runs the transition again;
 * the indexes are noted after, in parallel, when the commit changed them. Creating a conversation
 * for a customer is commit, then claim of the customer's pointer (compare-and-set), so one customer
 * never has two open conversations (claim_customer.lua). Transitions of one conversation (or one
 * customer) queue up inside this process so they conflict only with other nodes.
 *
 * The same code runs on one Redis and on Redis Cluster.
 */
export class RedisConversationStore implements ConversationStore {
  private readonly p: string;
  private readonly maxAttempts: number;
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly indexes: LiveIndexes;

  constructor(
    private readonly redis: HubRedisClient,
    private readonly options: RedisStoreOptions & { ownsClient?: boolean } = {},
  ) {
    this.p = options.prefix ?? 'hub:';
    this.maxAttempts = options.maxAttempts ?? 100;
    this.indexes = new LiveIndexes(redis, this.p);
  }

  /** A store with its own connection, closed by `close()`. */
  static async connect(target: string | RedisTarget, options: RedisStoreOptions & ConnectRedisOptions = {}): Promise<RedisConversationStore> {
    const client = await connectRedisTo(typeof target === 'string' ? { url: target } : target, { ...options, name: options.name ?? 'hub-store' });
    return new RedisConversationStore(client, { ...options, ownsClient: true });
  }

  /** Loads the scripts (optional: the first EVALSHA falls back to EVAL anyway). */
  async init(): Promise<void> {
    await Promise.all([appendActivity, commitConversation, removeConversation, ...Object.values(indexScripts)].map((s) => s.load(this.redis)));
  }

  // ---- keys ---------------------------------------------------------------------------------
  private conv(id: string): string {
    return `${this.p}conv:{${encodeURIComponent(id)}}`;
  }
  private convKeys(id: string): [string, string, string] {
    const c = this.conv(id);
    return [c, `${c}:log`, `${c}:cmid`];
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
    const id = await this.redis.get(this.indexes.pointer(customerId));
    if (!id) return null;
    // The pointer follows the conversation: it may still name one that stopped being joinable.
    const state = await this.redis.hGet(this.conv(id), 'state');
    return state && isJoinable(state as ConversationState) ? id : null;
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
    return this.indexes.liveIds();
  }

  async countByState(): Promise<ConversationStateCounts> {
    const h = await this.indexes.counts();
    return Object.fromEntries(Object.entries(h).map(([state, n]) => [state, Math.max(0, Number(n))]));
  }

  /** The index's entries that the conversations back (the index follows them; see note_participation.lua). */
  async conversationsOf(participantId: string): Promise<string[]> {
    const ids = await this.indexes.participantEntries(participantId);
    const backed = await Promise.all(ids.map((id) => this.redis.hExists(this.conv(id), `p:${participantId}`)));
    const stale = ids.filter((_, i) => !backed[i]);
    for (const id of stale) void this.indexes.dropParticipation(participantId, id).catch(noop);
    return ids.filter((_, i) => backed[i]);
  }

  // ---- append (hot path) ----------------------------------------------------------------------
  async append(id: string, d: ActivityDraft, options: AppendOptions = {}): Promise<AppendResult> {
    const json = draftJson(d);
    const keys = this.convKeys(id);
    const args: (string | number)[] = [json, dedupeKey(d), options.sessionId ?? '', Date.parse(d.at) || Date.now()];
    if (options.participantId !== undefined) args.push(options.participantId);
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
        const pointer = (await this.redis.get(this.indexes.pointer(customerId))) ?? '';
        let current = pointer ? await this.read(pointer) : null;
        // A pointer the conversation no longer backs (not joinable; a node died before releasing
        // it) counts as none: the new conversation's claim replaces it.
        if (current && (!isJoinable(current.doc.state) || current.doc.customerId !== customerId)) current = null;
        return this.commit(current, tx(current?.doc ?? null), pointer);
      }),
    );
  }

  /**
   * Commits the change in the conversation's slot, then what follows it in other slots:
   * 1. commit_conversation (checks the version read);
   * 2. created through `updateForCustomer`: claim the customer's pointer; lost to another node's
   *    conversation: remove ours (never published) and run the transition again;
   * 3. in parallel, only what changed: the live index (state), the participant indexes, and the
   *    pointer's release once the conversation is not joinable.
   */
  private async commit<R>(read: Read | null, change: Change<R>, pointer: string | null): Promise<Committed<R> | typeof CONFLICT> {
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
    // ARGV in the groups commit_conversation.lua's header lists.
    const args: (string | number)[] = [
      same ? read.ver : '0', docJson, doc.state, doc.customerId,
      joined.length, ...joined, left.length, ...left,
      open.length, ...open.flatMap((s) => [s.id, Date.parse(s.openedAt) || Date.now()]),
      closed.length, ...closed.map((s) => s.id),
      activities.length, ...activities.flatMap((a, i) => [jsons[i]!, dedupeKey(a)]),
      connectorsJson(doc),
    ];
    const reply = await orStale(commitConversation.run<[number, number, string]>(this.redis, this.convKeys(doc.id), args));
    if (reply === CONFLICT) return CONFLICT;
    const [ver, lastSeq, oldState] = reply;
    if (ver === 1 && pointer !== null && (await orStale(this.indexes.claim(doc.customerId, pointer, doc.id))) === CONFLICT) {
      await removeConversation.run(this.redis, this.convKeys(doc.id), [ver]);
      return CONFLICT;
    }
    const joinable = isJoinable(doc.state);
    await Promise.all([
      oldState !== doc.state || joined.length || left.length ? this.indexes.noteCommit(doc.id, ver, doc.state, joined, left) : undefined,
      !joinable && oldState !== doc.state ? this.indexes.release(doc.customerId, doc.id) : undefined,
    ]);
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
    const current = await this.retrying(async () => {
      const read = await this.read(id);
      const removed = await orStale(removeConversation.run<[]>(this.redis, this.convKeys(id), [read?.ver ?? '0']));
      return removed === CONFLICT ? CONFLICT : { read };
    });
    const doc = current.read?.doc;
    await this.indexes.noteRemoved(id, doc?.customerId ?? null, doc ? agentSide(doc) : []);
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) await closeRedis(this.redis);
  }
}

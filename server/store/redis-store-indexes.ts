import type { HubRedisClient } from '../redis/connect.js';
import { LuaScript } from '../redis/lua-script.js';

const script = (name: string) => LuaScript.fromFile(name, `./lua/${name}.lua`, import.meta.url);
export const indexScripts = {
  claimCustomer: script('claim_customer'),
  releaseCustomer: script('release_customer'),
  noteLiveState: script('note_live_state'),
  noteParticipation: script('note_participation'),
};

/** The version a removal is noted with: above every commit's, so no older note outlives it. */
const REMOVED = '1e300';

/**
 * What follows a conversation in RedisConversationStore, each in its own Redis Cluster slot and
 * written after the conversation's commit, one single-slot script each (see their headers):
 * - `{p}customer:{customerId}:open`: the customer's open conversation (claimed by compare-and-set
 *   after a conversation is created, released by compare-and-delete once it is not joinable);
 * - `{p}{live}:conversations` and `{p}{live}:states`: the live conversations (id → "ver|state")
 *   and how many are in each state, one slot for both;
 * - `{p}participant:{participantId}:conversations`: the conversations a non-customer participant
 *   is in (id → ver).
 * Every note carries the commit's version, so notes from two nodes may arrive in any order.
 */
export class LiveIndexes {
  constructor(
    private readonly redis: HubRedisClient,
    private readonly p: string,
  ) {}

  pointer(customerId: string): string {
    return `${this.p}customer:${encodeURIComponent(customerId)}:open`;
  }
  participantKey(participantId: string): string {
    return `${this.p}participant:${encodeURIComponent(participantId)}:conversations`;
  }
  private get live(): [string, string] {
    return [`${this.p}{live}:conversations`, `${this.p}{live}:states`];
  }

  /** Points the customer at a conversation just created, if the pointer still holds `expected`; else `stale`. */
  async claim(customerId: string, expected: string, id: string): Promise<void> {
    await indexScripts.claimCustomer.run(this.redis, [this.pointer(customerId)], [expected, id]);
  }

  async release(customerId: string, id: string): Promise<void> {
    await indexScripts.releaseCustomer.run(this.redis, [this.pointer(customerId)], [id]);
  }

  /** After a commit: the live index and the participant indexes, in parallel (different slots). */
  async noteCommit(id: string, ver: number, state: string, joined: readonly string[], left: readonly string[]): Promise<void> {
    await Promise.all([
      indexScripts.noteLiveState.run(this.redis, this.live, [id, ver, state]),
      ...joined.map((x) => indexScripts.noteParticipation.run(this.redis, [this.participantKey(x)], [id, ver, '1'])),
      ...left.map((x) => indexScripts.noteParticipation.run(this.redis, [this.participantKey(x)], [id, ver, '0'])),
    ]);
  }

  /** After the conversation's keys are gone: out of every index. */
  async noteRemoved(id: string, customerId: string | null, participants: readonly string[]): Promise<void> {
    await Promise.all([
      customerId !== null ? this.release(customerId, id) : undefined,
      indexScripts.noteLiveState.run(this.redis, this.live, [id, REMOVED, '']),
      ...participants.map((x) => indexScripts.noteParticipation.run(this.redis, [this.participantKey(x)], [id, REMOVED, '0'])),
    ]);
  }

  async liveIds(): Promise<string[]> {
    return this.redis.hKeys(this.live[0]);
  }

  async counts(): Promise<Record<string, string>> {
    return this.redis.hGetAll(this.live[1]);
  }

  async participantEntries(participantId: string): Promise<string[]> {
    return this.redis.hKeys(this.participantKey(participantId));
  }

  /** Drops an entry its conversation does not back (a late note, or a node killed between commit and note). */
  async dropParticipation(participantId: string, id: string): Promise<void> {
    await this.redis.hDel(this.participantKey(participantId), id);
  }
}

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { HubRedisClient } from '../../server/redis/connect.js';
import { MemoryArchiveFailures, RedisArchiveFailures, type ArchiveFailure, type ArchiveFailureStore } from '../../server/store/archive-failures.js';
import { closeRedis, connectTestRedis, deleteKeys, randomName } from '../helpers/redis.js';

/** The dead-letter store (server/store/archive-failures.ts): both implementations answer alike. */
function archiveFailureSuite(name: string, make: () => Promise<{ store: ArchiveFailureStore; peer?: ArchiveFailureStore }>) {
  describe(`${name} archive failure store`, () => {
    const failure = (conversationId: string, failedAt: string, extra: Partial<ArchiveFailure> = {}): ArchiveFailure => ({ conversationId, attempts: 20, error: 'relation "activities" does not exist', failedAt, ...extra });

    it('keeps, replaces, lists oldest first and forgets', async () => {
      const { store, peer } = await make();
      expect(await store.list()).toEqual([]);
      expect(await store.get('c1')).toBeNull();
      await store.put(failure('c2', '2026-01-02T00:00:00.000Z'));
      await store.put(failure('c1', '2026-01-01T00:00:00.000Z'));
      await store.put(failure('c3', '2026-01-01T00:00:00.000Z'));
      expect((await store.list()).map((f) => f.conversationId)).toEqual(['c1', 'c3', 'c2']);

      const retried = failure('c2', '2026-01-02T00:00:00.000Z', { retryRequestedAt: '2026-01-03T00:00:00.000Z' });
      await store.put(retried);
      expect(await store.get('c2')).toEqual(retried);
      // Another node sees the same dead letters.
      if (peer) expect(await peer.get('c2')).toEqual(retried);

      await store.remove('c1');
      await store.remove('c1'); // a no-op the second time
      await store.remove('never-there');
      expect((await (peer ?? store).list()).map((f) => f.conversationId)).toEqual(['c3', 'c2']);
    });

    it('gives copies: changing an answer changes nothing stored', async () => {
      const { store } = await make();
      const f = failure('copy', '2026-01-01T00:00:00.000Z');
      await store.put(f);
      f.attempts = 1;
      const got = (await store.get('copy'))!;
      got.error = 'changed';
      expect(await store.get('copy')).toEqual(failure('copy', '2026-01-01T00:00:00.000Z'));
    });
  });
}

archiveFailureSuite('memory', async () => ({ store: new MemoryArchiveFailures() }));

describe('redis', () => {
  let client: HubRedisClient;
  let peerClient: HubRedisClient;
  const prefixes: string[] = [];
  beforeAll(async () => {
    client = await connectTestRedis();
    peerClient = await connectTestRedis();
  });
  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeys(client, prefix);
    await closeRedis(client);
    await closeRedis(peerClient);
  });
  archiveFailureSuite('redis', async () => {
    const prefix = `${randomName('dead-letters')}:`;
    prefixes.push(prefix);
    return { store: new RedisArchiveFailures(client, prefix), peer: new RedisArchiveFailures(peerClient, prefix) };
  });
});

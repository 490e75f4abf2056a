import { describe, expect, test } from '@jest/globals';
import { HubError } from '../../server/domain/errors.js';
import { archiveConversation } from '../../server/persistence/archive.js';
import { getArchivedConversation } from '../../server/persistence/archive-read.js';
import { createDatabase } from '../../server/persistence/create-database.js';
import { databaseSuite } from '../conformance/database.suite.js';
import { migratedDatabase, postgresDatabase } from '../helpers/database.js';
import { archiveFixture, uid } from './fixtures.js';

// Cluster mode: a real Postgres (TEST_DATABASE_URL), a fresh schema per factory call. No skipping:
// when Postgres is absent these tests fail.
databaseSuite('postgres', postgresDatabase);

describe('archive while Postgres refuses connections', () => {
  test('archiveConversation rejects (so the caller keeps the live state), and the same call succeeds once Postgres is back', async () => {
    const f = archiveFixture(uid('cust'));
    const input = { conversation: f.conversation, activities: f.activities, tasks: f.tasks };

    // Nothing listens on port 1: every connection attempt is refused.
    const down = await createDatabase({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 2_000 });
    try {
      const err = await archiveConversation(down.db, input).then(
        () => undefined,
        (e: unknown) => e,
      );
      // (pg's errors come from Node's realm, not jest's, so no toBeInstanceOf(Error) here)
      expect(err).toBeDefined();
      expect(err).not.toBeInstanceOf(HubError); // an outage, not a verdict on the conversation
      expect((err as { code?: string }).code).toBe('ECONNREFUSED');
      // and again: a failing database doesn't wedge the handle or the pool
      await expect(archiveConversation(down.db, input)).rejects.toThrow();
    } finally {
      await down.close();
    }

    // The retry (the scheduler's job) with the same input against a reachable database.
    const up = await migratedDatabase(postgresDatabase);
    try {
      expect((await archiveConversation(up.db, input)).activitiesInserted).toBe(f.activities.length);
      expect((await getArchivedConversation(up.db, f.conversation.id)).activities).toEqual(f.activities);
    } finally {
      await up.close();
    }
  });
});

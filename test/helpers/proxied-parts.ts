import type { Parts } from '../../server/app.js';
import type { HubConfig } from '../../server/config.js';
import { createLogger } from '../../server/log.js';
import { clusterParts } from '../../server/parts/cluster.js';
import { databaseParts } from '../../server/parts/database.js';
import { createDatabase } from '../../server/persistence/create-database.js';
import { MemoryReportOutbox } from '../../server/reporting/outbox.js';
import { MemoryRoutingStore } from '../../server/routing/memory-routing-store.js';
import { LocalScheduler } from '../../server/scheduler/local-scheduler.js';
import { MemoryConversationStore } from '../../server/store/memory-store.js';
import { testMode } from './start-hub.js';

/**
 * A test hub's parts with its record in Postgres at `databaseUrl` (a proxy that can refuse, for
 * outage tests) in `schema`: the cluster's parts in cluster mode; in embedded mode the in-memory
 * live state and timers over that Postgres instead of PGlite (PGlite cannot be made unreachable).
 */
export async function partsOverPostgres(config: HubConfig, databaseUrl: string, schema: string): Promise<Parts> {
  const log = createLogger(config.logLevel);
  if (testMode === 'cluster') return clusterParts({ ...config, databaseUrl, databaseSchema: schema }, log);
  const database = await createDatabase({ kind: 'postgres', url: databaseUrl, schema, max: 3, connectTimeoutMs: 1_000, logger: log });
  const record = await databaseParts(database, log); // migrates and seeds through the proxy
  const store = new MemoryConversationStore();
  const scheduler = new LocalScheduler(log);
  return {
    store,
    routing: new MemoryRoutingStore({ defaultCapacity: config.agentCapacity }),
    scheduler,
    reportOutbox: new MemoryReportOutbox({ log }),
    channels: record.channels,
    customers: record.customers,
    archive: record.archive,
    admin: record.admin,
    ready: record.ready,
    close: async () => {
      await scheduler.close();
      await store.close();
      await database.close();
    },
  };
}

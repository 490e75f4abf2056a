import type { Parts } from '../ports.js';
import type { HubConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { PartsMetrics } from '../transport/metrics.js';
import { createDatabase, pgliteDataDir, type HubDatabase } from '../persistence/create-database.js';
import { MemoryReportOutbox } from '../reporting/outbox.js';
import { MemoryRoutingStore } from '../routing/memory-routing-store.js';
import { LocalScheduler } from '../scheduler/local-scheduler.js';
import { MemoryConversationStore } from '../store/memory-store.js';
import { databaseParts, type DatabaseParts } from './database.js';
import { runChecks } from '../readiness.js';

/** One process, no services: in-memory live state and timers, embedded Postgres (PGlite) for the record. */
export async function embeddedParts(config: HubConfig, log: Logger, metrics?: PartsMetrics): Promise<Parts> {
  const database = await createDatabase({ kind: 'pglite', dataDir: pgliteDataDir(config.dataDir), ...(metrics ? { onError: metrics.postgresError } : {}) });
  return localParts(database, config, log, metrics);
}

/**
 * The live state and timers in this process's memory, the record in `database` (closed with the
 * parts, or at once when it cannot be set up): embedded mode on PGlite; tests of a Postgres outage
 * put a real Postgres behind a proxy here.
 */
export async function localParts(database: HubDatabase, config: HubConfig, log: Logger, metrics?: PartsMetrics): Promise<Parts> {
  let record: DatabaseParts;
  try {
    record = await databaseParts(database, log, { webchatBot: config.webchatBot });
  } catch (err) {
    await database.close();
    throw err;
  }
  const store = new MemoryConversationStore();
  const scheduler = new LocalScheduler(log, metrics?.timerLateness);
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
    checks: () => runChecks({ postgres: record.ready }),
    close: async () => {
      await scheduler.close();
      await store.close();
      await database.close();
    },
  };
}

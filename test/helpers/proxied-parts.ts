import type { Parts } from '../../server/app.js';
import type { HubConfig } from '../../server/config.js';
import { createLogger } from '../../server/log.js';
import { clusterParts } from '../../server/parts/cluster.js';
import { localParts } from '../../server/parts/embedded.js';
import { createDatabase } from '../../server/persistence/create-database.js';
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
  return localParts(database, config, log); // migrates and seeds through the proxy
}

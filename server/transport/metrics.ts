import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  sockets: Gauge;
  callSeconds: Histogram<'event'>;
  activities: Counter<'type'>;
  /** `hub_archive_dead_letters`, read at each scrape from `count` (app.ts points it at the hub's dead letters). */
  archiveDeadLetters: { count?: () => Promise<number> };
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const archiveDeadLetters: Metrics['archiveDeadLetters'] = {};
  new Gauge({
    name: 'hub_archive_dead_letters',
    help: 'Conversations whose archive failed for good and wait for a retry, over the whole hub (GET /api/archive/failures)',
    registers: [registry],
    async collect() {
      // A store that does not answer leaves the last value: the scrape still works.
      const n = await archiveDeadLetters.count?.().catch(() => undefined);
      if (n !== undefined) this.set(n);
    },
  });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    archiveDeadLetters,
    sockets: new Gauge({ name: 'hub_sockets', help: 'Connected sockets on this node', registers: [registry] }),
    callSeconds: new Histogram({
      name: 'hub_call_seconds',
      help: 'Time to answer a socket call',
      labelNames: ['event'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    }),
    activities: new Counter({ name: 'hub_activities_total', help: 'Activities appended on this node', labelNames: ['type'], registers: [registry] }),
  };
}

import type { Parts } from '../app.js';
import type { HubConfig } from '../config.js';
import { MemoryDirectory } from '../engine/memory-directory.js';
import type { Logger } from '../log.js';
import { MemoryRoutingStore } from '../routing/memory-routing-store.js';
import { LocalScheduler } from '../scheduler/local-scheduler.js';
import { MemoryConversationStore } from '../store/memory-store.js';

/** One process, no services: in-memory live state and timers, embedded Postgres for the record. */
export async function embeddedParts(_config: HubConfig, log: Logger): Promise<Parts> {
  const store = new MemoryConversationStore();
  const scheduler = new LocalScheduler(log);
  const directory = new MemoryDirectory();
  directory.channels.set('webchat', {
    id: 'webchat',
    serviceIdentifier: 'webchat',
    name: 'Web chat',
    channelType: 'webchat',
    routingMode: 'push',
    customerInactivityTimeoutSeconds: 900,
    offerTimeoutSeconds: 30,
    wrapUp: { enabled: false, timeoutSeconds: 60 },
    controller: { closeOnAgentLeave: false },
  });
  return {
    store,
    routing: new MemoryRoutingStore(),
    scheduler,
    channels: directory,
    customers: directory,
    archive: directory,
    ready: async () => {},
    close: async () => {
      await scheduler.close();
      await store.close();
    },
  };
}

import type { Logger } from 'pino';
import type { HubConfig } from '../config.js';
import type { Parts } from '../ports.js';
import type { WebhookOutcome } from '../transport/metrics.js';
import { WebhookDeliveries } from './deliveries.js';
import { WebhookDispatch } from './dispatch.js';
import { WebhookStore } from './store.js';

/** Signed, durable webhooks (PROTOCOL.md §1.7.6): the store, the `webhook` timer's handler and the publish step's dispatch. */
export function createWebhooks(config: HubConfig, parts: Parts, log: Logger, record: (o: WebhookOutcome) => void) {
  const store = new WebhookStore(parts.admin.db);
  const deliveries = new WebhookDeliveries({ store, scheduler: parts.scheduler, log, retry: config.webhookRetry, record });
  deliveries.register();
  const dispatch = new WebhookDispatch(store, deliveries, log);
  return { store, deliveries, dispatch };
}

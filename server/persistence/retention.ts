import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Scheduler, TimerOutcome } from '../ports.js';

/** How long the bookkeeping rows of webhooks and WhatsApp are kept (days). */
export const RETENTION = {
  /** Finished webhook deliveries, for the admin API's delivery state. */
  webhookDeliveries: 14,
  /** Inbound WhatsApp message ids: Meta redelivers for up to 7 days. */
  whatsappInbound: 14,
  /** The hub's sent WhatsApp ids: statuses come within days. */
  whatsappSent: 30,
} as const;

const PERIOD_MS = 3600_000;

/** Deletes the bookkeeping rows past their retention; answers how many of each went. */
export async function pruneBookkeeping(db: Kysely<any>, now: number): Promise<{ webhookDeliveries: number; whatsappInbound: number; whatsappSent: number }> {
  const before = (days: number) => new Date(now - days * 86_400_000).toISOString();
  const count = (r: { numDeletedRows: bigint }) => Number(r.numDeletedRows);
  // A pending delivery is kept: its job may still run and record its end.
  const webhookDeliveries = count(
    await db.deleteFrom('webhook_deliveries').where('updated_at', '<', before(RETENTION.webhookDeliveries)).where('status', '!=', 'pending').executeTakeFirst(),
  );
  const whatsappInbound = count(await db.deleteFrom('whatsapp_inbound').where('at', '<', before(RETENTION.whatsappInbound)).executeTakeFirst());
  const whatsappSent = count(await db.deleteFrom('whatsapp_sent').where('at', '<', before(RETENTION.whatsappSent)).executeTakeFirst());
  return { webhookDeliveries, whatsappInbound, whatsappSent };
}

/** An hourly `retention` timer (one for the whole hub: every node arms it, the first arming counts). */
export function retention(db: Kysely<any>, scheduler: Scheduler, log: Logger, now: () => number = Date.now) {
  return {
    register(): void {
      scheduler.handle<Record<string, never>>('retention', async (): Promise<TimerOutcome> => {
        const gone = await pruneBookkeeping(db, now());
        if (gone.webhookDeliveries + gone.whatsappInbound + gone.whatsappSent > 0) log.info(gone, 'retention: old bookkeeping rows deleted');
        return { rearmAt: now() + PERIOD_MS };
      });
    },
    start: () => scheduler.ensure('retention', 'hub', now() + PERIOD_MS, {}),
  };
}

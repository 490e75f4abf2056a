import type { Logger } from 'pino';
import type { BlobStore } from '../attachments/blob-store.js';
import type { AttachmentRecords } from '../attachments/metadata.js';
import type { AttachmentLinks } from '../attachments/signed-links.js';
import type { Hub } from '../engine/hub.js';
import type { ServiceWindows } from '../engine/context.js';
import type { Parts } from '../ports.js';
import { windowOpen } from './graph-messages.js';
import { WhatsAppInbound } from './inbound.js';
import { whatsappRoutes } from './routes.js';
import { WhatsAppSender } from './sender.js';
import { WhatsAppStore } from './store.js';

/** The built-in WhatsApp Cloud API connector: its sender (a Scheduler job kind) and its windows, before the hub; its routes after. */
export function createWhatsApp(parts: Parts, log: Logger, links: AttachmentLinks) {
  const store = new WhatsAppStore(parts.admin.db);
  const sender = new WhatsAppSender({ db: parts.admin.db, store, scheduler: parts.scheduler, log, links });
  sender.register();
  const windows: ServiceWindows = { freeTextOpen: async (si, who, now) => windowOpen(await store.lastInbound(si, who), now) };
  const routes = (d: { hub: Hub; blobs: BlobStore; records: AttachmentRecords; maxBytes: number; publicUrl?: string }) =>
    whatsappRoutes({
      db: parts.admin.db,
      inbound: new WhatsAppInbound({ hub: d.hub, db: parts.admin.db, store, conversations: parts.store, blobs: d.blobs, records: d.records, maxBytes: d.maxBytes, log }),
      ...(d.publicUrl ? { publicUrl: d.publicUrl } : {}),
    });
  return { store, sender, windows, routes };
}

import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Attachment, ConnectorConfig } from '@conversation-hub/client-sdk/contract';
import type { BlobStore } from '../attachments/blob-store.js';
import type { AttachmentRecords } from '../attachments/metadata.js';
import { safeFileName } from '../attachments/names.js';
import { sniff } from '../attachments/sniff.js';
import type { Hub } from '../engine/hub.js';
import type { ConversationStore } from '../ports.js';
import { cut, type parseWebhook, type WaInbound } from './cloud-webhook.js';
import { DEFAULT_GRAPH_URL, DEFAULT_GRAPH_VERSION } from './sender.js';
import type { WhatsAppStore } from './store.js';

export interface WhatsAppInboundDeps {
  hub: Hub;
  db: Kysely<any>;
  store: WhatsAppStore;
  conversations: ConversationStore;
  blobs: BlobStore;
  records: AttachmentRecords;
  maxBytes: number;
  log: Logger;
}

/** The hub's connector for a channel: the same actor an HTTP connector's token would give. */
const connectorActor = (serviceIdentifier: string) => ({ id: `whatsapp-cloud:${serviceIdentifier}`, role: 'connector' as const, channels: [serviceIdentifier] });
/** A provider id as a clientMessageId (at most 128 characters). */
const messageId = (wamid: string) => (wamid.length <= 128 ? wamid : `wa:${createHash('sha256').update(wamid).digest('hex')}`);

/**
 * One verified webhook from Meta: customers' messages into the hub (each message id once, however
 * often Meta redelivers it), statuses of the hub's messages into the customer's receipts.
 */
export class WhatsAppInbound {
  constructor(private readonly d: WhatsAppInboundDeps) {}

  async receive(serviceIdentifier: string, cfg: ConnectorConfig, parsed: ReturnType<typeof parseWebhook>, origin: string): Promise<{ messages: number; statuses: number; receipts: number }> {
    const { messages, statuses } = parsed;
    let taken = 0;
    let receipts = 0;
    for (const m of messages) {
      if (m.phoneNumberId !== cfg.phoneNumberId || (await this.d.store.taken(m.id))) continue;
      // Not a WhatsApp id: refused one by one, so one odd message never makes Meta redeliver the batch for ever.
      if (!/^[0-9]{1,32}$/.test(m.from)) {
        this.d.log.warn({ serviceIdentifier, wamid: m.id }, 'WhatsApp message with an unusable sender id dropped');
        continue;
      }
      await this.message(serviceIdentifier, cfg, m, origin);
      taken++;
    }
    for (const s of statuses) {
      if (s.phoneNumberId !== cfg.phoneNumberId) continue;
      if (s.status === 'failed') {
        this.d.log.warn({ serviceIdentifier, wamid: s.id, error: s.error }, 'WhatsApp could not deliver a message');
        continue;
      }
      if (s.status !== 'delivered' && s.status !== 'read') continue;
      const sent = await this.d.store.sentMessage(s.id);
      const stored = sent ? await this.d.conversations.get(sent.conversationId) : null;
      if (!sent || !stored) continue; // not ours, or the conversation is archived: nothing live to move
      await this.d.hub.receipts.fromChannel(sent.conversationId, stored.doc.customerId, sent.seq, s.status);
      receipts++;
    }
    return { messages: taken, statuses: statuses.length, receipts };
  }

  private async message(serviceIdentifier: string, cfg: ConnectorConfig, m: WaInbound, origin: string): Promise<void> {
    const media = m.media ? await this.media(cfg, m, origin) : undefined;
    const r = await this.d.hub.connectors.inbound(
      { actor: connectorActor(serviceIdentifier) },
      {
        serviceIdentifier,
        customer: { identifier: m.from, ...(m.name?.trim() ? { name: cut(m.name.trim(), 200) } : {}) },
        message: { text: m.text, clientMessageId: messageId(m.id), ...(media ? { attachments: [media.attachment] } : {}) },
        ...(m.location ? { channelData: { lastLocation: `${m.location.latitude},${m.location.longitude}` } } : {}),
      },
    );
    if (media) await this.d.records.insert({ ...media.record, conversationId: r.conversationId, uploaderId: r.activity.from.id });
    await this.d.store.inboundAt(serviceIdentifier, m.from, m.timestamp);
    await this.d.store.take(m.id);
  }

  /** Fetches the media from the Graph API into the BlobStore; a file the hub does not take is left out (the text says what it was). */
  private async media(cfg: ConnectorConfig, m: WaInbound, origin: string) {
    const media = m.media!;
    const graph = `${cfg.graphBaseUrl ?? DEFAULT_GRAPH_URL}/${cfg.apiVersion ?? DEFAULT_GRAPH_VERSION}`;
    const auth = { authorization: `Bearer ${cfg.accessToken}` };
    const info = (await (await this.fetchOk(`${graph}/${encodeURIComponent(media.mediaId)}`, auth)).json()) as { url?: unknown };
    if (typeof info.url !== 'string' || !/^https?:\/\//.test(info.url)) throw new Error('Graph API media answer without a url');
    const res = await this.fetchOk(info.url, auth);
    const bytes = Buffer.from(await res.arrayBuffer());
    const sniffed = sniff(bytes);
    if (bytes.length > this.d.maxBytes || !sniffed.ok) {
      this.d.log.warn({ wamid: m.id, size: bytes.length, mimeType: media.mimeType }, 'WhatsApp media not kept: too large or of a type the hub refuses');
      return undefined;
    }
    const id = `att_${randomBytes(16).toString('hex')}`;
    const name = safeFileName(media.filename ?? `${media.kind}.${sniffed.mimeType.split('/')[1] ?? 'bin'}`);
    await this.d.blobs.put(id, bytes, { mimeType: sniffed.mimeType });
    const attachment: Attachment = { id, url: `${origin}/api/attachments/${id}/${encodeURIComponent(name)}`, name, mimeType: sniffed.mimeType, size: bytes.length };
    return { attachment, record: { id, uploaderRole: 'customer', name, mimeType: sniffed.mimeType, size: bytes.length } };
  }

  private async fetchOk(url: string, headers: Record<string, string>): Promise<Response> {
    const res = await fetch(url, { headers, redirect: 'error', signal: AbortSignal.timeout(15_000) });
    if (!res.ok) throw new Error(`Graph API media answered ${res.status}`);
    return res;
  }
}

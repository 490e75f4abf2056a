import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ConnectorOutbound } from '@conversation-hub/client-sdk/contract';
import type { AttachmentLinks } from '../attachments/signed-links.js';
import { channelConnector } from '../persistence/channels.js';
import type { Scheduler, Timer } from '../ports.js';
import { retryAfterMs } from './graph-messages.js';
import { graphBodies } from './outbound-bodies.js';
import type { WhatsAppStore } from './store.js';

/** One Graph API message of one activity to one customer: a Scheduler job, so it survives a node's death. */
interface SendJob {
  serviceIdentifier: string;
  to: string;
  conversationId: string;
  seq: number;
  body: unknown;
}

export const DEFAULT_GRAPH_URL = 'https://graph.facebook.com';
export const DEFAULT_GRAPH_VERSION = 'v21.0';
// Provider errors and rate limits: about two minutes of backoff before a message is given up.
const RETRY = { attempts: 10, backoffMs: 500, maxBackoffMs: 30_000 };

/**
 * Sends agents' and bots' messages to WhatsApp (`POST {graph}/{version}/{phoneNumberId}/messages`
 * with the channel's bearer token). Each message is its own job with a deterministic key, queued
 * once by the node that published it; a 429, a 408 or a 5xx is retried with backoff, another 4xx
 * is logged and dropped. The sent message's id is kept, so its statuses become receipts.
 */
export class WhatsAppSender {
  constructor(private readonly d: { db: Kysely<any>; store: WhatsAppStore; scheduler: Scheduler; log: Logger; links: AttachmentLinks; now?: () => number }) {}

  register(): void {
    this.d.scheduler.handle<SendJob>('whatsapp-send', (t) => this.send(t), RETRY);
  }

  async enqueue(o: ConnectorOutbound): Promise<void> {
    const now = (this.d.now ?? Date.now)();
    const bodies = graphBodies(o.customerIdentifier, o.activity, (a) => (a.id ? this.d.links.sign(a.url, a.id, now) : a.url));
    for (const [i, body] of bodies.entries()) {
      const job: SendJob = { serviceIdentifier: o.serviceIdentifier, to: o.customerIdentifier, conversationId: o.activity.conversationId, seq: o.activity.seq, body };
      await this.d.scheduler.ensure('whatsapp-send', `${o.activity.id}:${o.channelSessionId}:${i}`, now, job);
    }
  }

  private async send(t: Timer<SendJob>): Promise<void> {
    const job = t.data;
    const fields = { conversationId: job.conversationId, seq: job.seq, serviceIdentifier: job.serviceIdentifier, attempt: t.attempt };
    const cfg = await channelConnector(this.d.db, job.serviceIdentifier);
    if (!cfg) return void this.d.log.warn(fields, 'WhatsApp message dropped: the channel has no connector any more');
    const url = `${cfg.graphBaseUrl ?? DEFAULT_GRAPH_URL}/${cfg.apiVersion ?? DEFAULT_GRAPH_VERSION}/${cfg.phoneNumberId}/messages`;
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cfg.accessToken}` },
      body: JSON.stringify(job.body),
      signal: AbortSignal.timeout(10_000),
    });
    const answer = (await res.json().catch(() => null)) as { messages?: { id?: string }[]; error?: { code?: number; message?: string } } | null;
    if (res.ok) {
      const wamid = answer?.messages?.[0]?.id;
      if (typeof wamid === 'string' && wamid.length <= 256) await this.d.store.sent(wamid, job.serviceIdentifier, { conversationId: job.conversationId, seq: job.seq });
      return;
    }
    const error = { status: res.status, code: answer?.error?.code, message: answer?.error?.message?.slice(0, 300) };
    if (retryAfterMs(res.status, res.headers, t.attempt) === null) return void this.d.log.error({ ...fields, error }, 'WhatsApp refused a message; not retried');
    throw new Error(`Graph API answered ${res.status}${error.code ? ` (code ${error.code})` : ''}`); // the Scheduler retries with backoff
  }
}

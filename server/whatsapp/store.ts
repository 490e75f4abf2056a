import type { Kysely } from 'kysely';

interface WhatsAppTables {
  whatsapp_windows: { service_identifier: string; wa_id: string; last_inbound_at: Date | string };
  whatsapp_inbound: { wamid: string };
  whatsapp_sent: { wamid: string; service_identifier: string; conversation_id: string; seq: number };
}

/** What a status names: the activity a sent message carried. */
export interface SentMessage {
  conversationId: string;
  seq: number;
}

/** The connector's own rows (migrations/0011_whatsapp.ts), in PGlite or Postgres alike. */
export class WhatsAppStore {
  private readonly db: Kysely<WhatsAppTables>;
  constructor(db: Kysely<any>) {
    this.db = db as Kysely<WhatsAppTables>;
  }

  /** The customer wrote at `at` (ms): the 24-hour window runs from the latest such time. */
  async inboundAt(serviceIdentifier: string, waId: string, at: number): Promise<void> {
    const iso = new Date(at).toISOString();
    await this.db
      .insertInto('whatsapp_windows')
      .values({ service_identifier: serviceIdentifier, wa_id: waId, last_inbound_at: iso })
      .onConflict((oc) => oc.columns(['service_identifier', 'wa_id']).doUpdateSet({ last_inbound_at: iso }).where('whatsapp_windows.last_inbound_at', '<', iso))
      .execute();
  }

  async lastInbound(serviceIdentifier: string, waId: string): Promise<number | undefined> {
    const r = await this.db.selectFrom('whatsapp_windows').select('last_inbound_at').where('service_identifier', '=', serviceIdentifier).where('wa_id', '=', waId).executeTakeFirst();
    return r ? new Date(r.last_inbound_at).getTime() : undefined;
  }

  async taken(wamid: string): Promise<boolean> {
    return !!(await this.db.selectFrom('whatsapp_inbound').select('wamid').where('wamid', '=', wamid).executeTakeFirst());
  }

  /** Marked after it was handed to the hub, so a failure in between is redelivered, not lost (the hub drops a repeat by its clientMessageId). */
  async take(wamid: string): Promise<void> {
    await this.db.insertInto('whatsapp_inbound').values({ wamid }).onConflict((oc) => oc.column('wamid').doNothing()).execute();
  }

  async sent(wamid: string, serviceIdentifier: string, m: SentMessage): Promise<void> {
    await this.db
      .insertInto('whatsapp_sent')
      .values({ wamid, service_identifier: serviceIdentifier, conversation_id: m.conversationId, seq: m.seq })
      .onConflict((oc) => oc.column('wamid').doNothing())
      .execute();
  }

  async sentMessage(wamid: string): Promise<SentMessage | null> {
    const r = await this.db.selectFrom('whatsapp_sent').selectAll().where('wamid', '=', wamid).executeTakeFirst();
    return r ? { conversationId: r.conversation_id, seq: r.seq } : null;
  }
}

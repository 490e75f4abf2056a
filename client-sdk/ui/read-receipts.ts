import type { HubClient } from '@conversation-hub/client-sdk';
import type { ConversationView, ReceiptPush } from '@conversation-hub/client-sdk/contract';

export interface ReadReceiptsOptions {
  client: () => HubClient | undefined;
  /** `read.update`'s conversation; a customer leaves it out (its own). */
  conversationId?: string;
  /** Whose horizon ticks the page's own messages: the customer's on the desk, anyone else's in the widget. */
  counts: (participantId: string) => boolean;
  /** The tick's class, and where in a message element it goes. */
  tickClass: string;
  anchor: string;
}

/**
 * Read receipts on a page (PROTOCOL.md §1.7.4), for the widget and the desk alike: the page's own
 * `read.update` as it shows the others' messages (one call in flight; no retry loop: the next
 * message shown asks again), and ✓ delivered / ✓✓ read on its own messages from the horizons that
 * count. Text only: a tick is a span's textContent.
 */
export class ReadReceipts {
  private readonly own = new Map<number, HTMLElement>();
  private read = 0;
  private delivered = 0;
  private sent = 0;
  private wanted = 0;
  private busy = false;

  constructor(private readonly o: ReadReceiptsOptions) {}

  /** One of the page's own messages, shown at its seq. */
  mine(seq: number, el: HTMLElement): void {
    this.own.set(seq, el);
    this.paint(seq, el);
  }

  /** The page has shown the conversation up to `seq`. */
  seen(seq: number): void {
    this.wanted = Math.max(this.wanted, seq);
    void this.flush();
  }

  view(v: ConversationView): void {
    for (const h of v.readHorizons ?? []) if (this.o.counts(h.participantId)) this.move(h.read, Math.max(h.read, h.delivered ?? 0));
  }

  receipt(r: ReceiptPush): void {
    if (this.o.counts(r.participantId)) this.move(r.status === 'read' ? r.seq : 0, r.seq);
  }

  private move(read: number, delivered: number): void {
    if (read <= this.read && delivered <= this.delivered) return;
    this.read = Math.max(this.read, read);
    this.delivered = Math.max(this.delivered, delivered);
    for (const [seq, el] of this.own) this.paint(seq, el);
  }

  private paint(seq: number, el: HTMLElement): void {
    const mark = seq <= this.read ? '✓✓' : seq <= this.delivered ? '✓' : '';
    let tick = el.querySelector<HTMLElement>(`.${this.o.tickClass}`);
    if (!mark && !tick) return;
    if (!tick) {
      tick = document.createElement('span');
      tick.className = this.o.tickClass;
      (el.querySelector(this.o.anchor) ?? el).appendChild(tick);
    }
    tick.textContent = mark ? ` ${mark}` : '';
    tick.title = seq <= this.read ? 'Read' : 'Delivered';
  }

  private async flush(): Promise<void> {
    const client = this.o.client();
    if (this.busy || this.wanted <= this.sent || !client?.socket.connected) return;
    this.busy = true;
    const seq = this.wanted;
    try {
      await client.call('read.update', this.o.conversationId ? { conversationId: this.o.conversationId, seq } : { seq });
      this.sent = Math.max(this.sent, seq);
    } catch {
      return;
    } finally {
      this.busy = false;
    }
    if (this.wanted > this.sent) await this.flush();
  }
}

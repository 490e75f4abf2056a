import type { Activity, ConversationView } from './contract/index.js';

/** Per conversation: the seq up to which the application has everything it may see. */
interface Cursor {
  seen: number;
  /** Activities that arrived ahead of a gap, by seq. */
  ahead: Map<number, Activity>;
  /** Deliveries for one conversation run one after another. */
  chain: Promise<void>;
  /** A catch-up that failed waits for this retry (or an earlier activity, reconnect or resync). */
  retry?: ReturnType<typeof setTimeout>;
  /** Failures in a row; the backoff doubles from 250 ms to 10 s, and 12 failures (about a minute) end the retries. */
  failures: number;
}

export interface DeliveryPorts {
  /** `activities.since` for the conversation (the hub answers only what this participant may see). */
  since(conversationId: string, afterSeq: number): Promise<{ activities: Activity[]; lastSeq: number }>;
  /** Hands one activity to the application: called once per seq, in order per conversation. */
  activity(a: Activity): void;
  /** Hands a `conversation` push to the application, in its conversation's delivery order. */
  conversation(view: ConversationView): void;
}

/**
 * Exactly once, in seq order, per conversation: duplicates (by seq) are dropped, and a gap, a
 * reconnect or a resync is filled with `activities.since`. A gap may be activities this
 * participant may not see (a customer never sees whispers); the since answer settles that.
 */
export class OrderedDelivery {
  private readonly cursors = new Map<string, Cursor>();
  private closed = false;

  constructor(private readonly ports: DeliveryPorts) {}

  /** An activity pushed, or the caller's own one from a call's answer. */
  activity(a: Activity): void {
    this.enqueue(a.conversationId, () => this.receive(a));
  }

  /** A `conversation` push (on joining and on every reconnect). */
  view(view: ConversationView): void {
    this.enqueue(view.id, async () => {
      const c = this.cursor(view.id);
      this.ports.conversation(view);
      if (c.seen < 0) {
        // First sight: the push's recent activities are the history; everything after is live.
        for (const a of view.activities) this.deliver(c, a);
        c.seen = Math.max(c.seen, view.lastSeq);
        this.flushAhead(c);
      } else if (view.lastSeq > c.seen) {
        await this.catchUp(view.id);
      }
    });
  }

  /**
   * A conversation joined by a call: what comes after its view is this client's, from the view's
   * lastSeq. Without it the cursor would start at the first activity to arrive, which may be the
   * caller's own message, answered before the others' pushed ones that came earlier (then lost).
   */
  joined(view: ConversationView): void {
    this.enqueue(view.id, () => {
      const c = this.cursor(view.id);
      if (c.seen >= 0) return;
      c.seen = view.lastSeq;
      for (const seq of [...c.ahead.keys()]) if (seq <= c.seen) c.ahead.delete(seq);
      this.flushAhead(c);
    });
  }

  /** `activities.since` for every conversation this client follows, each in its own delivery order. */
  catchUpAll(): void {
    for (const id of this.cursors.keys()) this.enqueue(id, () => this.catchUp(id));
  }

  /** Stops the retries (the client is closed). */
  close(): void {
    this.closed = true;
    for (const c of this.cursors.values()) clearTimeout(c.retry);
  }

  private cursor(id: string): Cursor {
    let c = this.cursors.get(id);
    if (!c) this.cursors.set(id, (c = { seen: -1, ahead: new Map(), chain: Promise.resolve(), failures: 0 }));
    return c;
  }

  private enqueue(conversationId: string, step: () => Promise<void> | void): void {
    const c = this.cursor(conversationId);
    c.chain = c.chain.then(step).then(
      () => void (c.failures = 0),
      // A failed catch-up (the hub's Redis still loading after a restart) is tried again with
      // backoff: the last activities of a conversation may have no later one to reveal the gap.
      () => this.retryLater(conversationId, c),
    );
  }

  private retryLater(conversationId: string, c: Cursor): void {
    if (this.closed || c.retry !== undefined || ++c.failures > 12) return;
    c.retry = setTimeout(() => {
      c.retry = undefined;
      if (!this.closed) this.enqueue(conversationId, () => this.catchUp(conversationId));
    }, Math.min(10_000, 250 * 2 ** (c.failures - 1)));
  }

  private async receive(a: Activity): Promise<void> {
    const c = this.cursor(a.conversationId);
    // Activity before the conversation push (an agent added to a room): start from it.
    if (c.seen < 0) c.seen = a.seq - 1;
    if (a.seq <= c.seen) return;
    if (a.seq === c.seen + 1) {
      this.deliver(c, a);
      this.flushAhead(c);
      return;
    }
    c.ahead.set(a.seq, a);
    await this.catchUp(a.conversationId);
  }

  /** Fills everything after `seen` from the hub, then what arrived ahead. */
  private async catchUp(conversationId: string): Promise<void> {
    const c = this.cursor(conversationId);
    for (;;) {
      const { activities, lastSeq } = await this.ports.since(conversationId, Math.max(0, c.seen));
      for (const a of activities) {
        c.ahead.delete(a.seq);
        this.deliver(c, a);
      }
      const last = activities.at(-1)?.seq ?? lastSeq;
      // Everything up to lastSeq is now either delivered or not ours to see.
      if (activities.length === 0 || last >= lastSeq) {
        c.seen = Math.max(c.seen, lastSeq);
        break;
      }
    }
    for (const seq of [...c.ahead.keys()]) if (seq <= c.seen) c.ahead.delete(seq);
    this.flushAhead(c);
  }

  private flushAhead(c: Cursor): void {
    for (let next = c.ahead.get(c.seen + 1); next; next = c.ahead.get(c.seen + 1)) {
      c.ahead.delete(next.seq);
      this.deliver(c, next);
    }
  }

  private deliver(c: Cursor, a: Activity): void {
    if (a.seq <= c.seen) return;
    c.seen = a.seq;
    this.ports.activity(a);
  }
}

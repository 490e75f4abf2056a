import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type {
  Ack,
  Activity,
  CallName,
  CallPayload,
  CallResults,
  ChannelData,
  ClientToServerEvents,
  ConversationView,
  HubErrorBody,
  ServerToClientEvents,
  TypingPush,
} from './contract/index.js';
import { authOf, type TokenSource } from './token-source.js';
import { OrderedDelivery } from './ordered-delivery.js';

export * from './contract/index.js';
export type { TokenSource } from './token-source.js';

export interface HubClientOptions {
  token: TokenSource;
  /** Customers: what the channel knows about them (browser, locale, pre-chat fields...). */
  channelData?: ChannelData;
  /** Answers slower than this reject with code `timeout` (ms). */
  callTimeoutMs?: number;
  /** Passed to socket.io-client; WebSocket only by default, so no sticky sessions are needed. */
  socket?: Partial<ManagerOptions & SocketOptions>;
}

/** A call answered `{ ok: false }`, or never answered. */
export class HubCallError extends Error {
  readonly code: HubErrorBody['code'] | 'timeout' | 'disconnected';
  readonly details?: unknown;
  constructor(body: { code: HubCallError['code']; message: string; details?: unknown }) {
    super(body.message);
    this.name = 'HubCallError';
    this.code = body.code;
    this.details = body.details;
  }
}

type Listener<T> = (value: T) => void;

/** Calls whose answer carries the caller's own new activity (the hub does not push it back to that socket). */
const OWN_ACTIVITY = new Set<string>(['message.send', 'whisper.send', 'suggestion.send', 'custom.send']);
/** Calls whose answer is the view of a conversation just joined (no `conversation` push comes for it). */
const JOINED_VIEW = new Set<string>(['conversation.join', 'task.accept', 'task.pull']);

/**
 * The hub's client for webchat widgets, agent desks, bots and connectors, in Node and the browser.
 * Delivery is at least once on the wire; the client hands the application each activity exactly
 * once, in seq order: duplicates (by seq) are dropped, and a gap or a reconnect is filled with
 * `activities.since`. A gap may be activities this participant may not see (a customer never sees
 * whispers); the since answer settles that.
 */
export class HubClient {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly activityListeners = new Set<Listener<Activity>>();
  private readonly conversationListeners = new Set<Listener<ConversationView>>();
  private readonly delivery: OrderedDelivery;
  private readonly callTimeoutMs: number;
  private current?: string;
  private latest?: ConversationView;
  private firstView?: Promise<ConversationView>;
  private connectedOnce = false;
  /** Reconnecting: closed by the app, told by the hub not to come back (revoked, or expired with a fixed token), the next retry's delay. */
  private renew: { closed: boolean; stopped: boolean; retryMs: number; timer?: ReturnType<typeof setTimeout> } = { closed: false, stopped: false, retryMs: 0 };

  constructor(url: string, opts: HubClientOptions) {
    this.callTimeoutMs = opts.callTimeoutMs ?? 10_000;
    this.socket = io(url, {
      transports: ['websocket'],
      autoConnect: false,
      reconnectionDelay: 200,
      reconnectionDelayMax: 2_000,
      ...opts.socket,
      auth: authOf(opts.token, opts.channelData),
    });
    this.delivery = new OrderedDelivery({
      since: (conversationId, afterSeq) => this.call('activities.since', { conversationId, afterSeq, limit: 500 }),
      activity: (a) => {
        for (const fn of this.activityListeners) fn(a);
      },
      conversation: (view) => {
        for (const fn of this.conversationListeners) fn(view);
      },
    });
    this.socket.on('conversation', (view) => {
      this.current = view.id;
      this.latest = view;
      this.delivery.view(view);
    });
    this.socket.on('activity', (a) => this.delivery.activity(a));
    // Pushes may have been lost while the hub's Redis was away (PROTOCOL.md §4): catch up every conversation.
    this.socket.on('resync', () => this.delivery.catchUpAll());
    this.socket.on('connect', () => {
      // After a reconnect, ask for what was missed while away; the server also re-sends `conversation`.
      if (this.connectedOnce) this.delivery.catchUpAll();
      this.connectedOnce = true;
      this.renew.retryMs = 0;
    });
    // The hub ends a socket whose token expired (a token function gives the next connection a fresh
    // one; a fixed token would be refused) or whose user was disabled (`revoked`: never come back).
    const renewable = typeof opts.token === 'function';
    this.socket.on('session.expired', (push) => {
      if (push.reason === 'revoked' || !renewable) this.renew.stopped = true;
    });
    // socket.io retries a lost connection by itself, but not one the hub ended (`io server disconnect`:
    // a draining node's `reconnect` push, an expired token, a rate-limit cut): this client does.
    this.socket.on('disconnect', (reason) => void (reason === 'io server disconnect' && this.reconnectSoon()));
    // Nor a refused handshake (a draining node, a limit): after the first connection, this client retries.
    this.socket.on('connect_error', (err) => {
      if (!this.connectedOnce || this.socket.active) return; // before connect() resolved; or socket.io retries itself
      if (!renewable && err.message === 'unauthorized') return; // the same token would be refused again
      this.reconnectSoon();
    });
  }

  /**
   * Connects; rejects with the server's reason when the handshake fails: `unauthorized`,
   * `rate_limited`, `bad_request` (bad channel data, with the field in `details`), or
   * `disconnected` when the hub could not be reached.
   */
  connect(): Promise<this> {
    return new Promise((resolve, reject) => {
      const ok = () => {
        this.socket.off('connect_error', bad);
        resolve(this);
      };
      const bad = (err: Error & { data?: Partial<HubErrorBody> }) => {
        this.socket.off('connect', ok);
        this.socket.disconnect();
        const code = err.data?.code ?? (err.message === 'unauthorized' ? 'unauthorized' : 'disconnected');
        reject(new HubCallError({ code, message: err.data?.message ?? err.message, ...(err.data?.details === undefined ? {} : { details: err.data.details }) }));
      };
      this.socket.once('connect', ok);
      this.socket.once('connect_error', bad);
      this.socket.connect();
    });
  }

  close(): void {
    this.renew.closed = true;
    clearTimeout(this.renew.timer);
    this.delivery.close();
    this.socket.disconnect();
  }

  private reconnectSoon(): void {
    const r = this.renew;
    if (r.closed || r.stopped) return;
    clearTimeout(r.timer);
    // Spread out, so the sockets of a drained node do not all arrive at the next one at once.
    const wait = r.retryMs === 0 ? Math.random() * 200 : r.retryMs * (0.5 + Math.random() / 2);
    r.retryMs = Math.min(10_000, Math.max(250, r.retryMs * 2));
    r.timer = setTimeout(() => void (r.closed || this.socket.connected || this.socket.connect()), wait);
  }

  /** The conversation this client saw last (a customer has one). */
  get conversationId(): string | undefined {
    return this.current;
  }

  /** The latest `conversation` push, or the first one to come. */
  conversation(): Promise<ConversationView> {
    if (this.latest) return Promise.resolve(this.latest);
    return (this.firstView ??= new Promise((resolve) => {
      const off = this.onConversation((v) => {
        off();
        resolve(v);
      });
    }));
  }

  /** Each activity once, in seq order per conversation. */
  onActivity(fn: Listener<Activity>): () => void {
    this.activityListeners.add(fn);
    return () => this.activityListeners.delete(fn);
  }

  /** The conversation as it is on joining and reconnecting. */
  onConversation(fn: Listener<ConversationView>): () => void {
    this.conversationListeners.add(fn);
    return () => this.conversationListeners.delete(fn);
  }

  onTyping(fn: Listener<TypingPush>): () => void {
    this.socket.on('typing', fn);
    return () => this.socket.off('typing', fn);
  }

  /** Any other push (`task.offered`, `task.revoked`, `connector.outbound`...). */
  on<E extends keyof ServerToClientEvents>(event: E, fn: ServerToClientEvents[E]): () => void {
    this.socket.on(event, fn as never);
    return () => this.socket.off(event, fn as never);
  }

  /** Calls the hub and resolves with the result, or rejects with a HubCallError. */
  call<E extends CallName>(event: E, payload: CallPayload<E>): Promise<CallResults[E]> {
    return new Promise((resolve, reject) => {
      // socket.io's typed emit can't follow a generic event name; the contract types the edges.
      const timed = this.socket.timeout(this.callTimeoutMs) as unknown as {
        emit(e: string, p: unknown, cb: (err: Error | null, res: Ack<CallResults[E]>) => void): void;
      };
      timed.emit(event, payload, (err, res) => {
        if (err) return reject(new HubCallError({ code: 'timeout', message: `${event}: no answer in ${this.callTimeoutMs} ms` }));
        if (res.ok) {
          const { ok: _ok, ...result } = res;
          // The hub sends the caller's own activity only in this answer, not as a push as well.
          const own = OWN_ACTIVITY.has(event) ? (result as { activity?: Activity }).activity : undefined;
          if (own) this.delivery.activity(own);
          const joined = JOINED_VIEW.has(event) ? (result as { conversation?: ConversationView }).conversation : undefined;
          if (joined) this.delivery.joined(joined);
          resolve(result as unknown as CallResults[E]);
        } else reject(new HubCallError(res.error));
      });
    });
  }

  /** Sends a message; resending the same `clientMessageId` returns the first activity. */
  async send(text: string, opts: { conversationId?: string; clientMessageId?: string; attachments?: CallPayload<'message.send'>['attachments'] } = {}): Promise<Activity> {
    const { activity } = await this.call('message.send', {
      text,
      clientMessageId: opts.clientMessageId ?? newId(),
      ...(opts.conversationId ? { conversationId: opts.conversationId } : {}),
      ...(opts.attachments ? { attachments: opts.attachments } : {}),
    });
    return activity;
  }

  async typing(typing: boolean, conversationId?: string): Promise<void> {
    await this.call('typing', conversationId ? { conversationId, typing } : { typing });
  }
}

function newId(): string {
  const g = globalThis as { crypto?: { randomUUID?: () => string } };
  return g.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

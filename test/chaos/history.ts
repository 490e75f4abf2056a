/**
 * What the chaos run keeps: every acknowledged send, every activity each application was handed,
 * every conversation the load drove and what the archive holds for it. The checker
 * (checker.ts) reads only this, so it is a pure function tested on its own.
 */

/** One acknowledged `message.send`: the activity its ack carried. */
export interface AckedMessage {
  id: string;
  seq: number;
  clientMessageId: string;
  from: string;
  text: string;
  /** Who must be handed it, when not every receiver of the conversation (a bot's greeting comes before the agent joins). */
  receivers?: string[];
}

/** One activity an application (a HubClient's `onActivity`) was handed. */
export interface Delivery {
  id: string;
  seq: number;
  type: string;
  /** `session.closed`'s reason, for counting timer firings. */
  reason?: string;
}

export interface DrivenConversation {
  id: string;
  /** `chat`: customer, bot and agent talk and leave. `idle`: the customer goes quiet; its inactivity timer must close the session once. */
  kind: 'chat' | 'idle';
  /** Clients (by name) present from before the first send until every ack was in: each must be handed every acked message. */
  receivers: string[];
  acked: AckedMessage[];
  /** The load gave up waiting on a step (and ended the conversation); its archive is still checked. */
  abandoned?: string;
}

/** An archived activity as read back from Postgres. */
export interface ArchivedActivity {
  id: string;
  seq: number;
  type: string;
  clientMessageId: string | null;
  fromId: string;
  text?: string;
  reason?: string;
}

export interface History {
  conversations: DrivenConversation[];
  /** client name -> conversation id -> what it was handed, in the order handed. */
  deliveries: Map<string, Map<string, Delivery[]>>;
  /** conversation id -> its archived log; absent: not archived. */
  archives: Map<string, ArchivedActivity[]>;
}

export function newHistory(): History {
  return { conversations: [], deliveries: new Map(), archives: new Map() };
}

export function recordDelivery(h: History, client: string, conversationId: string, d: Delivery): void {
  let byConversation = h.deliveries.get(client);
  if (!byConversation) h.deliveries.set(client, (byConversation = new Map()));
  let list = byConversation.get(conversationId);
  if (!list) byConversation.set(conversationId, (list = []));
  list.push(d);
}

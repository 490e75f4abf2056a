import type { SessionExpired } from './auth.js';
import type { HubErrorBody } from './codes.js';
import type {
  Activity,
  ActivityFrom,
  AgentTask,
  CallName,
  CallPayload,
  Conversation,
  ConversationView,
  Dashboard,
  QueuePosition,
  ReceiptPush,
} from './schemas.js';

/** The answer to every call: `{ ok: true, ...result }` or `{ ok: false, error }`. */
export type Ack<R> = ({ ok: true } & R) | { ok: false; error: HubErrorBody };

/** What each call answers on success (PROTOCOL.md §3.2). */
export interface CallResults {
  'message.send': { activity: Activity };
  typing: Record<string, never>;
  'activities.since': { activities: Activity[]; lastSeq: number };
  'session.end': Record<string, never>;
  'agent.state': { state: 'ready' | 'not_ready' };
  'task.accept': { conversation: ConversationView };
  'task.reject': Record<string, never>;
  'queue.list': { tasks: AgentTask[] };
  'task.pull': { conversation: ConversationView };
  'whisper.send': { activity: Activity };
  'suggestion.send': { activity: Activity };
  'handoff.request': { task: AgentTask };
  'conversation.transfer': { task: AgentTask };
  'conversation.join': { conversation: ConversationView };
  'conversation.leave': Record<string, never>;
  'wrapup.submit': Record<string, never>;
  'customer.history': { conversations: ConversationView[] };
  'connector.inbound': { conversationId: string; channelSessionId: string; activity: Activity };
  'connector.session.end': Record<string, never>;
  'custom.send': { activity: Activity };
  'conversation.end': Record<string, never>;
  'conversation.reassign': { task: AgentTask };
  'supervisor.watch': { dashboard: Dashboard };
  'supervisor.unwatch': Record<string, never>;
  'supervisor.agent.state': { state: 'not_ready' };
  'read.update': { seq: number };
  'conversation.data.set': { activity: Activity };
  'conversation.start': { conversation: ConversationView };
  'template.send': { activity: Activity };
}

/** Client-to-server events: payload, then the acknowledgement as the last argument. */
export type ClientToServerEvents = {
  [E in CallName]: (payload: CallPayload<E>, ack: (res: Ack<CallResults[E]>) => void) => void;
};

export interface TaskOffered {
  task: AgentTask;
  conversation: ConversationView;
  expiresAt: string;
}
export interface TaskRevoked {
  taskId: string;
  /** `reassigned` (addition): a supervisor gave the conversation to someone else. */
  reason: 'expired' | 'taken' | 'closed' | 'reassigned';
}
export interface ConnectorOutbound {
  serviceIdentifier: string;
  channelSessionId: string;
  customerIdentifier: string;
  activity: Activity;
}
export interface TypingPush {
  conversationId: string;
  from: ActivityFrom;
  typing: boolean;
}

/** Server-to-client pushes (PROTOCOL.md §4). */
export interface ServerToClientEvents {
  conversation: (conversation: ConversationView) => void;
  activity: (activity: Activity) => void;
  typing: (typing: TypingPush) => void;
  'task.offered': (offer: TaskOffered) => void;
  'task.queued': (queued: { task: AgentTask }) => void;
  'task.revoked': (revoked: TaskRevoked) => void;
  'connector.outbound': (outbound: ConnectorOutbound) => void;
  /** Sent right before the hub disconnects this socket for its own reason, e.g. `rate_limited` (PROTOCOL.md §9). */
  error: (error: HubErrorBody) => void;
  /** The hub is about to end this socket (PROTOCOL.md §2.3). */
  'session.expired': (push: SessionExpired) => void;
  /** The hub node is about to disconnect this socket and wants it back, through the load balancer, on another node (PROTOCOL.md §4). */
  reconnect: (push: ReconnectPush) => void;
  /** Pushes to this socket may have been lost (the hub's Redis connection came back): catch up every conversation with `activities.since` (PROTOCOL.md §4, §5). */
  resync: (push: ResyncPush) => void;
  /** Addition: the customer's place in the queue, whenever it changes, at most once a second (PROTOCOL.md §4). */
  'queue.position': (push: QueuePosition) => void;
  /** Addition: the supervisor dashboard, to sockets that called `supervisor.watch`, at most once a second (PROTOCOL.md §4). */
  dashboard: (dashboard: Dashboard) => void;
  /** Addition (§1.7): another participant's delivery or read receipt. */
  receipt: (push: ReceiptPush) => void;
}

/** The `resync` push carries nothing yet; fields may be added. */
export type ResyncPush = Record<string, never>;

/** Why the hub asks a socket to connect again: `draining`, its node is shutting down. */
export interface ReconnectPush {
  reason: 'draining';
  message: string;
}

export type { Conversation };

import type {
  Activity,
  AgentTask,
  Channel,
  ConnectorOutbound,
  Conversation,
  ConversationView,
  Customer,
  CustomerIdentifier,
  ServerToClientEvents,
  TypingPush,
} from '@conversation-hub/client-sdk/contract';

/**
 * How the engine reaches sockets, wherever they are connected: the Socket.IO transport implements
 * it with rooms, so the in-memory or the Redis adapter carries it to every node.
 */
export interface Fanout {
  /**
   * Each activity to the conversation's participants who may see it; with `skipCaller`, not to the
   * socket whose call made it (its acknowledgement carries the activity).
   */
  activities(list: readonly Activity[], skipCaller?: boolean): void;
  /** Every socket of the participant, on every node, joins the conversation's rooms. */
  join(participantId: string, conversationId: string, seesAgents: boolean): Promise<void>;
  leave(participantId: string, conversationId: string): Promise<void>;
  toParticipant<E extends keyof ServerToClientEvents>(participantId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
  typing(push: TypingPush): void;
  /** To every socket of the agents serving a list (pull mode's `task.queued`). */
  toList<E extends keyof ServerToClientEvents>(listId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
  /** The agent's sockets, on every node, follow its lists. */
  setLists(agentId: string, join: string[], leave: string[]): Promise<void>;
  /** Whether the participant has a socket on any node. */
  isConnected(participantId: string): Promise<boolean>;
  connectorOutbound(outbound: ConnectorOutbound): void;
}

/** Channels by service identifier (Postgres, cached by the caller's implementation). */
export interface ChannelDirectory {
  byServiceIdentifier(serviceIdentifier: string): Promise<Channel | null>;
}

/** Customers by (channel type, identifier); an unknown pair makes an anonymous customer. */
export interface CustomerDirectory {
  resolve(channelType: string, identifier: string, name?: string): Promise<Customer>;
  /**
   * The customer who owns `primary` (a pre-chat email), with `secondary` (the visitor id) linked to
   * them; when nobody owns it, the customer of `secondary`, with `primary` linked.
   */
  identify(primary: CustomerIdentifier, secondary: CustomerIdentifier, name?: string): Promise<Customer>;
  get(customerId: string): Promise<Customer | null>;
}

/** The permanent record (Postgres): closed conversations and the customer's history. */
export interface Archive {
  /** Writes the whole conversation in one transaction; idempotent; throws when the database is away. */
  save(conversation: Conversation, activities: Activity[], tasks: AgentTask[]): Promise<void>;
  find(conversationId: string): Promise<ConversationView | null>;
  history(customerId: string, limit: number): Promise<ConversationView[]>;
}

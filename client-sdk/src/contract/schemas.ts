import { z } from 'zod';

// ---- limits shared by client and server -----------------------------------
export const Limits = {
  textMax: 10_000,
  idMax: 128,
  attachmentsMax: 10,
  channelDataKeys: 50,
  channelDataValueMax: 2_000,
  sinceLimitMax: 500,
  sinceLimitDefault: 100,
  historyLimitMax: 50,
} as const;

const id = z.string().min(1).max(Limits.idMax);
const isoDate = z.string();

// ---- objects (PROTOCOL.md §1) ---------------------------------------------
export const ParticipantRole = z.enum(['customer', 'agent', 'supervisor', 'bot', 'app', 'controller']);
export type ParticipantRole = z.infer<typeof ParticipantRole>;
/** Who a token may speak for: a participant role, or a channel connector. */
export const TokenRole = z.enum(['customer', 'agent', 'supervisor', 'bot', 'app', 'controller', 'connector']);
export type TokenRole = z.infer<typeof TokenRole>;

export const ConversationState = z.enum(['created', 'active', 'inactive', 'customer_left', 'wrap_up', 'closing', 'closed']);
export type ConversationState = z.infer<typeof ConversationState>;

export const Visibility = z.enum(['all', 'agents']);
export type Visibility = z.infer<typeof Visibility>;

export const SessionCloseReason = z.enum(['customer_left', 'inactivity', 'controller', 'connector']);
export type SessionCloseReason = z.infer<typeof SessionCloseReason>;

export const ChannelData = z
  .record(z.string().max(100), z.string().max(Limits.channelDataValueMax))
  .refine((r) => Object.keys(r).length <= Limits.channelDataKeys, { message: `at most ${Limits.channelDataKeys} keys` });
export type ChannelData = z.infer<typeof ChannelData>;

export const Attachment = z.object({
  url: z.string().url().max(2_000),
  name: z.string().min(1).max(255),
  mimeType: z.string().min(1).max(255),
  size: z.number().int().nonnegative(),
});
export type Attachment = z.infer<typeof Attachment>;

export const CustomerIdentifier = z.object({ channelType: id, value: z.string().min(1).max(320) });
export type CustomerIdentifier = z.infer<typeof CustomerIdentifier>;

export interface Customer {
  id: string;
  name?: string;
  identifiers: CustomerIdentifier[];
  known: boolean;
  attributes: Record<string, unknown>;
}

export interface ChannelType {
  id: string;
  name: string;
}

export const RoutingMode = z.enum(['push', 'pull']);
export type RoutingMode = z.infer<typeof RoutingMode>;

export const ChannelInput = z.object({
  id: id.optional(),
  serviceIdentifier: id,
  name: z.string().min(1).max(200),
  channelType: id,
  routingMode: RoutingMode.default('push'),
  listId: id.optional(),
  customerInactivityTimeoutSeconds: z.number().positive().max(7 * 24 * 3600).default(900),
  offerTimeoutSeconds: z.number().positive().max(3600).default(30),
  botId: id.optional(),
  wrapUp: z.object({ enabled: z.boolean(), timeoutSeconds: z.number().positive().max(24 * 3600) }).default({ enabled: false, timeoutSeconds: 60 }),
  controller: z
    .object({
      greeting: z.string().max(Limits.textMax).optional(),
      survey: z.string().max(Limits.textMax).optional(),
      closeOnAgentLeave: z.boolean().default(false),
    })
    .default({ closeOnAgentLeave: false }),
  outboundWebhookUrl: z.string().url().optional(),
});
export type ChannelInput = z.input<typeof ChannelInput>;
export type Channel = z.output<typeof ChannelInput> & { id: string };

export interface ChannelSession {
  id: string;
  conversationId: string;
  customerId: string;
  serviceIdentifier: string;
  channelType: string;
  channelData: ChannelData;
  state: 'open' | 'closed';
  openedAt: string;
  closedAt?: string;
  closeReason?: SessionCloseReason;
}

export interface Participant {
  id: string;
  role: ParticipantRole;
  name?: string;
  joinedAt: string;
}

export interface Conversation {
  id: string;
  customerId: string;
  state: ConversationState;
  channelSessions: ChannelSession[];
  participants: Participant[];
  lastSeq: number;
  createdAt: string;
}

export interface ActivityFrom {
  id: string;
  role: ParticipantRole;
  name?: string;
}

export const AgentTaskState = z.enum(['queued', 'offered', 'accepted', 'rejected', 'expired', 'closed']);
export type AgentTaskState = z.infer<typeof AgentTaskState>;

export interface AgentTask {
  id: string;
  conversationId: string;
  state: AgentTaskState;
  agentId?: string;
  listId?: string;
  createdAt: string;
  offeredAt?: string;
  acceptedAt?: string;
  closedAt?: string;
}

/** Payload of each activity type (PROTOCOL.md §1.1). */
export interface ActivityPayloads {
  message: { text: string; attachments?: Attachment[] };
  whisper: { text: string };
  suggestion: { text: string; confidence?: number };
  handoff: { intent?: string; sentiment?: string | number; summary?: string; transcriptSeq: number };
  'participant.joined': { participant: Participant; reason?: string };
  'participant.left': { participant: Participant; reason?: string };
  'session.started': { channelSession: ChannelSession; reason?: string };
  'session.closed': { channelSession: ChannelSession; reason?: SessionCloseReason };
  'state.changed': { from: ConversationState; to: ConversationState };
  'task.created': { task: AgentTask };
  'task.assigned': { task: AgentTask };
  'task.closed': { task: AgentTask };
  wrapup: { codes: string[]; note?: string };
  custom: Record<string, unknown>;
}
export type ActivityType = keyof ActivityPayloads;

interface ActivityBase<T extends ActivityType> {
  id: string;
  conversationId: string;
  seq: number;
  type: T;
  visibility: Visibility;
  from: ActivityFrom;
  at: string;
  clientMessageId?: string;
  /** Addition: the channel session a customer's activity came through. */
  channelSessionId?: string;
  payload: ActivityPayloads[T];
}
export type Activity = { [T in ActivityType]: ActivityBase<T> }[ActivityType];

/** An activity before the hub gives it a seq. */
export type ActivityDraft = { [T in ActivityType]: Omit<ActivityBase<T>, 'seq'> }[ActivityType];

/** The `conversation` push: the Conversation with the last activities the receiver may see. */
export interface ConversationView extends Conversation {
  activities: Activity[];
}

// ---- call payloads (PROTOCOL.md §3.2) -------------------------------------
const text = z.string().min(1).max(Limits.textMax);

export const MessageSend = z.object({
  conversationId: id.optional(),
  text,
  clientMessageId: id,
  attachments: z.array(Attachment).max(Limits.attachmentsMax).optional(),
});
export const Typing = z.object({ conversationId: id.optional(), typing: z.boolean() });
export const ActivitiesSince = z.object({
  conversationId: id,
  afterSeq: z.number().int().nonnegative(),
  limit: z.number().int().min(1).max(Limits.sinceLimitMax).optional(),
});
export const SessionEnd = z.object({});
export const AgentState = z.object({
  state: z.enum(['ready', 'not_ready']),
  capacity: z.number().int().min(1).max(100).optional(),
  lists: z.array(id).max(100).optional(),
});
export const TaskRef = z.object({ taskId: id });
export const QueueList = z.object({ listId: id });
export const WhisperSend = z.object({ conversationId: id, text });
export const SuggestionSend = z.object({ conversationId: id, text, confidence: z.number().min(0).max(1).optional() });
export const HandoffRequest = z.object({
  conversationId: id,
  intent: z.string().max(200).optional(),
  sentiment: z.union([z.string().max(50), z.number().min(-1).max(1)]).optional(),
  summary: z.string().max(Limits.textMax).optional(),
  listId: id.optional(),
});
export const ConversationTransfer = z.object({
  conversationId: id,
  to: z.union([z.object({ agentId: id }).strict(), z.object({ listId: id }).strict()]),
});
export const ConversationRef = z.object({ conversationId: id });
export const WrapupSubmit = z.object({
  conversationId: id,
  codes: z.array(z.string().min(1).max(100)).max(20).optional(),
  note: z.string().max(Limits.textMax).optional(),
});
export const CustomerHistory = z.object({ customerId: id, limit: z.number().int().min(1).max(Limits.historyLimitMax).optional() });
export const ConnectorInbound = z.object({
  serviceIdentifier: id,
  customer: z.object({ identifier: z.string().min(1).max(320), name: z.string().max(200).optional() }),
  channelData: ChannelData.optional(),
  message: z.object({ text, clientMessageId: id, attachments: z.array(Attachment).max(Limits.attachmentsMax).optional() }),
});
export const ConnectorSessionEnd = z.object({ serviceIdentifier: id, customerIdentifier: z.string().min(1).max(320) });
/** Addition: apps post `custom` activities. */
export const CustomSend = z.object({
  conversationId: id,
  visibility: Visibility.default('all'),
  payload: z.record(z.string(), z.unknown()),
});

// ---- HTTP bodies (PROTOCOL.md §2.2, §6) ------------------------------------
export const WebchatSessionBody = z.object({
  serviceIdentifier: id,
  visitorId: id.optional(),
  prechat: z
    .object({ name: z.string().max(200).optional(), email: z.string().email().max(320).optional() })
    .catchall(z.string().max(Limits.channelDataValueMax))
    .optional(),
});
export const TokenBody = z.object({
  sub: id,
  role: TokenRole,
  name: z.string().max(200).optional(),
  channels: z.array(id).max(100).optional(),
  serviceIdentifier: id.optional(),
  ttlSeconds: z.number().int().min(1).max(30 * 24 * 3600).optional(),
});

/** Every call's payload schema, by event name: the server validates with exactly these. */
export const CallSchemas = {
  'message.send': MessageSend,
  typing: Typing,
  'activities.since': ActivitiesSince,
  'session.end': SessionEnd,
  'agent.state': AgentState,
  'task.accept': TaskRef,
  'task.reject': TaskRef,
  'queue.list': QueueList,
  'task.pull': TaskRef,
  'whisper.send': WhisperSend,
  'suggestion.send': SuggestionSend,
  'handoff.request': HandoffRequest,
  'conversation.transfer': ConversationTransfer,
  'conversation.join': ConversationRef,
  'conversation.leave': ConversationRef,
  'wrapup.submit': WrapupSubmit,
  'customer.history': CustomerHistory,
  'connector.inbound': ConnectorInbound,
  'connector.session.end': ConnectorSessionEnd,
  'custom.send': CustomSend,
} as const;
export type CallName = keyof typeof CallSchemas;
export type CallPayload<E extends CallName> = z.input<(typeof CallSchemas)[E]>;
export type CallInput<E extends CallName> = z.output<(typeof CallSchemas)[E]>;

// ---- admin REST API bodies and queries (PROTOCOL.md §6.2) ------------------
// Added with the admin routes (server/transport/http/admin-routes.ts). The persistence layer has
// identical copies of ChannelTypeInput and CustomerCreateInput; these are the contract's.

/** `POST /api/channel-types`. */
export const ChannelTypeInput = z.object({ id, name: z.string().min(1).max(200) });
/** `PATCH /api/channel-types/:id`. */
export const ChannelTypePatch = ChannelTypeInput.pick({ name: true });
/**
 * `PATCH /api/channels/:id`: any ChannelInput fields. Validate with it, but store the raw body on
 * top of the stored channel: parsing fills in ChannelInput's defaults, which a patch must not do.
 */
export const ChannelPatch = ChannelInput.partial();
/** `POST /api/customers`: an admin-made customer, known unless `known: false`. */
export const CustomerCreateInput = z.object({
  name: z.string().min(1).max(200).optional(),
  identifiers: z.array(CustomerIdentifier).max(50).optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
  known: z.boolean().default(true),
});
/** `POST /api/customers/:id/identifiers`. */
export const IdentifierInput = CustomerIdentifier;
/** `POST /api/customers/:id/merge`: the (anonymous) customer to merge into `:id`. */
export const MergeBody = z.object({ sourceCustomerId: id });
/** `GET /api/customers?channelType=&identifier=`. */
export const CustomerLookupQuery = z.object({ channelType: id, identifier: CustomerIdentifier.shape.value });
/** `GET /api/conversations?customerId=&state=&limit=`: newest first, live and archived. */
export const ConversationListQuery = z.object({
  customerId: id.optional(),
  state: ConversationState.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

import { z } from 'zod';
import { HttpUrl, Id, Limits, LongText, safeRecord, safeString } from './strings.js';
import { BotConfig, type QuickReply } from './bots.js';
import { BusinessHours, QueueSettings, RequiredSkills, type TaskReason } from './routing.js';
import { IdentityMode, IdentitySecret } from './webchat.js';
import { ConnectorConfig, WebhookSecret, type ConnectorView, type ReadHorizon, type TemplateRef } from './messaging.js';

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

/** ≤ 50 keys of 1–100 safe characters, safe string values ≤ 2,000 characters. */
export const ChannelData = safeRecord(
  { keyMax: Limits.channelDataKeyMax, keysMax: Limits.channelDataKeys },
  safeString({ max: Limits.channelDataValueMax }),
);
export type ChannelData = z.infer<typeof ChannelData>;

export const Attachment = z.object({
  /** Addition: the id `POST /api/attachments` answered, for a file the hub stores. */
  id: Id.optional(),
  url: HttpUrl,
  name: safeString({ min: 1, max: 255 }),
  mimeType: safeString({ min: 1, max: 255 }),
  size: z.number().int().nonnegative(),
});
export type Attachment = z.infer<typeof Attachment>;

export const CustomerIdentifier = z.object({ channelType: Id, value: safeString({ min: 1, max: 320 }) });
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
  id: Id.optional(),
  serviceIdentifier: Id,
  name: safeString({ min: 1, max: 200 }),
  channelType: Id,
  routingMode: RoutingMode.default('push'),
  listId: Id.optional(),
  customerInactivityTimeoutSeconds: z.number().positive().max(7 * 24 * 3600).default(900),
  offerTimeoutSeconds: z.number().positive().max(3600).default(30),
  botId: Id.optional(),
  wrapUp: z.object({ enabled: z.boolean(), timeoutSeconds: z.number().positive().max(24 * 3600) }).default({ enabled: false, timeoutSeconds: 60 }),
  controller: z
    .object({
      greeting: LongText.optional(),
      survey: LongText.optional(),
      closeOnAgentLeave: z.boolean().default(false),
    })
    .default({ closeOnAgentLeave: false }),
  outboundWebhookUrl: HttpUrl.optional(),
  /** Addition (§1.7.6): write-only Standard Webhooks secret of `outboundWebhookUrl`'s deliveries; `null` removes it. Reads show `outboundWebhookSecretSet`. */
  outboundWebhookSecret: WebhookSecret.nullable().optional(),
  /** Webchat identity (PROTOCOL.md §2.2): `required` refuses anonymous visitors. */
  identity: IdentityMode.default('optional'),
  /** Write-only: the HS256 secret identity tokens are signed with (32–512 characters); `null` removes it. Reads show `identitySecretSet`. */
  identitySecret: IdentitySecret.nullable().optional(),
  /** Apps (token `sub`s) that may join this channel's conversations with `conversation.join`. */
  apps: z.array(Id).max(50).default([]),
  /** Addition (PROTOCOL.md §1.5): skills an agent needs to be offered this channel's tasks. */
  requiredSkills: RequiredSkills.default([]),
  /** Addition: a task every eligible agent refused is offered again after this long. */
  offerRetrySeconds: z.number().positive().max(3600).default(30),
  /** Addition: the waiting limit and where a task goes at it. */
  queue: QueueSettings.optional(),
  /** Addition: outside these hours new conversations get the closed message and wait for the opening. */
  businessHours: BusinessHours.optional(),
  /** Addition (PROTOCOL.md §1.6): a bot the hub runs for this channel (Rasa, Lex, built-in), or a socket bot. */
  bot: BotConfig.optional(),
  /** Addition: a hub-run bot's answer is waited for this long, then retried once, then the customer is handed over. */
  botTimeoutSeconds: z.number().positive().max(60).default(5),
  /** Addition (PROTOCOL.md §1.7): a connector the hub runs (channel type `whatsapp`); its secrets are write-only. `null` removes it. */
  connector: ConnectorConfig.nullable().optional(),
});
export type ChannelInput = z.input<typeof ChannelInput>;
/** A channel as the hub answers it: never its identity secret or its connector's secrets. */
export type Channel = Omit<z.output<typeof ChannelInput>, 'identitySecret' | 'connector' | 'outboundWebhookSecret'> & {
  id: string;
  identitySecretSet: boolean;
  connector?: ConnectorView;
  outboundWebhookSecretSet?: true;
};

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
  /** Addition (§1.7): the conversation's data (CRM link, AI summary...): agents, supervisors, bots and apps only. */
  data?: Record<string, unknown>;
  /** Addition (§1.7): each participant's read horizon (customers see only their own and the agents' as one). */
  readHorizons?: ReadHorizon[];
  /** Addition (§1.7): messages after the receiver's read horizon that others sent. */
  unread?: number;
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
  /** Addition: why the task exists (PROTOCOL.md §1.5); this hub sets it on every task, archives from before it lack it. */
  reason?: TaskReason;
  /** Addition: an agent needs every one of these skills to be offered it. */
  requiredSkills?: string[];
  createdAt: string;
  offeredAt?: string;
  acceptedAt?: string;
  closedAt?: string;
}

/** Payload of each activity type (PROTOCOL.md §1.1). */
export interface ActivityPayloads {
  /** `quickReplies` (addition): a bot's buttons; a click sends the payload as the customer's message. */
  message: { text: string; attachments?: Attachment[]; quickReplies?: QuickReply[]; template?: TemplateRef };
  whisper: { text: string };
  suggestion: { text: string; confidence?: number };
  /**
   * Additions: `reason`, why the hub handed over for a hub-run bot (e.g. `bot_unavailable`); `skills`,
   * those the bot asked for; `transcriptFromSeq`, the first seq of the bot's part (archives from before lack it).
   */
  handoff: { intent?: string; sentiment?: string | number; summary?: string; skills?: string[]; reason?: string; transcriptFromSeq?: number; transcriptSeq: number };
  'participant.joined': { participant: Participant; reason?: string };
  'participant.left': { participant: Participant; reason?: string };
  'session.started': { channelSession: ChannelSession; reason?: string };
  'session.closed': { channelSession: ChannelSession; reason?: SessionCloseReason };
  /** Addition (§1.7, agents only): a session's channel data changed; `channelSession` is the merged one. */
  'session.updated': { channelSession: ChannelSession; changed: string[] };
  /** Addition (§1.7, agents only): `conversation.data.set`; `value: null` deleted the key. */
  'data.changed': { key: string; value: unknown };
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

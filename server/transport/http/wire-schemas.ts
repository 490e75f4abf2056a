import { z } from 'zod';
import {
  AgentTaskState,
  Attachment,
  BotConfig,
  QuickReply,
  BusinessHours,
  ConversationState,
  CustomerIdentifier,
  ErrorCode,
  IdentityMode,
  ParticipantRole,
  QueueSettings,
  RequiredSkills,
  RoutingMode,
  SessionCloseReason,
  SubscriptionEvent,
  TemplateRef,
  Visibility,
  type Activity as ContractActivity,
  type AgentTask as ContractAgentTask,
  type Channel as ContractChannel,
  type ChannelType as ContractChannelType,
  type ConnectorOutbound as ContractConnectorOutbound,
  type Conversation as ContractConversation,
  type ConversationView as ContractConversationView,
  type Customer as ContractCustomer,
  type HubErrorBody,
  type WebchatSession as ContractWebchatSession,
} from '@conversation-hub/client-sdk/contract';

/*
 * The objects the HTTP API answers with (PROTOCOL.md §1), as zod schemas for the OpenAPI document
 * only: the hub builds these objects, it never parses them. The contract declares them as
 * TypeScript types; the checks at the end of this file fail to compile when a schema here and the
 * contract's type drift apart, in either direction.
 */

const isoDate = z.string().meta({ format: 'date-time', description: 'ISO 8601 date-time (UTC)' });

export const ErrorBody = z
  .object({
    code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.unknown().optional().meta({ description: 'For `bad_request`: `{ field, issues }`, the first wrong field and every issue.' }),
  })
  .meta({ id: 'ErrorBody' });
/** The one HTTP error shape (PROTOCOL.md §3.1, §6): `{ error: { code, message, details? } }`. */
export const ErrorResponse = z.object({ error: ErrorBody }).meta({ id: 'Error' });

export const ChannelTypeSchema = z.object({ id: z.string(), name: z.string() }).meta({ id: 'ChannelType' });

export const CustomerSchema = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    identifiers: z.array(CustomerIdentifier),
    known: z.boolean(),
    attributes: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Customer' });

export const ChannelSchema = z
  .object({
    id: z.string(),
    serviceIdentifier: z.string(),
    name: z.string(),
    channelType: z.string(),
    routingMode: RoutingMode,
    listId: z.string().optional(),
    customerInactivityTimeoutSeconds: z.number(),
    offerTimeoutSeconds: z.number(),
    botId: z.string().optional(),
    wrapUp: z.object({ enabled: z.boolean(), timeoutSeconds: z.number() }),
    controller: z.object({ greeting: z.string().optional(), survey: z.string().optional(), closeOnAgentLeave: z.boolean() }),
    outboundWebhookUrl: z.string().optional(),
    outboundWebhookSecretSet: z.literal(true).optional().meta({ description: 'Present when the webhook secret is set; the secret itself is write-only.' }),
    identity: IdentityMode,
    identitySecretSet: z.boolean().meta({ description: 'Whether an identity secret is set; the secret itself is write-only.' }),
    apps: z.array(z.string()).meta({ description: 'Apps that may join this channel’s conversations.' }),
    requiredSkills: RequiredSkills.meta({ description: 'Skills an agent needs to be offered this channel’s tasks (PROTOCOL.md §1.5).' }),
    offerRetrySeconds: z.number().meta({ description: 'A task every eligible agent refused is offered again after this long.' }),
    queue: QueueSettings.optional(),
    businessHours: BusinessHours.optional(),
    bot: BotConfig.optional(),
    botTimeoutSeconds: z.number(),
    connector: z
      .object({ provider: z.literal('whatsapp-cloud'), phoneNumberId: z.string(), graphBaseUrl: z.string().optional(), apiVersion: z.string().optional(), secretsSet: z.literal(true) })
      .optional()
      .meta({ description: 'A connector the hub runs (PROTOCOL.md §1.7); its secrets are write-only.' }),
  })
  .meta({ id: 'Channel' });

export const ChannelSessionSchema = z
  .object({
    id: z.string(),
    conversationId: z.string(),
    customerId: z.string(),
    serviceIdentifier: z.string(),
    channelType: z.string(),
    channelData: z.record(z.string(), z.string()),
    state: z.enum(['open', 'closed']),
    openedAt: isoDate,
    closedAt: isoDate.optional(),
    closeReason: SessionCloseReason.optional(),
  })
  .meta({ id: 'ChannelSession' });

export const ParticipantSchema = z
  .object({ id: z.string(), role: ParticipantRole, name: z.string().optional(), joinedAt: isoDate })
  .meta({ id: 'Participant' });

export const AgentTaskSchema = z
  .object({
    id: z.string(),
    conversationId: z.string(),
    state: AgentTaskState,
    agentId: z.string().optional(),
    listId: z.string().optional(),
    createdAt: isoDate,
    offeredAt: isoDate.optional(),
    acceptedAt: isoDate.optional(),
    closedAt: isoDate.optional(),
  })
  .meta({ id: 'AgentTask' });

const ActivityFrom = z.object({ id: z.string(), role: ParticipantRole, name: z.string().optional() });

/** One activity type: the common fields, the type and its payload (PROTOCOL.md §1.1). */
function activity<T extends string, P extends z.ZodType>(type: T, payload: P) {
  return z.object({
    id: z.string(),
    conversationId: z.string(),
    seq: z.number().int().min(1),
    type: z.literal(type),
    visibility: Visibility,
    from: ActivityFrom,
    at: isoDate,
    clientMessageId: z.string().optional(),
    channelSessionId: z.string().optional().meta({ description: 'Addition (PROTOCOL.md §8): the channel session a customer activity came through.' }),
    payload,
  });
}
const participantChange = z.object({ participant: ParticipantSchema, reason: z.string().optional() });
const taskPayload = z.object({ task: AgentTaskSchema });

export const ActivitySchema = z
  .discriminatedUnion('type', [
    activity('message', z.object({ text: z.string(), attachments: z.array(Attachment).optional(), quickReplies: z.array(QuickReply).optional(), template: TemplateRef.optional() })),
    activity('whisper', z.object({ text: z.string() })),
    activity('suggestion', z.object({ text: z.string(), confidence: z.number().optional() })),
    activity(
      'handoff',
      z.object({ intent: z.string().optional(), sentiment: z.union([z.string(), z.number()]).optional(), summary: z.string().optional(), skills: z.array(z.string()).optional(), reason: z.string().optional(), transcriptFromSeq: z.number().int().optional(), transcriptSeq: z.number().int() }),
    ),
    activity('participant.joined', participantChange),
    activity('participant.left', participantChange),
    activity('session.started', z.object({ channelSession: ChannelSessionSchema, reason: z.string().optional() })),
    activity('session.closed', z.object({ channelSession: ChannelSessionSchema, reason: SessionCloseReason.optional() })),
    activity('state.changed', z.object({ from: ConversationState, to: ConversationState })),
    activity('task.created', taskPayload),
    activity('task.assigned', taskPayload),
    activity('task.closed', taskPayload),
    activity('wrapup', z.object({ codes: z.array(z.string()), note: z.string().optional() })),
    activity('custom', z.record(z.string(), z.unknown())),
    activity('session.updated', z.object({ channelSession: ChannelSessionSchema, changed: z.array(z.string()) })),
    activity('data.changed', z.object({ key: z.string(), value: z.unknown() })),
  ])
  .meta({ id: 'Activity' });

const conversationShape = {
  id: z.string(),
  customerId: z.string(),
  state: ConversationState,
  channelSessions: z.array(ChannelSessionSchema),
  participants: z.array(ParticipantSchema),
  lastSeq: z.number().int().min(0),
  createdAt: isoDate,
  data: z.record(z.string(), z.unknown()).optional().meta({ description: 'Addition (PROTOCOL.md §1.7): the conversation data; never to customers.' }),
  readHorizons: z.array(z.object({ participantId: z.string(), read: z.number().int(), delivered: z.number().int().optional() })).optional(),
  unread: z.number().int().optional(),
};
export const ConversationSchema = z.object(conversationShape).meta({ id: 'Conversation' });
export const ConversationViewSchema = z
  .object({ ...conversationShape, activities: z.array(ActivitySchema) })
  .meta({ id: 'ConversationView', description: 'A Conversation with activities: every one (admin API) or the last the receiver may see (pushes).' });

// ---- answers of single routes ------------------------------------------------------------
export const TokenAnswer = z.object({ token: z.string().meta({ description: 'A JWT (HS256), 12 hours unless `ttlSeconds` says otherwise.' }) }).meta({ id: 'TokenAnswer' });
export const WebchatSessionAnswer = z
  .object({
    token: z.string().meta({ description: 'A customer JWT for the channel (12 hours).' }),
    customerId: z.string(),
    visitorToken: z.string().meta({ description: 'Opaque and signed by the hub: keep it and send it again to be the same anonymous customer.' }),
    verified: z.boolean().meta({ description: 'True when a valid identity token named the customer.' }),
    open: z.boolean().meta({ description: 'Whether the channel’s business hours are open now (always true without business hours).' }),
    nextOpeningAt: isoDate.optional().meta({ description: 'When closed: the next opening; absent when open or not within 400 days.' }),
  })
  .meta({ id: 'WebchatSessionAnswer' });
export const ConnectorInboundAnswer = z
  .object({ conversationId: z.string(), channelSessionId: z.string(), activity: ActivitySchema })
  .meta({ id: 'ConnectorInboundAnswer' });
export const ConnectorOutboundSchema = z
  .object({ serviceIdentifier: z.string(), channelSessionId: z.string(), customerIdentifier: z.string(), activity: ActivitySchema })
  .meta({ id: 'ConnectorOutbound' });
export const WebhookEventSchema = z
  .object({ type: SubscriptionEvent, timestamp: z.string(), data: z.object({ conversationId: z.string(), activity: ActivitySchema }) })
  .meta({ id: 'WebhookEvent' });
export const HealthAnswer = z.object({ ok: z.literal(true) }).meta({ id: 'Health' });
/** `/readyz`'s checks: each backing service by name (`redis`, `postgres`), `'ok'` or why not. */
const ReadyChecks = z.record(z.string(), z.string()).meta({ description: "Each backing service by name (`redis`, `postgres`): `'ok'`, or why not." });
export const ReadyAnswer = z.object({ ok: z.literal(true), mode: z.enum(['embedded', 'cluster']), checks: ReadyChecks }).meta({ id: 'Ready' });
export const NotReadyAnswer = z.object({ ok: z.literal(false), mode: z.enum(['embedded', 'cluster']), checks: ReadyChecks }).meta({ id: 'NotReady' });
export const OpenApiAnswer = z.record(z.string(), z.unknown()).meta({ description: 'This OpenAPI 3.1 document.' });

// ---- drift checks: each schema and the contract's type are assignable both ways -----------
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type WireSchemaChecks = [
  Check<Same<z.output<typeof ErrorBody>, HubErrorBody>>,
  Check<Same<z.output<typeof ChannelTypeSchema>, ContractChannelType>>,
  Check<Same<z.output<typeof CustomerSchema>, ContractCustomer>>,
  Check<Same<z.output<typeof ChannelSchema>, ContractChannel>>,
  Check<Same<z.output<typeof AgentTaskSchema>, ContractAgentTask>>,
  Check<Same<z.output<typeof ActivitySchema>, ContractActivity>>,
  Check<Same<z.output<typeof ConversationSchema>, ContractConversation>>,
  Check<Same<z.output<typeof ConversationViewSchema>, ContractConversationView>>,
  Check<Same<z.output<typeof ConnectorOutboundSchema>, ContractConnectorOutbound>>,
  Check<Same<z.output<typeof WebchatSessionAnswer>, ContractWebchatSession>>,
];

import { z } from 'zod';
import { Attachment, ChannelData, Visibility } from './objects.js';
import { QuickReply } from './bots.js';
import { ConversationDataSet, ConversationStart, ReadUpdate, TemplateSend } from './messaging.js';
import { RequiredSkills } from './routing.js';
import { Id, JsonObject, Limits, LongText, safeString, Text } from './strings.js';

// ---- call payloads (PROTOCOL.md §3.2) -------------------------------------
// Every string is a safe string (strings.ts): no NUL, no lone surrogate. Numbers are finite (zod's
// z.number() refuses NaN and ±Infinity) and bounded where they reach a store.

const attachments = z.array(Attachment).max(Limits.attachmentsMax);

export const MessageSend = z.object({
  conversationId: Id.optional(),
  text: Text,
  clientMessageId: Id,
  attachments: attachments.optional(),
  /** Addition: bots only (`forbidden` for anyone else). */
  quickReplies: z.array(QuickReply).max(10).optional(),
});
export const Typing = z.object({ conversationId: Id.optional(), typing: z.boolean() });
export const ActivitiesSince = z.object({
  conversationId: Id,
  afterSeq: z.number().int().nonnegative(),
  limit: z.number().int().min(1).max(Limits.sinceLimitMax).optional(),
});
export const SessionEnd = z.object({});
/** A not-ready reason: "break", "training"... (addition). */
export const NotReadyReason = safeString({ min: 1, max: 100 });
export const AgentState = z.object({
  state: z.enum(['ready', 'not_ready']),
  reason: NotReadyReason.optional(),
  capacity: z.number().int().min(1).max(100).optional(),
  lists: z.array(Id).max(100).optional(),
});
export const TaskRef = z.object({ taskId: Id });
export const QueueList = z.object({ listId: Id });
export const WhisperSend = z.object({ conversationId: Id, text: Text });
export const SuggestionSend = z.object({ conversationId: Id, text: Text, confidence: z.number().min(0).max(1).optional() });
export const HandoffRequest = z.object({
  conversationId: Id,
  intent: safeString({ max: 200 }).optional(),
  sentiment: z.union([safeString({ max: 50 }), z.number().min(-1).max(1)]).optional(),
  summary: LongText.optional(),
  listId: Id.optional(),
  /** Addition: skills the agent must have, on top of the channel's. */
  skills: RequiredSkills.optional(),
});
export const ConversationTransfer = z.object({
  conversationId: Id,
  to: z.union([z.object({ agentId: Id }).strict(), z.object({ listId: Id }).strict()]),
});
export const ConversationRef = z.object({ conversationId: Id });
/** Addition: an agent or supervisor ends the conversation; `reason` is told to the customer. */
export const ConversationEnd = z.object({ conversationId: Id, reason: safeString({ min: 1, max: 500 }).optional() });
/** Addition: a supervisor hands a conversation to another agent or list. */
export const ConversationReassign = ConversationTransfer;
/** Addition: a supervisor forces an agent not ready. */
export const SupervisorAgentState = z.object({ agentId: Id, state: z.literal('not_ready'), reason: NotReadyReason.optional() });
export const SupervisorWatch = z.object({});
export const WrapupSubmit = z.object({
  conversationId: Id,
  codes: z.array(safeString({ min: 1, max: 100 })).max(20).optional(),
  note: LongText.optional(),
});
export const CustomerHistory = z.object({
  customerId: Id,
  limit: z.number().int().min(1).max(Limits.historyLimitMax).optional(),
  /** Addition: the archived conversations only, for a desk that has the live one from its push. */
  closedOnly: z.boolean().optional(),
});
export const ConnectorInbound = z.object({
  serviceIdentifier: Id,
  customer: z.object({ identifier: safeString({ min: 1, max: 320 }), name: safeString({ max: 200 }).optional() }),
  channelData: ChannelData.optional(),
  message: z.object({ text: Text, clientMessageId: Id, attachments: attachments.optional() }),
});
export const ConnectorSessionEnd = z.object({ serviceIdentifier: Id, customerIdentifier: safeString({ min: 1, max: 320 }) });
/** Addition: apps post `custom` activities; the payload is a bounded JSON object (strings.ts `JsonObject`). */
export const CustomSend = z.object({
  conversationId: Id,
  visibility: Visibility.default('all'),
  payload: JsonObject,
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
  'conversation.end': ConversationEnd,
  'conversation.reassign': ConversationReassign,
  'supervisor.watch': SupervisorWatch,
  'supervisor.unwatch': SupervisorWatch,
  'supervisor.agent.state': SupervisorAgentState,
  'read.update': ReadUpdate,
  'conversation.data.set': ConversationDataSet,
  'conversation.start': ConversationStart,
  'template.send': TemplateSend,
} as const;
export type CallName = keyof typeof CallSchemas;
export type CallPayload<E extends CallName> = z.input<(typeof CallSchemas)[E]>;
export type CallInput<E extends CallName> = z.output<(typeof CallSchemas)[E]>;

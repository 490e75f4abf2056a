import { z } from 'zod';
import { HttpUrl, Id, JsonObject, Limits, safeString, Text } from './strings.js';

// ---- issue 14: channels, receipts, attachments, conversation data, subscriptions (PROTOCOL.md §1.7) ----

/** Write-only secrets: 8–512 safe characters; reads show `secretsSet` instead. */
const Secret = safeString({ min: 8, max: 512 });

/** A channel's built-in connector (channel type `whatsapp`): the hub itself talks to Meta's Graph API. */
export const WhatsAppConnector = z.object({
  provider: z.literal('whatsapp-cloud'),
  phoneNumberId: safeString({ min: 1, max: 64 }).regex(/^[0-9]+$/, 'digits only'),
  accessToken: Secret,
  appSecret: Secret,
  verifyToken: Secret,
  /** Default `https://graph.facebook.com`; tests point it at a local server. */
  graphBaseUrl: HttpUrl.optional(),
  /** Graph API version in the path; default `v21.0`. */
  apiVersion: safeString({ min: 2, max: 10 }).regex(/^v[0-9]+\.[0-9]+$/, 'like v21.0').optional(),
});
export const ConnectorConfig = z.discriminatedUnion('provider', [WhatsAppConnector]);
export type ConnectorConfig = z.infer<typeof ConnectorConfig>;
/** A connector as reads show it: never its secrets. */
export type ConnectorView = Omit<ConnectorConfig, 'accessToken' | 'appSecret' | 'verifyToken'> & { secretsSet: true };

/** A message template (WhatsApp's, for writing outside the 24-hour window). */
export const TemplateRef = z.object({
  name: safeString({ min: 1, max: 512 }).regex(/^[a-z0-9_]+$/, 'lower-case letters, digits and _'),
  language: safeString({ min: 2, max: 15 }).regex(/^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$/, 'a language code like en_US'),
  /** Meta's `components` (header, body, button parameters), passed through. */
  components: z.array(JsonObject).max(10).optional(),
});
export type TemplateRef = z.infer<typeof TemplateRef>;

// ---- calls ----
/** Any participant moves its read horizon; never backwards (a lower seq is a no-op). */
export const ReadUpdate = z.object({ conversationId: Id.optional(), seq: z.number().int().nonnegative() });
/** Agents, bots and apps keep a value on the conversation (a CRM link, an AI summary, a case number); `null` deletes the key. */
export const DataKey = safeString({ min: 1, max: 100 }).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : -');
export const ConversationDataSet = z.object({
  conversationId: Id,
  key: DataKey,
  value: z.union([safeString({ max: Limits.textMax }), z.number(), z.boolean(), JsonObject, z.null()]),
});
/** An agent opens (or joins) the customer's one conversation through a channel's connector. */
export const ConversationStart = z
  .object({ customerId: Id, serviceIdentifier: Id, text: Text.optional(), template: TemplateRef.optional() })
  .refine((v) => !!v.text !== !!v.template, { message: 'give text or template, not both', path: ['text'] });
/** A template message to the customer (WhatsApp outside the 24-hour window). */
export const TemplateSend = z.object({ conversationId: Id, ...TemplateRef.shape, clientMessageId: Id.optional() });

// ---- pushes and payloads ----
export type ReceiptStatus = 'delivered' | 'read';
/** Another participant's receipt; customers get only what is about messages they may see. */
export interface ReceiptPush {
  conversationId: string;
  participantId: string;
  seq: number;
  status: ReceiptStatus;
}
/** Each participant's read horizon (`read`) and, for customers on a channel that reports it, `delivered`. */
export interface ReadHorizon {
  participantId: string;
  read: number;
  delivered?: number;
}

// ---- attachments (HTTP) ----
/** `201` of `POST /api/attachments`: what to put in `message.send`'s `attachments`. */
export interface StoredAttachment {
  id: string;
  url: string;
  name: string;
  mimeType: string;
  size: number;
}

// ---- subscriptions and signed webhooks (HTTP) ----
export const SubscriptionEvent = z.enum([
  'conversation.created',
  'conversation.closed',
  'message.created',
  'task.created',
  'task.assigned',
  'task.closed',
  'session.started',
  'session.closed',
  'data.changed',
]);
export type SubscriptionEvent = z.infer<typeof SubscriptionEvent>;
export const SubscriptionInput = z.object({
  url: HttpUrl,
  events: z.array(SubscriptionEvent).min(1).max(SubscriptionEvent.options.length),
  description: safeString({ max: 200 }).optional(),
});
/** A partial update; `disabled: false` enables an endpoint the hub disabled (it answered 410). */
export const SubscriptionPatch = SubscriptionInput.partial().extend({ disabled: z.boolean().optional() });
/**
 * A Standard Webhooks signing secret: `whsec_` and the base64 of 24 to 64 random bytes. Channels take
 * one write-only (`outboundWebhookSecret`); setting a new one keeps the old one signing for 24 hours.
 */
export const WebhookSecret = safeString({ min: 38, max: 100 }).regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, 'whsec_ and the base64 of 24 to 64 random bytes');
/** One delivery of a signed webhook as the admin API shows it (`GET /api/subscriptions/:id/deliveries`). */
export interface WebhookDelivery {
  /** The `webhook-id` header: the same on every attempt. */
  id: string;
  type: string;
  status: 'pending' | 'delivered' | 'failed' | 'gone';
  attempts: number;
  lastStatusCode?: number;
  lastError?: string;
  createdAt: string;
  updatedAt: string;
}
/** A subscription as reads show it; `secret` (`whsec_…`) only in the answer that made or rotated it. */
export interface Subscription {
  id: string;
  url: string;
  events: SubscriptionEvent[];
  description?: string;
  disabled: boolean;
  createdAt: string;
  secret?: string;
}
/** The body of every subscription webhook (Standard Webhooks: `type`, `timestamp`, `data`). */
export interface WebhookEvent {
  type: SubscriptionEvent | 'connector.outbound';
  timestamp: string;
  data: Record<string, unknown>;
}

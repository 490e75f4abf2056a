import { createRequire } from 'node:module';
import { OpenAPIRegistry, OpenApiGeneratorV31, zodToOpenAPIRegistry, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  Attachment,
  ChannelData,
  ChannelInput,
  ChannelPatch,
  ChannelTypeInput,
  ChannelTypePatch,
  CustomerCreateInput,
  CustomerIdentifier,
  ErrorCode,
  httpStatusOf,
  MergeBody,
  TokenBody,
  WebchatSessionBody,
  LoginBody,
  RefreshBody,
  TokenPair,
  UserCreateBody,
  UserPatchBody,
  UserSchema,
} from '@conversation-hub/client-sdk/contract';
import { adminRouteTable, type AdminRouteDeps } from './admin-routes.js';
import { archiveFailureRouteTable, type ArchiveFailureRouteDeps } from './archive-failure-routes.js';
import { ConnectorInboundBody, connectorRouteTable, type ConnectorRouteDeps } from './connector-routes.js';
import { tokenRouteTable, type TokenRouteDeps } from './public-routes.js';
import { authRouteTable, type AuthRouteDeps } from './auth-routes.js';
import { usersRouteTable, type UsersRouteDeps } from './users-routes.js';
import { reportRouteTable, type ReportRouteDeps } from './report-routes.js';
import { subscriptionRouteTable, type SubscriptionRouteDeps } from './subscription-routes.js';
import { documented, openApiPath, routesFor, type HttpRoute } from './route-table.js';
import { attachmentRouteDocs } from '../../attachments/attachment-docs.js';
import { whatsappRouteDocs } from '../../whatsapp/whatsapp-docs.js';
import { ConnectorOutboundSchema, WebhookEventSchema, ErrorResponse, HealthAnswer, NotReadyAnswer, OpenApiAnswer, ReadyAnswer } from './wire-schemas.js';

/*
 * The OpenAPI 3.1 document of every HTTP route, built from the route tables the routers are built
 * from (route-table.ts), with the contract's zod schemas. `npx tsx --conditions=conversation-hub-source
 * scripts/openapi.ts` writes it to client-sdk/openapi.json; the hub serves it at GET /api/openapi.json.
 */

/** What `httpRoutes` (routes.ts) needs: the deps of every table. */
export type HttpDeps = AdminRouteDeps & ArchiveFailureRouteDeps & TokenRouteDeps & ConnectorRouteDeps & AuthRouteDeps & UsersRouteDeps & ReportRouteDeps & SubscriptionRouteDeps;

/** Served by app.ts, documented here. */
export const systemRouteTable: HttpRoute<never>[] = [
  documented({
    servedBy: 'server/app.ts', method: 'get', path: '/healthz', operationId: 'health', tag: 'operations', auth: 'none',
    summary: 'Liveness: the process answers',
    ok: { status: 200, description: 'Alive', schema: HealthAnswer },
  }),
  documented({
    servedBy: 'server/app.ts', method: 'get', path: '/readyz', operationId: 'ready', tag: 'operations', auth: 'none',
    summary: 'Readiness: the backing services answer (Redis and Postgres in a cluster, PGlite embedded)',
    ok: { status: 200, description: 'Ready, and in which mode', schema: ReadyAnswer },
    otherAnswers: { 503: { description: 'A backing service is unreachable: `checks` names it, with its error', schema: NotReadyAnswer } },
  }),
  documented({
    servedBy: 'server/app.ts', method: 'get', path: '/metrics', operationId: 'metrics', tag: 'operations', auth: 'none',
    summary: 'Prometheus metrics of this node',
    description: 'The hub\'s metrics (`hub_sockets{role}`, `hub_conversations{state}`, `hub_activities_total{type}`, `hub_call_seconds{event}`, `hub_call_errors_total{code}`, timers, archive, queues, webhooks, Redis and Postgres errors; the README lists them) and the Node.js process defaults.',
    ok: { status: 200, description: 'The Prometheus text format', schema: z.string(), contentType: 'text/plain; version=0.0.4' },
  }),
];

export const openApiRouteTable: HttpRoute<unknown>[] = [
  routesFor<unknown>()({
    method: 'get', path: '/api/openapi.json', operationId: 'openApiDocument', tag: 'operations', auth: 'none',
    summary: 'This document',
    ok: { status: 200, description: 'The OpenAPI 3.1 document of the HTTP API', schema: OpenApiAnswer },
    handler: async () => ({ ...openApiDocument() }),
  }),
];

/** Every route the router of `httpRoutes` serves, in the order it matches them. */
export const servedRouteTable: HttpRoute<HttpDeps>[] = [...tokenRouteTable, ...authRouteTable, ...connectorRouteTable, ...adminRouteTable, ...archiveFailureRouteTable, ...usersRouteTable, ...reportRouteTable, ...subscriptionRouteTable, ...openApiRouteTable];

/*
 * Component names for the contract's request schemas, kept in zod-to-openapi's own registry so the
 * contract's schemas stay as they are (no zod global-registry ids, which must be unique per process).
 */
const names = new Map<z.ZodType, string>([
  [ChannelTypeInput, 'ChannelTypeInput'],
  [ChannelTypePatch, 'ChannelTypePatch'],
  [ChannelInput, 'ChannelInput'],
  [ChannelPatch, 'ChannelPatch'],
  [CustomerCreateInput, 'CustomerCreateInput'],
  [CustomerIdentifier, 'CustomerIdentifier'],
  [MergeBody, 'MergeBody'],
  [WebchatSessionBody, 'WebchatSessionBody'],
  [LoginBody, 'LoginBody'],
  [RefreshBody, 'RefreshBody'],
  [TokenPair, 'TokenPair'],
  [UserCreateBody, 'UserCreateBody'],
  [UserPatchBody, 'UserPatchBody'],
  [UserSchema, 'User'],
  [TokenBody, 'TokenBody'],
  [ConnectorInboundBody, 'ConnectorInboundBody'],
  [Attachment, 'Attachment'],
  [ChannelData, 'ChannelData'],
]);
for (const [schema, refId] of names) if (!zodToOpenAPIRegistry.has(schema)) zodToOpenAPIRegistry.add(schema, { _internal: { refId } });

const tags = [
  { name: 'tokens', description: 'Tokens for sockets and HTTP calls (PROTOCOL.md §2.2)' },
  { name: 'sign-in', description: 'Agents, supervisors and admins sign in (PROTOCOL.md §2.3)' },
  { name: 'users', description: 'Accounts (PROTOCOL.md §6.5)' },
  { name: 'connectors', description: 'Channel connectors that speak HTTP (PROTOCOL.md §6.3)' },
  { name: 'channel types', description: 'Admin API (PROTOCOL.md §6.2)' },
  { name: 'channels', description: 'Admin API (PROTOCOL.md §6.2)' },
  { name: 'customers', description: 'Admin API (PROTOCOL.md §6.2)' },
  { name: 'conversations', description: 'Admin API (PROTOCOL.md §6.2)' },
  { name: 'reports', description: 'Reports for admins and supervisors (PROTOCOL.md §6.6)' },
  { name: 'operations', description: 'Health, readiness, metrics and this document (PROTOCOL.md §6.1)' },
  { name: 'attachments', description: 'Files for messages (PROTOCOL.md §1.7.5)' },
  { name: 'webhooks', description: 'App subscriptions and signed webhook deliveries (PROTOCOL.md §1.7.6)' },
];

const errorText: Record<ErrorCode, string> = {
  bad_request: '`bad_request`: a field is wrong (`details.field` names the first, `details.issues` lists every one), or the body is not JSON',
  unauthorized: '`unauthorized`: the credentials are missing or wrong',
  forbidden: '`forbidden`: the token’s role may not call this route (a connector route: the token is not a connector’s, or its connector does not serve this channel)',
  not_found: '`not_found`: the message names what is missing',
  conflict: '`conflict`: the change clashes with what exists; the message says how',
  rate_limited: '`rate_limited`: too many requests from this address; slow down',
  too_large: '`too_large`: a field is over its limit (`details.field`), or the body is over 256 kB',
  internal: '`internal`: the hub failed; the error is in its log',
  window_closed: '`window_closed`: WhatsApp’s 24-hour customer-service window is closed; send a template',
  unsupported_media_type: '`unsupported_media_type`: the file’s content is not an allowed type',
};

/** The errors a route can answer: those its table entry implies and those it names. */
export function errorsOf(route: HttpRoute<never>): ErrorCode[] {
  const codes = new Set<ErrorCode>(route.errors ?? []);
  if (route.query || route.body || (route.params && canFail(route.params))) codes.add(ErrorCode.BadRequest).add(ErrorCode.TooLarge);
  if (route.auth !== 'none') codes.add(ErrorCode.Unauthorized);
  if (route.auth === 'connector' || route.auth === 'supervisor') codes.add(ErrorCode.Forbidden);
  if (route.rateLimit) codes.add(ErrorCode.RateLimited);
  if (!('servedBy' in route)) codes.add(ErrorCode.Internal);
  return [...codes].sort((a, b) => httpStatusOf[a] - httpStatusOf[b]);
}

/** Path params always arrive as non-empty strings: a schema that takes long ones too never fails. */
function canFail(params: z.ZodObject): boolean {
  return !params.safeParse(Object.fromEntries(Object.keys(params.shape).map((k) => [k, 'x'.repeat(1_000)]))).success;
}

function json(schema: z.ZodType, contentType = 'application/json') {
  return { [contentType]: { schema } };
}

function operation(route: HttpRoute<never>): RouteConfig {
  const rendered = Object.fromEntries(Object.entries(route.ok.renders ?? {}).map(([type, r]) => [type, { schema: z.string().meta({ description: r.description }) }]));
  const responses: Record<string, ResponseConfig> = {
    [route.ok.status]: { description: route.ok.description, ...(route.ok.schema ? { content: { ...json(route.ok.schema, route.ok.contentType), ...rendered } } : {}) },
  };
  for (const [status, answer] of Object.entries(route.otherAnswers ?? {})) responses[status] = { description: answer.description, content: json(answer.schema) };
  for (const code of errorsOf(route)) responses[httpStatusOf[code]] = { description: errorText[code], content: json(ErrorResponse) };
  const security: Record<string, string[]>[] | undefined =
    route.auth === 'admin' ? [{ adminKey: [] }] : route.auth === 'connector' ? [{ connectorToken: [] }] : route.auth === 'users-admin' ? [{ adminKey: [] }, { adminUserToken: [] }]
      : route.auth === 'supervisor' ? [{ adminKey: [] }, { adminUserToken: [] }, { supervisorToken: [] }] : undefined;
  return {
    method: route.method,
    path: openApiPath(route.path),
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(security ? { security } : {}),
    request: {
      ...(route.params ? { params: route.params } : {}),
      ...(route.query ? { query: route.query } : {}),
      ...(route.body ? { body: { required: !route.body.safeParse({}).success, content: json(route.body) } } : {}),
    },
    responses,
  };
}

/** The OpenAPI 3.1 document of `routes`. */
export function buildOpenApiDocument(routes: readonly HttpRoute<never>[]) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'adminKey', { type: 'http', scheme: 'bearer', description: 'The hub’s admin key, `HUB_ADMIN_KEY`.' });
  registry.registerComponent('securitySchemes', 'adminUserToken', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The access token of a user with role `admin`, from `POST /api/auth/login`.',
  });
  registry.registerComponent('securitySchemes', 'supervisorToken', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A supervisor’s access token (`POST /api/auth/login`) or a token with role `supervisor` from `POST /api/tokens`.',
  });
  registry.registerComponent('securitySchemes', 'connectorToken', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A token with role `connector` from `POST /api/tokens`.',
  });
  for (const route of routes) registry.registerPath(operation(route));
  registry.registerWebhook({
    method: 'post',
    path: 'connectorOutbound',
    operationId: 'connectorOutbound',
    summary: 'The hub POSTs `connector.outbound` to a channel’s `outboundWebhookUrl`',
    description:
      'Every activity a customer may see that the customer did not send, for each open channel session of that channel (PROTOCOL.md §4). ' +
      'A durable Scheduler job queued by the node that wrote the activity, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, ' +
      '`webhook-signature`) with the channel’s `outboundWebhookSecret` when it has one; retried with backoff (HUB_WEBHOOK_*) on a network error, ' +
      'a timeout, a 5xx, a 408 or a 429; `GET /api/channels/{id}/webhook-deliveries` shows its state.',
    request: { body: { required: true, content: json(ConnectorOutboundSchema) } },
    responses: { 200: { description: 'Any 2xx: delivered. 410: the channel’s URL is removed. Another 4xx: not retried.' } },
  });
  registry.registerWebhook({
    method: 'post',
    path: 'subscriptionEvent',
    operationId: 'subscriptionEvent',
    summary: 'The hub POSTs each event an app subscribed to (`POST /api/subscriptions`)',
    description:
      'Body `{ type, timestamp, data: { conversationId, activity } }`, signed per Standard Webhooks with the subscription’s secret (two signatures ' +
      'for 24 hours after a rotation). Durable and retried as `connectorOutbound`; `GET /api/subscriptions/{id}/deliveries` shows the state.',
    request: { body: { required: true, content: json(WebhookEventSchema) } },
    responses: { 200: { description: 'Any 2xx: delivered. 410: the subscription is disabled. Another 4xx: not retried.' } },
  });
  return new OpenApiGeneratorV31(registry.definitions, { sortComponents: 'alphabetically' }).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Conversation hub HTTP API',
      version: sdkVersion(),
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        'The HTTP side of the conversation hub’s wire contract; the whole contract, sockets included, is client-sdk/PROTOCOL.md. ' +
        'Every error is `{ error: { code, message, details? } }` with the status of its code (PROTOCOL.md §3.1).',
    },
    tags,
  });
}

function sdkVersion(): string {
  return (createRequire(import.meta.url)('@conversation-hub/client-sdk/package.json') as { version: string }).version;
}

let cached: ReturnType<typeof buildOpenApiDocument> | undefined;
/** The hub's document: every served route and those app.ts serves. */
export function openApiDocument() {
  return (cached ??= buildOpenApiDocument([...servedRouteTable, ...systemRouteTable, ...attachmentRouteDocs, ...whatsappRouteDocs]));
}

/** The document as client-sdk/openapi.json holds it. */
export function openApiJson(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}

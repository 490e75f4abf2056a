import { z } from 'zod';
import { Id, SubscriptionEvent, SubscriptionInput, SubscriptionPatch } from '@conversation-hub/client-sdk/contract';
import type { WebhookDispatch } from '../../webhooks/dispatch.js';
import type { WebhookStore } from '../../webhooks/store.js';
import { routesFor, type HttpRoute } from './route-table.js';

export interface SubscriptionRouteDeps {
  webhooks: { store: WebhookStore; dispatch: WebhookDispatch };
}

const IdParams = z.object({ id: Id });
const DeliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).optional() });

export const SubscriptionSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(SubscriptionEvent),
    description: z.string().optional(),
    disabled: z.boolean().meta({ description: 'Set by an admin, or by the hub when the endpoint answered 410 Gone.' }),
    createdAt: z.string(),
    secret: z.string().optional().meta({ description: 'The `whsec_` signing secret: only in the answer that made or rotated it.' }),
  })
  .meta({ id: 'Subscription' });
export const WebhookDeliverySchema = z
  .object({
    id: z.string().meta({ description: 'The `webhook-id` header, the same on every attempt.' }),
    type: z.string(),
    status: z.enum(['pending', 'delivered', 'failed', 'gone']),
    attempts: z.number(),
    lastStatusCode: z.number().optional(),
    lastError: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'WebhookDelivery' });

const route = routesFor<SubscriptionRouteDeps>();
/** The node's own change shows at once in what it delivers (other nodes follow within seconds). */
const changed = <T>(deps: SubscriptionRouteDeps, v: T): T => (deps.webhooks.dispatch.invalidate(), v);

/** App subscriptions and signed-webhook delivery state (PROTOCOL.md §1.7.6), behind the admin key. */
export const subscriptionRouteTable: HttpRoute<SubscriptionRouteDeps>[] = [
  route({ auth: 'admin', method: 'post', path: '/api/subscriptions', operationId: 'createSubscription', tag: 'webhooks', summary: 'Subscribe an app’s URL to hub events, as signed webhooks',
    description: 'The answer holds the `secret` (Standard Webhooks, `whsec_…`) once; every delivery carries `webhook-id`, `webhook-timestamp` and `webhook-signature`.',
    body: SubscriptionInput,
    ok: { status: 201, description: 'Created, with its secret', schema: SubscriptionSchema },
    handler: async ({ deps, body }) => changed(deps, await deps.webhooks.store.create(body)) }),
  route({ auth: 'admin', method: 'get', path: '/api/subscriptions', operationId: 'listSubscriptions', tag: 'webhooks', summary: 'Every subscription (never a secret)',
    ok: { status: 200, description: 'The subscriptions', schema: z.array(SubscriptionSchema) },
    handler: async ({ deps }) => deps.webhooks.store.list() }),
  route({ auth: 'admin', method: 'get', path: '/api/subscriptions/:id', operationId: 'getSubscription', tag: 'webhooks', summary: 'One subscription',
    params: IdParams, errors: ['not_found'],
    ok: { status: 200, description: 'The subscription', schema: SubscriptionSchema },
    handler: async ({ deps, params }) => deps.webhooks.store.get(params.id) }),
  route({ auth: 'admin', method: 'patch', path: '/api/subscriptions/:id', operationId: 'updateSubscription', tag: 'webhooks', summary: 'Change a subscription; `disabled: false` enables it again',
    params: IdParams, body: SubscriptionPatch, errors: ['not_found'],
    ok: { status: 200, description: 'The subscription', schema: SubscriptionSchema },
    handler: async ({ deps, params, body }) => changed(deps, await deps.webhooks.store.update(params.id, body)) }),
  route({ auth: 'admin', method: 'delete', path: '/api/subscriptions/:id', operationId: 'deleteSubscription', tag: 'webhooks', summary: 'Remove a subscription and its delivery records',
    params: IdParams, errors: ['not_found'],
    ok: { status: 204, description: 'Removed' },
    handler: async ({ deps, params }) => changed(deps, await deps.webhooks.store.remove(params.id)) }),
  route({ auth: 'admin', method: 'post', path: '/api/subscriptions/:id/rotate-secret', operationId: 'rotateSubscriptionSecret', tag: 'webhooks', summary: 'A new signing secret; the old one keeps signing for 24 hours',
    params: IdParams, errors: ['not_found'],
    ok: { status: 200, description: 'The subscription with its new secret', schema: SubscriptionSchema },
    handler: async ({ deps, params }) => deps.webhooks.store.rotateSecret(params.id) }),
  route({ auth: 'admin', method: 'get', path: '/api/subscriptions/:id/deliveries', operationId: 'listSubscriptionDeliveries', tag: 'webhooks', summary: 'A subscription’s newest deliveries and their state',
    params: IdParams, query: DeliveriesQuery, errors: ['not_found'],
    ok: { status: 200, description: 'Newest first', schema: z.array(WebhookDeliverySchema) },
    handler: async ({ deps, params, query }) => {
      await deps.webhooks.store.get(params.id);
      return deps.webhooks.store.deliveries({ subscriptionId: params.id }, query.limit ?? 100);
    } }),
  route({ auth: 'admin', method: 'get', path: '/api/channels/:id/webhook-deliveries', operationId: 'listChannelWebhookDeliveries', tag: 'webhooks',
    summary: 'A channel’s newest `connector.outbound` deliveries to its `outboundWebhookUrl`, and their state',
    params: IdParams, query: DeliveriesQuery, errors: ['not_found'],
    ok: { status: 200, description: 'Newest first', schema: z.array(WebhookDeliverySchema) },
    handler: async ({ deps, params, query }) => deps.webhooks.store.deliveries({ serviceIdentifier: await deps.webhooks.store.serviceIdentifierOf(params.id) }, query.limit ?? 100) }),
];

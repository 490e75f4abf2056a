import type { Router } from 'express';
import { z } from 'zod';
import { ConnectorInbound, Id } from '@conversation-hub/client-sdk/contract';
import type { Tokens } from '../../auth/tokens.js';
import type { Hub } from '../../engine/hub.js';
import { buildRouter, routesFor, type HttpRoute } from './route-table.js';
import { ConnectorInboundAnswer } from './wire-schemas.js';

export interface ConnectorRouteDeps {
  hub: Hub;
  tokens: Tokens;
}

/** `connector.inbound` over HTTP: the channel comes from the path, the rest is the call's payload. */
export const ConnectorInboundParams = z.object({ serviceIdentifier: ConnectorInbound.shape.serviceIdentifier });
export const ConnectorInboundBody = ConnectorInbound.omit({ serviceIdentifier: true });
/** A session is found by its conversation (the inbound answer and `connector.outbound` name both). */
export const ConnectorSessionEndParams = ConnectorInboundParams.extend({ id: Id });
export const ConnectorSessionEndBody = z.object({ conversationId: Id });
const ConnectorSessionEndAnswer = z.object({ closed: z.boolean() }).meta({ id: 'ConnectorSessionEndAnswer' });

const route = routesFor<ConnectorRouteDeps>();

/** `connector.inbound` for connectors that speak HTTP (PROTOCOL.md §6.3), with a connector token. */
export const connectorRouteTable: HttpRoute<ConnectorRouteDeps>[] = [
  route({
    method: 'post',
    path: '/api/connectors/:serviceIdentifier/inbound',
    operationId: 'connectorInbound',
    tag: 'connectors',
    summary: 'A customer message from a channel connector',
    description:
      'The same as the `connector.inbound` call (PROTOCOL.md §3.2), for connectors that speak HTTP. The token must be a connector’s ' +
      'and list the channel in its `channels` (else `forbidden`). Replies to the customer go to the channel’s `outboundWebhookUrl` ' +
      '(the `connectorOutbound` webhook). The same `message.clientMessageId` again answers the first activity, not a copy.',
    auth: 'connector',
    params: ConnectorInboundParams,
    body: ConnectorInboundBody,
    errors: ['not_found'],
    ok: { status: 200, description: 'Where the message went, and its activity', schema: ConnectorInboundAnswer },
    handler: async ({ deps, actor, params, body }) => deps.hub.connectors.inbound({ actor }, { ...body, serviceIdentifier: params.serviceIdentifier }),
  }),
  route({
    method: 'post',
    path: '/api/connectors/:serviceIdentifier/sessions/:id/end',
    operationId: 'connectorSessionEnd',
    tag: 'connectors',
    summary: 'A channel connector ends one channel session',
    description:
      'Closes the channel session `id` (reason `connector`), as `connector.session.end` does by customer identifier (PROTOCOL.md §3.2). ' +
      'The token must be a connector’s and list the channel (else `forbidden`); the session must be of that channel, in the conversation ' +
      'the body names (else `not_found`). Idempotent: a session already closed, or in an archived conversation, answers `closed: false`.',
    auth: 'connector',
    params: ConnectorSessionEndParams,
    body: ConnectorSessionEndBody,
    errors: ['not_found'],
    ok: { status: 200, description: 'Whether this call closed it', schema: ConnectorSessionEndAnswer },
    handler: async ({ deps, actor, params, body }) => deps.hub.connectors.endSession({ actor }, params.serviceIdentifier, body.conversationId, params.id),
  }),
];

/** The connector routes as their own router (app.ts mounts `httpRoutes` from routes.ts instead once it switches). */
export function connectorRoutes(deps: ConnectorRouteDeps): Router {
  return buildRouter(connectorRouteTable, deps);
}

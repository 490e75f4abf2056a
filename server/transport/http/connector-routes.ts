import type { Router } from 'express';
import { z } from 'zod';
import { ConnectorInbound } from '@conversation-hub/client-sdk/contract';
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
];

/** The connector routes as their own router (app.ts mounts `httpRoutes` from routes.ts instead once it switches). */
export function connectorRoutes(deps: ConnectorRouteDeps): Router {
  return buildRouter(connectorRouteTable, deps);
}

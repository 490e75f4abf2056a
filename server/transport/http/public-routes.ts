import { randomUUID } from 'node:crypto';
import type { Router } from 'express';
import type { z } from 'zod';
import { TokenBody, WebchatSessionBody } from '@conversation-hub/client-sdk/contract';
import type { Tokens } from '../../auth/tokens.js';
import type { Actor } from '../../domain/actor.js';
import { badField, notFound } from '../../domain/errors.js';
import type { ChannelDirectory, CustomerDirectory } from '../../ports.js';
import { buildRouter, routesFor, type HttpRoute } from './route-table.js';
import { TokenAnswer, WebchatSessionAnswer } from './wire-schemas.js';

export interface TokenRouteDeps {
  tokens: Tokens;
  channels: ChannelDirectory;
  customers: CustomerDirectory;
  adminKey: string;
}

const route = routesFor<TokenRouteDeps>();

/** Token issuing (PROTOCOL.md §2.2): the public webchat endpoint and the admin one. */
export const tokenRouteTable: HttpRoute<TokenRouteDeps>[] = [
  route({
    method: 'post',
    path: '/api/webchat/sessions',
    operationId: 'createWebchatSession',
    tag: 'tokens',
    summary: 'A customer token for a webchat visitor',
    description:
      'Public and rate-limited (5 per second per client address, bursts of 20). The same `visitorId` gets the same customer back; ' +
      'a pre-chat `email` identifies the customer known by that email (it is not verified), or links it to this visitor. ' +
      'Other pre-chat fields are accepted and not stored. No CORS headers: call it from the hub’s own origin.',
    auth: 'none',
    rateLimit: { perSecond: 5, burst: 20 },
    body: WebchatSessionBody,
    errors: ['not_found'],
    ok: { status: 201, description: 'A customer token for the channel', schema: WebchatSessionAnswer },
    handler: async ({ deps, body }) => {
      const channel = await deps.channels.byServiceIdentifier(body.serviceIdentifier);
      if (!channel) throw notFound(`channel ${body.serviceIdentifier}`);
      const visitorId = body.visitorId ?? randomUUID();
      const { name, email } = body.prechat ?? {};
      const customer = email
        ? await deps.customers.identify({ channelType: 'email', value: email }, { channelType: channel.channelType, value: visitorId }, name)
        : await deps.customers.resolve(channel.channelType, visitorId, name);
      const shownName = name ?? customer.name;
      const token = await deps.tokens.sign({
        id: customer.id,
        role: 'customer',
        serviceIdentifier: channel.serviceIdentifier,
        ...(shownName ? { name: shownName } : {}),
      });
      return { token, customerId: customer.id, visitorId };
    },
  }),
  route({
    method: 'post',
    path: '/api/tokens',
    operationId: 'createToken',
    tag: 'tokens',
    summary: 'A token for an agent, supervisor, bot, app, connector or customer',
    description:
      'For back ends. `channels`: the service identifiers a connector serves. `serviceIdentifier`: required for a customer token (its channel). ' +
      '`ttlSeconds` defaults to 12 hours.',
    auth: 'admin',
    body: TokenBody,
    ok: { status: 201, description: 'The token', schema: TokenAnswer },
    handler: async ({ deps, body }) => {
      const { sub, ttlSeconds, ...claims } = body;
      return { token: await deps.tokens.sign(actorOf(sub, claims), ttlSeconds) };
    },
  }),
];

/** The actor a token body asks for; a customer token must name its channel. */
function actorOf(id: string, claims: Omit<z.output<typeof TokenBody>, 'sub' | 'ttlSeconds'>): Actor {
  const base = claims.name === undefined ? { id } : { id, name: claims.name };
  switch (claims.role) {
    case 'customer':
      if (!claims.serviceIdentifier) throw badField('serviceIdentifier', 'required for a customer token');
      return { ...base, role: 'customer', serviceIdentifier: claims.serviceIdentifier };
    case 'connector':
      return { ...base, role: 'connector', channels: claims.channels ?? [] };
    default:
      return { ...base, role: claims.role };
  }
}

/** The token routes as their own router (app.ts mounts `httpRoutes` from routes.ts instead once it switches). */
export function tokenRoutes(deps: TokenRouteDeps): Router {
  return buildRouter(tokenRouteTable, deps);
}

import type { Router } from 'express';
import type { z } from 'zod';
import { TokenBody, WebchatSessionBody, type Channel, type Customer } from '@conversation-hub/client-sdk/contract';
import { verifyIdentityToken } from '../../auth/identity-tokens.js';
import type { Tokens } from '../../auth/tokens.js';
import type { VisitorTokens } from '../../auth/visitor-tokens.js';
import type { Actor } from '../../domain/actor.js';
import { isOpenAt, nextOpening } from '../../domain/business-hours.js';
import { badField, notFound, unauthorized } from '../../domain/errors.js';
import { channelIdentitySecret } from '../../persistence/channels.js';
import { siteNamespace, VISITOR_NAMESPACE } from '../../persistence/customers.js';
import type { AdminDirectory, ChannelDirectory, CustomerDirectory } from '../../ports.js';
import { buildRouter, routesFor, type HttpRoute } from './route-table.js';
import { TokenAnswer, WebchatSessionAnswer } from './wire-schemas.js';

export interface TokenRouteDeps {
  tokens: Tokens;
  /** Webchat visitor tokens (PROTOCOL.md §2.2). */
  visitorTokens: VisitorTokens;
  channels: ChannelDirectory;
  customers: CustomerDirectory;
  /** The record: a channel's identity secret is read from it afresh, never from the channel cache. */
  admin: AdminDirectory;
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
      'Public and rate-limited (5 per second per client address, bursts of 20). Only channels of type `webchat` (`400` naming `serviceIdentifier` otherwise). ' +
      '`visitorToken`: the one an earlier answer gave; a valid one is the same anonymous customer, a missing, forged or expired one starts a new visitor. ' +
      '`identityToken`: an HS256 JWT the website signed with the channel’s identity secret (`sub` and `exp` required; `email`, `name`, `phone` optional); ' +
      'a valid one names a known customer (`verified: true`), an invalid one, or one on a channel without an identity secret, is `401`. ' +
      'A channel with `identity: required` answers `401` without one. A pre-chat `email` is unverified: it goes into the session’s channel data ' +
      '(`prechatEmail`, `emailVerified: false`) and identifies nobody. `visitorId` is refused (`400`). Browsers: the hub’s own origin and the allowed ones (CORS). ' +
      '`open`/`nextOpeningAt`: whether the channel’s business hours are open now and, when not, the next opening (the widget shows its offline form).',
    auth: 'none',
    rateLimit: { perSecond: 5, burst: 20 },
    body: WebchatSessionBody,
    errors: ['not_found'],
    ok: { status: 201, description: 'A customer token for the channel, and the visitor token to keep', schema: WebchatSessionAnswer },
    handler: async ({ deps, body }) => {
      const channel = await deps.channels.byServiceIdentifier(body.serviceIdentifier);
      if (!channel) throw notFound(`channel ${body.serviceIdentifier}`);
      if (channel.channelType !== 'webchat') throw badField('serviceIdentifier', 'not a webchat channel');
      // A valid visitor token keeps its visitor id (and gets a fresh expiry); anything else is a new visitor.
      const visitor = await deps.visitorTokens.issue((await deps.visitorTokens.verify(body.visitorToken)) ?? undefined);
      const { name: typedName, email: typedEmail } = body.prechat ?? {};

      let customer: Customer;
      let hubData: Record<string, string>;
      let name = typedName;
      if (body.identityToken !== undefined) {
        const secret = await channelIdentitySecret(deps.admin.db, channel.serviceIdentifier);
        if (secret === null) throw unauthorized('this channel takes no identity tokens (no identity secret is set)');
        const identity = await verifyIdentityToken(body.identityToken, secret, channel.serviceIdentifier);
        if (!identity) throw unauthorized('invalid or expired identity token');
        name = identity.name ?? typedName;
        customer = await deps.customers.resolveVerified({
          namespace: siteNamespace(channel.serviceIdentifier),
          subject: identity.sub,
          ...(identity.email ? { email: identity.email } : {}),
          ...(identity.name ? { name: identity.name } : {}),
        });
        hubData = {
          verified: 'true',
          ...(identity.email ? { verifiedEmail: identity.email, emailVerified: 'true' } : typedEmail ? { prechatEmail: typedEmail, emailVerified: 'false' } : {}),
          ...(identity.phone ? { verifiedPhone: identity.phone } : {}),
        };
      } else {
        if (channel.identity === 'required') throw unauthorized('this channel requires an identity token');
        customer = await deps.customers.resolve(VISITOR_NAMESPACE, visitor.visitorId, typedName);
        // A typed email identifies nobody: agents see it as unverified, nothing is looked up by it.
        hubData = typedEmail ? { prechatEmail: typedEmail, emailVerified: 'false' } : {};
      }
      const shownName = name ?? customer.name;
      const token = await deps.tokens.sign({
        id: customer.id,
        role: 'customer',
        serviceIdentifier: channel.serviceIdentifier,
        ...(shownName ? { name: shownName } : {}),
        ...(Object.keys(hubData).length > 0 ? { channelData: hubData } : {}),
      });
      return { token, customerId: customer.id, visitorToken: visitor.token, verified: body.identityToken !== undefined, ...openingOf(channel, Date.now()) };
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
      '`ttlSeconds` defaults to 12 hours. `role: controller` is refused (`400` naming `role`): the controller is the hub itself. ' +
      'Agents and supervisors sign in with `POST /api/auth/login` instead (a token from here bypasses their user record).',
    auth: 'admin',
    body: TokenBody,
    ok: { status: 201, description: 'The token', schema: TokenAnswer },
    handler: async ({ deps, body }) => {
      // The controller is the hub itself (PROTOCOL.md §2.2); agents and supervisors should sign in (§2.3).
      if (body.role === 'controller') throw badField('role', 'controller tokens are not issued');
      const { sub, ttlSeconds, ...claims } = body;
      return { token: await deps.tokens.sign(actorOf(sub, claims), ttlSeconds) };
    },
  }),
];

/** The widget's open/closed state (PROTOCOL.md §2.2): a channel without business hours is always open. */
function openingOf(channel: Channel, now: number): { open: boolean; nextOpeningAt?: string } {
  if (!channel.businessHours || isOpenAt(channel.businessHours, now)) return { open: true };
  const next = nextOpening(channel.businessHours, now);
  return next === null ? { open: false } : { open: false, nextOpeningAt: new Date(next).toISOString() };
}

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

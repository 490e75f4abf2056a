import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { TokenBody, WebchatSessionBody } from '@conversation-hub/client-sdk/contract';
import type { Tokens } from '../../auth/tokens.js';
import { notFound } from '../../domain/errors.js';
import type { ChannelDirectory, CustomerDirectory } from '../../engine/ports.js';
import { rateLimit, requireAdmin } from './auth.js';
import { parseBody } from './errors.js';

/** Token issuing (protocol.md §2): the public webchat endpoint and the admin one. */
export function tokenRoutes(deps: { tokens: Tokens; channels: ChannelDirectory; customers: CustomerDirectory; adminKey: string }): Router {
  const r = Router();

  r.post('/api/webchat/sessions', rateLimit(5, 20), async (req, res) => {
    const body = parseBody(WebchatSessionBody, req.body);
    const channel = await deps.channels.byServiceIdentifier(body.serviceIdentifier);
    if (!channel) throw notFound(`channel ${body.serviceIdentifier}`);
    const visitorId = body.visitorId ?? randomUUID();
    const { name, email } = body.prechat ?? {};
    const customer = email
      ? await deps.customers.identify({ channelType: 'email', value: email }, { channelType: channel.channelType, value: visitorId }, name)
      : await deps.customers.resolve(channel.channelType, visitorId, name);
    const token = await deps.tokens.sign({
      id: customer.id,
      role: 'customer',
      serviceIdentifier: channel.serviceIdentifier,
      ...((name ?? customer.name) ? { name: name ?? customer.name } : {}),
    });
    res.status(201).json({ token, customerId: customer.id, visitorId });
  });

  r.post('/api/tokens', requireAdmin(deps.adminKey), async (req, res) => {
    const { sub, ttlSeconds, ...claims } = parseBody(TokenBody, req.body);
    if (claims.role === 'customer' && !claims.serviceIdentifier) {
      return void res.status(400).json({ error: { code: 'bad_request', message: 'serviceIdentifier: required for a customer token', details: { field: 'serviceIdentifier' } } });
    }
    const token = await deps.tokens.sign({ id: sub, ...claims }, ttlSeconds);
    res.status(201).json({ token });
  });

  return r;
}

import { Router } from 'express';
import { ConnectorInbound, ErrorCode } from '@conversation-hub/client-sdk/contract';
import type { Tokens } from '../../auth/tokens.js';
import { HubError } from '../../domain/errors.js';
import type { Hub } from '../../engine/hub.js';
import { bearer } from './auth.js';
import { parseBody } from './errors.js';

/** `connector.inbound` for connectors that speak HTTP (protocol.md §6), with a connector token. */
export function connectorRoutes(deps: { hub: Hub; tokens: Tokens }): Router {
  const r = Router();
  r.post('/api/connectors/:serviceIdentifier/inbound', async (req, res) => {
    const actor = await deps.tokens.verify(bearer(req));
    if (!actor) throw new HubError(ErrorCode.Unauthorized, 'a connector token is required');
    if (actor.role !== 'connector') throw new HubError(ErrorCode.Forbidden, 'only connectors may post inbound messages');
    const body = parseBody(ConnectorInbound, { ...(req.body as object), serviceIdentifier: req.params.serviceIdentifier });
    res.json(await deps.hub.connectorInbound(actor, body));
  });
  return r;
}

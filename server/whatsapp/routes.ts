import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { ChannelInput } from '@conversation-hub/client-sdk/contract';
import { badRequest, notFound, parseWith, unauthorized } from '../domain/errors.js';
import { channelConnector } from '../persistence/channels.js';
import { rawBodyOf } from '../transport/http/raw-body.js';
import { parseWebhook, verifyChallenge, verifySignature } from './cloud-webhook.js';
import type { WhatsAppInbound } from './inbound.js';

export interface WhatsAppRouteDeps {
  inbound: WhatsAppInbound;
  db: Kysely<any>;
  /** HUB_PUBLIC_URL: the origin of attachment URLs; unset: the request's own. */
  publicUrl?: string;
}

const PATH = '/api/channels/:serviceIdentifier/whatsapp/webhook';
const Params = z.object({ serviceIdentifier: ChannelInput.shape.serviceIdentifier });

/*
 * Meta's webhook for a channel with the built-in WhatsApp Cloud API connector (PROTOCOL.md §1.7.1).
 * A raw router, not a route table entry: the signature is checked over the body's bytes as they came.
 */
export function whatsappRoutes(d: WhatsAppRouteDeps): Router {
  const router = Router();
  const connectorOf = async (params: unknown) => {
    const { serviceIdentifier } = parseWith(Params, params);
    const cfg = await channelConnector(d.db, serviceIdentifier);
    if (!cfg) throw notFound('WhatsApp channel');
    return { serviceIdentifier, cfg };
  };

  router.get(PATH, async (req, res) => {
    const { cfg } = await connectorOf(req.params);
    const challenge = verifyChallenge(req.query as Record<string, unknown>, cfg.verifyToken);
    if (challenge === null) throw unauthorized('hub.mode must be subscribe and hub.verify_token the channel’s verifyToken');
    res.type('text/plain').send(challenge);
  });

  router.post(PATH, async (req, res) => {
    const { serviceIdentifier, cfg } = await connectorOf(req.params);
    const raw = rawBodyOf(req) ?? Buffer.alloc(0); // kept by app.ts's JSON parser: the signature covers these bytes
    if (!verifySignature(raw, req.get('x-hub-signature-256'), cfg.appSecret)) throw unauthorized('X-Hub-Signature-256 is missing or wrong');
    const payload: unknown = req.body;
    const origin = d.publicUrl ? new URL(d.publicUrl).origin : `${req.protocol}://${req.get('host')}`;
    let parsed: ReturnType<typeof parseWebhook>;
    try {
      parsed = parseWebhook(payload);
    } catch (err) {
      throw badRequest(err instanceof Error ? err.message.slice(0, 500) : 'not a WhatsApp Cloud API webhook body');
    }
    // A failure past here answers 500, so Meta redelivers; each message id is still taken once.
    res.json({ ok: true, ...(await d.inbound.receive(serviceIdentifier, cfg, parsed, origin)) });
  });
  return router;
}

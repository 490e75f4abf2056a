import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ChannelInput, type Channel, type ConnectorConfig, type ConnectorView } from '@conversation-hub/client-sdk/contract';
import { badField, badRequest, conflict, notFound } from '../domain/errors.js';
import type { ChannelRow, Database } from './database.js';
import { isForeignKeyViolation, isUniqueViolation, json, opt } from './sql-util.js';
import { parseInput } from './validate.js';
import { rotate, type SigningSecrets } from '../webhooks/secrets.js';

export function toChannel(r: ChannelRow): Channel {
  return {
    id: r.id,
    serviceIdentifier: r.service_identifier,
    name: r.name,
    channelType: r.channel_type,
    routingMode: r.routing_mode,
    ...opt('listId', r.list_id),
    customerInactivityTimeoutSeconds: r.customer_inactivity_timeout_seconds,
    offerTimeoutSeconds: r.offer_timeout_seconds,
    ...opt('botId', r.bot_id),
    wrapUp: r.wrap_up,
    controller: r.controller,
    ...opt('outboundWebhookUrl', r.outbound_webhook_url),
    ...(r.outbound_webhook_secrets ? { outboundWebhookSecretSet: true as const } : {}),
    ...(r.connector ? { connector: connectorView(r.connector) } : {}),
    identity: r.identity,
    // Write-only: the secret never leaves the repository in a Channel (admin answers, the channel cache).
    identitySecretSet: r.identity_secret !== null,
    apps: r.apps,
    requiredSkills: r.required_skills,
    offerRetrySeconds: r.offer_retry_seconds,
    ...opt('queue', r.queue),
    ...opt('businessHours', r.business_hours),
    ...opt('bot', r.bot),
    botTimeoutSeconds: r.bot_timeout_seconds,
  };
}

/** A parsed ChannelInput as the stored channel: its secrets apart, since a Channel never carries them. */
function split(parsed: ParsedChannel & { id: string }, storedSecret: string | null, patch?: object): { channel: Channel; secret: string | null } {
  const { identitySecret, connector, outboundWebhookSecret: _webhookSecret, ...rest } = parsed;
  if (connector && rest.channelType !== 'whatsapp') throw badField('connector', "the whatsapp-cloud connector needs channelType 'whatsapp'");
  // A patch without `identitySecret` keeps the stored one; `null` removes it.
  const secret = patch && !('identitySecret' in patch) ? storedSecret : (identitySecret ?? null);
  if (rest.identity === 'required' && secret === null) throw badField('identitySecret', "required when identity is 'required'");
  return { channel: { ...rest, identitySecretSet: secret !== null }, secret };
}

/** A connector as reads show it: its secrets never leave the repository. */
function connectorView(c: ConnectorConfig): ConnectorView {
  const { accessToken: _a, appSecret: _s, verifyToken: _v, ...rest } = c;
  return { ...rest, secretsSet: true };
}

/**
 * The webhook secrets a write leaves: a new `outboundWebhookSecret` rotates (the old one signs for
 * 24 hours more), `null` removes them, absent keeps them. Rotation lives in server/webhooks/secrets.ts.
 */
function webhookSecrets(stored: SigningSecrets | null, given: string | null | undefined, now: number): SigningSecrets | null {
  if (given === undefined) return stored;
  return given === null ? null : rotate(stored, given, now);
}
type ParsedChannel = ReturnType<typeof ChannelInput.parse>;

function toRow(c: Channel, secret: string | null) {
  return {
    id: c.id,
    service_identifier: c.serviceIdentifier,
    name: c.name,
    channel_type: c.channelType,
    routing_mode: c.routingMode,
    list_id: c.listId ?? null,
    customer_inactivity_timeout_seconds: c.customerInactivityTimeoutSeconds,
    offer_timeout_seconds: c.offerTimeoutSeconds,
    bot_id: c.botId ?? null,
    wrap_up: json(c.wrapUp),
    controller: json(c.controller),
    outbound_webhook_url: c.outboundWebhookUrl ?? null,
    identity: c.identity,
    identity_secret: secret,
    apps: json(c.apps),
    required_skills: json(c.requiredSkills),
    offer_retry_seconds: c.offerRetrySeconds,
    // Absent settings are SQL null (no limit, always open), not a JSON null.
    queue: c.queue ? json(c.queue) : null,
    business_hours: c.businessHours ? json(c.businessHours) : null,
    bot: c.bot ? json(c.bot) : null,
    bot_timeout_seconds: c.botTimeoutSeconds,
  };
}

/** Unique and fk violations as the contract's codes. */
function mapWriteError(err: unknown, c: Channel): unknown {
  if (isUniqueViolation(err)) return conflict(`a channel with id ${c.id} or serviceIdentifier ${c.serviceIdentifier} exists`);
  if (isForeignKeyViolation(err)) return badRequest(`channelType: unknown channel type ${c.channelType}`, { field: 'channelType' });
  return err;
}

/** Validates with the contract's ChannelInput (defaults applied); duplicate serviceIdentifier → conflict. */
export async function createChannel(db: Kysely<Database>, input: unknown): Promise<Channel> {
  const parsed = parseInput(ChannelInput, input);
  const { channel, secret } = split({ ...parsed, id: parsed.id ?? randomUUID() }, null);
  const webhook = webhookSecrets(null, parsed.outboundWebhookSecret, Date.now());
  try {
    const values = { ...toRow(channel, secret), outbound_webhook_secrets: webhook ? json(webhook) : null, connector: parsed.connector ? json(parsed.connector) : null };
    const row = await db.insertInto('channels').values(values).returningAll().executeTakeFirstOrThrow();
    return toChannel(row);
  } catch (err) {
    throw mapWriteError(err, channel);
  }
}

export async function getChannel(db: Kysely<Database>, id: string): Promise<Channel> {
  const row = await db.selectFrom('channels').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('channel');
  return toChannel(row);
}

export async function getChannelByServiceIdentifier(db: Kysely<Database>, serviceIdentifier: string): Promise<Channel> {
  const row = await db.selectFrom('channels').selectAll().where('service_identifier', '=', serviceIdentifier).executeTakeFirst();
  if (!row) throw notFound('channel');
  return toChannel(row);
}

export async function listChannels(db: Kysely<Database>): Promise<Channel[]> {
  const rows = await db.selectFrom('channels').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toChannel);
}

/**
 * Patches a channel: the stored channel with `patch` on top is validated again as a whole, so an
 * update can never leave a channel the contract would reject. The id cannot change.
 */
export async function updateChannel(db: Kysely<Database>, id: string, patch: unknown): Promise<Channel> {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw badRequest('body must be an object');
  if ('id' in patch && (patch as { id: unknown }).id !== id) throw badRequest('id: cannot change a channel id', { field: 'id' });
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('channels').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw notFound('channel');
    // Write-only parts are kept from the row, not from a read of it: a patch without them keeps them.
    const { identitySecretSet: _set, outboundWebhookSecretSet: _webhookSet, connector: _view, ...stored } = toChannel(row);
    const parsed = parseInput(ChannelInput, { ...stored, ...(row.connector ? { connector: row.connector } : {}), ...patch });
    const { channel, secret } = split({ ...parsed, id }, row.identity_secret, patch);
    const webhook = webhookSecrets(row.outbound_webhook_secrets, (patch as { outboundWebhookSecret?: string | null }).outboundWebhookSecret === undefined ? undefined : parsed.outboundWebhookSecret ?? null, Date.now());
    try {
      const { id: _id, ...values } = { ...toRow(channel, secret), outbound_webhook_secrets: webhook ? json(webhook) : null, connector: parsed.connector ? json(parsed.connector) : null };
      const updated = await trx.updateTable('channels').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      return toChannel(updated);
    } catch (err) {
      throw mapWriteError(err, channel);
    }
  });
}

export async function deleteChannel(db: Kysely<Database>, id: string): Promise<void> {
  const r = await db.deleteFrom('channels').where('id', '=', id).executeTakeFirst();
  if (r.numDeletedRows === 0n) throw notFound('channel');
}

/**
 * The default web chat: type `webchat`, channel `webchat`, with the built-in bot when `bot` says so.
 * Idempotent and safe to run on every start: only a missing channel is made.
 */
export async function ensureSeedChannel(db: Kysely<Database>, opts: { bot?: 'builtin' | 'none' } = {}): Promise<Channel> {
  await db.insertInto('channel_types').values({ id: 'webchat', name: 'Web chat' }).onConflict((oc) => oc.doNothing()).execute();
  const seed = parseInput(ChannelInput, {
    id: 'webchat',
    serviceIdentifier: 'webchat',
    name: 'Web chat',
    channelType: 'webchat',
    routingMode: 'push',
    customerInactivityTimeoutSeconds: 900,
    offerTimeoutSeconds: 30,
    wrapUp: { enabled: false, timeoutSeconds: 60 },
    ...(opts.bot === 'builtin' ? { bot: { type: 'builtin' } } : {}),
  });
  // Any conflict (id or serviceIdentifier) means an admin already has it: keep theirs.
  await db.insertInto('channels').values(toRow(split({ ...seed, id: 'webchat' }, null).channel, null)).onConflict((oc) => oc.doNothing()).execute();
  return getChannelByServiceIdentifier(db, 'webchat');
}

/**
 * The identity secret of a channel (PROTOCOL.md §2.2), read afresh (never cached, never in a
 * Channel); null when the channel has none or does not exist.
 */
export async function channelIdentitySecret(db: Kysely<Database>, serviceIdentifier: string): Promise<string | null> {
  const row = await db.selectFrom('channels').select('identity_secret').where('service_identifier', '=', serviceIdentifier).executeTakeFirst();
  return row?.identity_secret ?? null;
}

/** A channel's built-in connector with its secrets, read afresh (never cached); null when it has none. */
export async function channelConnector(db: Kysely<Database>, serviceIdentifier: string): Promise<ConnectorConfig | null> {
  const row = await db.selectFrom('channels').select('connector').where('service_identifier', '=', serviceIdentifier).executeTakeFirst();
  return row?.connector ?? null;
}

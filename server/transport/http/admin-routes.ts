import { Router, type Request } from 'express';
import {
  ChannelInput,
  ChannelPatch,
  ChannelTypeInput,
  ChannelTypePatch,
  ConversationListQuery,
  CustomerCreateInput,
  CustomerLookupQuery,
  ErrorCode,
  IdentifierInput,
  MergeBody,
  type Conversation,
  type ConversationView,
} from '@conversation-hub/client-sdk/contract';
import { toConversation } from '../../domain/conversation.js';
import { HubError, notFound } from '../../domain/errors.js';
import { getArchivedConversation, listConversations } from '../../persistence/archive-read.js';
import { createChannelType, deleteChannelType, getChannelType, listChannelTypes, updateChannelType } from '../../persistence/channel-types.js';
import { createChannel, deleteChannel, getChannel, getChannelByServiceIdentifier, listChannels, updateChannel } from '../../persistence/channels.js';
import { mergeCustomers, mergedCustomerIds } from '../../persistence/customer-merge.js';
import { addIdentifier, createCustomer, findCustomerByIdentifier, getCustomer } from '../../persistence/customers.js';
import type { AdminDirectory } from '../../persistence/hub-directory.js';
import type { ConversationStore } from '../../store/conversation-store.js';
import { requireAdmin } from './auth.js';
import { parseBody } from './errors.js';

export interface AdminRouteDeps {
  /** Live conversations (`GET /api/conversations` lists them with the archived ones). */
  store: ConversationStore;
  admin: AdminDirectory;
  adminKey: string;
}

/**
 * The admin REST API (protocol.md §6), every route behind the admin key: channel types, channels,
 * customers, and conversations live or archived. Bodies and queries are checked with the
 * contract's schemas (a 400 names the field); repository errors are already HubErrors (404, 409).
 */
export function adminRoutes(deps: AdminRouteDeps): Router {
  const { db } = deps.admin;
  const r = Router();
  r.use(['/api/channel-types', '/api/channels', '/api/customers', '/api/conversations'], requireAdmin(deps.adminKey));

  // ---- channel types --------------------------------------------------------------------
  r.get('/api/channel-types', async (_req, res) => void res.json(await listChannelTypes(db)));
  r.post('/api/channel-types', async (req, res) => {
    res.status(201).json(await createChannelType(db, parseBody(ChannelTypeInput, req.body)));
  });
  r.get('/api/channel-types/:id', async (req, res) => void res.json(await getChannelType(db, param(req, 'id'))));
  r.patch('/api/channel-types/:id', async (req, res) => {
    res.json(await updateChannelType(db, param(req, 'id'), parseBody(ChannelTypePatch, req.body)));
  });
  r.delete('/api/channel-types/:id', async (req, res) => {
    await deleteChannelType(db, param(req, 'id')); // 409 while a channel uses it
    res.status(204).end();
  });

  // ---- channels: every change clears this node's channel cache --------------------------
  r.get('/api/channels', async (req, res) => {
    const si = req.query.serviceIdentifier;
    if (si === undefined) return void res.json(await listChannels(db));
    if (typeof si !== 'string' || si === '') throw badField('serviceIdentifier', 'must be one non-empty string');
    res.json([await getChannelByServiceIdentifier(db, si)]);
  });
  r.post('/api/channels', async (req, res) => {
    const channel = await createChannel(db, parseBody(ChannelInput, req.body));
    deps.admin.channelsChanged();
    res.status(201).json(channel);
  });
  r.get('/api/channels/:id', async (req, res) => void res.json(await getChannel(db, param(req, 'id'))));
  r.patch('/api/channels/:id', async (req, res) => {
    parseBody(ChannelPatch, req.body); // names a bad field; the raw body goes on, so no defaults leak in
    const channel = await updateChannel(db, param(req, 'id'), req.body ?? {});
    deps.admin.channelsChanged();
    res.json(channel);
  });
  r.delete('/api/channels/:id', async (req, res) => {
    await deleteChannel(db, param(req, 'id'));
    deps.admin.channelsChanged();
    res.status(204).end();
  });

  // ---- customers ------------------------------------------------------------------------
  r.post('/api/customers', async (req, res) => {
    res.status(201).json(await createCustomer(db, parseBody(CustomerCreateInput, req.body)));
  });
  r.get('/api/customers', async (req, res) => {
    const q = parseBody(CustomerLookupQuery, { ...req.query });
    const customer = await findCustomerByIdentifier(db, q.channelType, q.identifier);
    if (!customer) throw notFound('customer');
    res.json(customer);
  });
  r.get('/api/customers/:id', async (req, res) => void res.json(await getCustomer(db, param(req, 'id'))));
  r.post('/api/customers/:id/identifiers', async (req, res) => {
    res.json(await addIdentifier(db, param(req, 'id'), parseBody(IdentifierInput, req.body)));
  });
  r.post('/api/customers/:id/merge', async (req, res) => {
    const { sourceCustomerId } = parseBody(MergeBody, req.body);
    res.json(await mergeCustomers(db, param(req, 'id'), sourceCustomerId));
  });

  // ---- conversations: live ones from the store, closed ones from the archive ------------
  r.get('/api/conversations', async (req, res) => {
    const q = parseBody(ConversationListQuery, { ...req.query });
    const owners = q.customerId === undefined ? undefined : new Set(await mergedCustomerIds(db, q.customerId));
    const live = await liveConversations(deps.store, (c) => (!owners || owners.has(c.customerId)) && (!q.state || c.state === q.state));
    const archived = await listConversations(db, { ...(q.customerId ? { customerId: q.customerId } : {}), ...(q.state ? { state: q.state } : {}), limit: q.limit });
    // Between the archive's write and the live state's removal a conversation is in both: the archive has the last word.
    const byId = new Map<string, Conversation>(live.map((c) => [c.id, c]));
    for (const c of archived) byId.set(c.id, c);
    const all = [...byId.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    res.json(all.slice(0, q.limit));
  });
  r.get('/api/conversations/:id', async (req, res) => {
    const id = param(req, 'id');
    res.json((await liveView(deps.store, id)) ?? (await getArchivedConversation(db, id)));
  });

  return r;
}

/** Every live conversation that passes `keep` (one store read each: an admin view, not a hot path). */
async function liveConversations(store: ConversationStore, keep: (c: Conversation) => boolean): Promise<Conversation[]> {
  const out: Conversation[] = [];
  for (const id of await store.listIds()) {
    const stored = await store.get(id);
    if (!stored) continue; // archived meanwhile
    const c = toConversation(stored.doc, stored.lastSeq);
    if (keep(c)) out.push(c);
  }
  return out;
}

/** The live conversation with its whole log; null when it is not (or no longer) live. */
async function liveView(store: ConversationStore, id: string): Promise<ConversationView | null> {
  const stored = await store.get(id);
  if (!stored) return null;
  try {
    const activities = await store.all(id);
    return { ...toConversation(stored.doc, Math.max(stored.lastSeq, activities.at(-1)?.seq ?? 0)), activities };
  } catch (err) {
    if (err instanceof HubError && err.code === ErrorCode.NotFound) return null; // removed after the archive took it
    throw err;
  }
}

function param(req: Request, name: string): string {
  return String(req.params[name]);
}

function badField(field: string, why: string): HubError {
  return new HubError(ErrorCode.BadRequest, `${field}: ${why}`, { field });
}

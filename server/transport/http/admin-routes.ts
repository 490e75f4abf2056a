import type { Router } from 'express';
import { z } from 'zod';
import {
  ChannelInput,
  ChannelPatch,
  ChannelTypeInput,
  ChannelTypePatch,
  ConversationListQuery,
  CustomerCreateInput,
  CustomerLookupQuery,
  ErrorCode,
  Id,
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
import type { ConversationStore } from '../../ports.js';
import { buildRouter, routesFor, type HttpRoute } from './route-table.js';
import { ChannelSchema, ChannelTypeSchema, ConversationSchema, ConversationViewSchema, CustomerSchema } from './wire-schemas.js';

export interface AdminRouteDeps {
  /** Live conversations (`GET /api/conversations` lists them with the archived ones). */
  store: ConversationStore;
  admin: AdminDirectory;
  adminKey: string;
}

/** `GET /api/channels?serviceIdentifier=`: one channel by the name customers and connectors use. */
export const ChannelListQuery = z.object({ serviceIdentifier: ChannelInput.shape.serviceIdentifier.optional() });
/** `:id` in a path. */
// A path id is a contract id: a NUL or a lone surrogate is a 400, never a query Postgres refuses.
const IdParams = z.object({ id: Id });

const route = routesFor<AdminRouteDeps>();

/**
 * The admin REST API (PROTOCOL.md §6.2), every route behind the admin key: channel types, channels,
 * customers, and conversations live or archived. Bodies and queries are checked with the
 * contract's schemas (a 400 names the field); repository errors are already HubErrors (404, 409).
 */
export const adminRouteTable: HttpRoute<AdminRouteDeps>[] = [
  // ---- channel types --------------------------------------------------------------------
  route({ auth: 'admin', method: 'get', path: '/api/channel-types', operationId: 'listChannelTypes', tag: 'channel types', summary: 'Every channel type',
    ok: { status: 200, description: 'The channel types, by id', schema: z.array(ChannelTypeSchema) },
    handler: async ({ deps }) => listChannelTypes(deps.admin.db) }),
  route({ auth: 'admin', method: 'post', path: '/api/channel-types', operationId: 'createChannelType', tag: 'channel types', summary: 'Create a channel type',
    body: ChannelTypeInput, errors: ['conflict'],
    ok: { status: 201, description: 'Created', schema: ChannelTypeSchema },
    handler: async ({ deps, body }) => createChannelType(deps.admin.db, body) }),
  route({ auth: 'admin', method: 'get', path: '/api/channel-types/:id', operationId: 'getChannelType', tag: 'channel types', summary: 'One channel type',
    params: IdParams, errors: ['not_found'],
    ok: { status: 200, description: 'The channel type', schema: ChannelTypeSchema },
    handler: async ({ deps, params }) => getChannelType(deps.admin.db, params.id) }),
  route({ auth: 'admin', method: 'patch', path: '/api/channel-types/:id', operationId: 'renameChannelType', tag: 'channel types', summary: 'Rename a channel type',
    params: IdParams, body: ChannelTypePatch, errors: ['not_found'],
    ok: { status: 200, description: 'The renamed channel type', schema: ChannelTypeSchema },
    handler: async ({ deps, params, body }) => updateChannelType(deps.admin.db, params.id, body) }),
  route({ auth: 'admin', method: 'delete', path: '/api/channel-types/:id', operationId: 'deleteChannelType', tag: 'channel types', summary: 'Delete a channel type',
    description: '`conflict` while a channel uses it.', params: IdParams, errors: ['not_found', 'conflict'],
    ok: { status: 204, description: 'Deleted' },
    handler: async ({ deps, params }) => deleteChannelType(deps.admin.db, params.id) }),

  // ---- channels: every change clears this node's channel cache --------------------------
  route({ auth: 'admin', method: 'get', path: '/api/channels', operationId: 'listChannels', tag: 'channels', summary: 'Every channel, or the one with a service identifier',
    query: ChannelListQuery, errors: ['not_found'],
    ok: { status: 200, description: 'The channels (one, with `serviceIdentifier`)', schema: z.array(ChannelSchema) },
    handler: async ({ deps, query }) => query.serviceIdentifier === undefined ? listChannels(deps.admin.db) : [await getChannelByServiceIdentifier(deps.admin.db, query.serviceIdentifier)] }),
  route({ auth: 'admin', method: 'post', path: '/api/channels', operationId: 'createChannel', tag: 'channels', summary: 'Create a channel',
    description: 'Defaults: `routingMode` push, `customerInactivityTimeoutSeconds` 900, `offerTimeoutSeconds` 30, wrap-up off, `closeOnAgentLeave` false. `conflict` for a taken id or service identifier; `bad_request` naming `channelType` for an unknown type.',
    body: ChannelInput, errors: ['conflict'],
    ok: { status: 201, description: 'Created (an id is made when none is given)', schema: ChannelSchema },
    handler: async ({ deps, body }) => {
      const channel = await createChannel(deps.admin.db, body);
      deps.admin.channelsChanged();
      return channel;
    } }),
  route({ auth: 'admin', method: 'get', path: '/api/channels/:id', operationId: 'getChannel', tag: 'channels', summary: 'One channel',
    params: IdParams, errors: ['not_found'],
    ok: { status: 200, description: 'The channel', schema: ChannelSchema },
    handler: async ({ deps, params }) => getChannel(deps.admin.db, params.id) }),
  route({ auth: 'admin', method: 'patch', path: '/api/channels/:id', operationId: 'updateChannel', tag: 'channels', summary: 'Change some fields of a channel',
    description: 'The stored channel with the given fields on top is validated again as a whole; absent fields keep their values.',
    params: IdParams, body: ChannelPatch, errors: ['not_found', 'conflict'],
    ok: { status: 200, description: 'The changed channel', schema: ChannelSchema },
    handler: async ({ deps, params, rawBody }) => {
      // The raw body goes on: parsing would fill in ChannelInput's defaults, which a patch must not.
      const channel = await updateChannel(deps.admin.db, params.id, rawBody ?? {});
      deps.admin.channelsChanged();
      return channel;
    } }),
  route({ auth: 'admin', method: 'delete', path: '/api/channels/:id', operationId: 'deleteChannel', tag: 'channels', summary: 'Delete a channel',
    params: IdParams, errors: ['not_found'],
    ok: { status: 204, description: 'Deleted' },
    handler: async ({ deps, params }) => {
      await deleteChannel(deps.admin.db, params.id);
      deps.admin.channelsChanged();
    } }),

  // ---- customers ------------------------------------------------------------------------
  route({ auth: 'admin', method: 'post', path: '/api/customers', operationId: 'createCustomer', tag: 'customers', summary: 'Create a customer',
    description: 'Known unless `known: false`. `conflict` when an identifier belongs to another customer.',
    body: CustomerCreateInput, errors: ['conflict'],
    ok: { status: 201, description: 'Created', schema: CustomerSchema },
    handler: async ({ deps, body }) => createCustomer(deps.admin.db, body) }),
  route({ auth: 'admin', method: 'get', path: '/api/customers', operationId: 'findCustomer', tag: 'customers', summary: 'Look a customer up by an identifier on a channel type',
    query: CustomerLookupQuery, errors: ['not_found'],
    ok: { status: 200, description: 'The customer (merged customers answer as the one they were merged into)', schema: CustomerSchema },
    handler: async ({ deps, query }) => {
      const customer = await findCustomerByIdentifier(deps.admin.db, query.channelType, query.identifier);
      if (!customer) throw notFound('customer');
      return customer;
    } }),
  route({ auth: 'admin', method: 'get', path: '/api/customers/:id', operationId: 'getCustomer', tag: 'customers', summary: 'One customer',
    params: IdParams, errors: ['not_found'],
    ok: { status: 200, description: 'The customer', schema: CustomerSchema },
    handler: async ({ deps, params }) => getCustomer(deps.admin.db, params.id) }),
  route({ auth: 'admin', method: 'post', path: '/api/customers/:id/identifiers', operationId: 'addCustomerIdentifier', tag: 'customers', summary: 'Link an identifier to a customer',
    description: 'The customer becomes known. `conflict` when another customer has the identifier (merge them instead).',
    params: IdParams, body: IdentifierInput, errors: ['not_found', 'conflict'],
    ok: { status: 200, description: 'The customer with the identifier', schema: CustomerSchema },
    handler: async ({ deps, params, body }) => addIdentifier(deps.admin.db, params.id, body) }),
  route({ auth: 'admin', method: 'post', path: '/api/customers/:id/merge', operationId: 'mergeCustomer', tag: 'customers', summary: 'Merge a customer into this one',
    description: "The source's identifiers and archived conversations move to `:id`; a live conversation keeps its customer id until it closes.",
    params: IdParams, body: MergeBody, errors: ['not_found', 'conflict'],
    ok: { status: 200, description: 'The merged customer', schema: CustomerSchema },
    handler: async ({ deps, params, body }) => mergeCustomers(deps.admin.db, params.id, body.sourceCustomerId) }),

  // ---- conversations: live ones from the store, closed ones from the archive ------------
  route({ auth: 'admin', method: 'get', path: '/api/conversations', operationId: 'listConversations', tag: 'conversations', summary: 'Conversations, live and archived, newest first',
    description: "`customerId` includes the conversations of customers merged into it.",
    query: ConversationListQuery,
    ok: { status: 200, description: 'At most `limit` conversations, newest first', schema: z.array(ConversationSchema) },
    handler: async ({ deps, query: q }) => {
      const { db } = deps.admin;
      const owners = q.customerId === undefined ? undefined : new Set(await mergedCustomerIds(db, q.customerId));
      const live = await liveConversations(deps.store, (c) => (!owners || owners.has(c.customerId)) && (!q.state || c.state === q.state));
      const archived = await listConversations(db, { ...(q.customerId ? { customerId: q.customerId } : {}), ...(q.state ? { state: q.state } : {}), limit: q.limit });
      // Between the archive's write and the live state's removal a conversation is in both: the archive has the last word.
      const byId = new Map<string, Conversation>(live.map((c) => [c.id, c]));
      for (const c of archived) byId.set(c.id, c);
      const all = [...byId.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
      return all.slice(0, q.limit);
    } }),
  route({ auth: 'admin', method: 'get', path: '/api/conversations/:id', operationId: 'getConversation', tag: 'conversations', summary: 'One conversation with its whole log, live or archived',
    params: IdParams, errors: ['not_found'],
    ok: { status: 200, description: 'The conversation with every activity', schema: ConversationViewSchema },
    handler: async ({ deps, params }) => (await liveView(deps.store, params.id)) ?? (await getArchivedConversation(deps.admin.db, params.id)) }),
];

/** The admin API as its own router (app.ts mounts `httpRoutes` from routes.ts instead once it switches). */
export function adminRoutes(deps: AdminRouteDeps): Router {
  return buildRouter(adminRouteTable, deps);
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

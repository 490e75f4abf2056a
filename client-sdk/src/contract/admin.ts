import { z } from 'zod';
import { ChannelInput, ConversationState, CustomerIdentifier, TokenRole } from './objects.js';
import { Id, JsonObject, safeString } from './strings.js';

// ---- HTTP bodies (PROTOCOL.md §2.2, §6) ------------------------------------

// `POST /api/webchat/sessions`: WebchatSessionBody is in webchat.ts.
export const TokenBody = z.object({
  sub: Id,
  role: TokenRole,
  name: safeString({ max: 200 }).optional(),
  channels: z.array(Id).max(100).optional(),
  serviceIdentifier: Id.optional(),
  ttlSeconds: z.number().int().min(1).max(30 * 24 * 3600).optional(),
});

// ---- admin REST API bodies and queries (PROTOCOL.md §6.2) ------------------
// Added with the admin routes (server/transport/http/admin-routes.ts). The persistence layer has
// identical copies of ChannelTypeInput and CustomerCreateInput; these are the contract's.

/** `POST /api/channel-types`. */
export const ChannelTypeInput = z.object({ id: Id, name: safeString({ min: 1, max: 200 }) });
/** `PATCH /api/channel-types/:id`. */
export const ChannelTypePatch = ChannelTypeInput.pick({ name: true });
/**
 * `PATCH /api/channels/:id`: any ChannelInput fields. Validate with it, but store the raw body on
 * top of the stored channel: parsing fills in ChannelInput's defaults, which a patch must not do.
 */
export const ChannelPatch = ChannelInput.partial();
/** `POST /api/customers`: an admin-made customer, known unless `known: false`. `attributes`: a bounded JSON object (strings.ts). */
export const CustomerCreateInput = z.object({
  name: safeString({ min: 1, max: 200 }).optional(),
  identifiers: z.array(CustomerIdentifier).max(50).optional(),
  attributes: JsonObject.optional(),
  known: z.boolean().default(true),
});
/** `POST /api/customers/:id/identifiers`. */
export const IdentifierInput = CustomerIdentifier;
/** `POST /api/customers/:id/merge`: the (anonymous) customer to merge into `:id`. */
export const MergeBody = z.object({ sourceCustomerId: Id });
/** `GET /api/customers?channelType=&identifier=`. */
export const CustomerLookupQuery = z.object({ channelType: Id, identifier: CustomerIdentifier.shape.value });
/** `GET /api/conversations?customerId=&state=&limit=`: newest first, live and archived. */
export const ConversationListQuery = z.object({
  customerId: Id.optional(),
  state: ConversationState.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

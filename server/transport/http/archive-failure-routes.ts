import { z } from 'zod';
import { Id } from '@conversation-hub/client-sdk/contract';
import type { Hub } from '../../engine/hub.js';
import { routesFor, type HttpRoute } from './route-table.js';
import { ConversationSchema } from './wire-schemas.js';

export interface ArchiveFailureRouteDeps {
  hub: Hub;
  adminKey: string;
}

const isoDate = z.string().meta({ format: 'date-time', description: 'ISO 8601 date-time (UTC)' });

const failureFields = {
  conversationId: z.string(),
  attempts: z.number().int().meta({ description: 'The archive attempts of the run that gave up (`HUB_ARCHIVE_MAX_ATTEMPTS`)' }),
  error: z.string().meta({ description: 'The last error’s message, as the archive (Postgres) gave it; at most 2,000 characters' }),
  failedAt: isoDate.meta({ description: 'When the conversation was dead-lettered' }),
  retryRequestedAt: isoDate.optional().meta({ description: 'When a retry was last asked for; kept if that retry failed again' }),
};

/** A dead-lettered archive as `POST .../retry` answers it. */
export const ArchiveFailureSchema = z.object(failureFields).meta({ id: 'ArchiveFailure' });
/** As `GET /api/archive/failures` lists it: with the live conversation it keeps. */
export const ArchiveFailureViewSchema = z
  // `conversation`: the live conversation, kept (`closing`) until the archive has it.
  .object({ ...failureFields, conversation: ConversationSchema })
  .meta({ id: 'ArchiveFailureView' });

// A path id is a contract id: a NUL or a lone surrogate is a 400.
const Params = z.object({ conversationId: Id });

const route = routesFor<ArchiveFailureRouteDeps>();

/**
 * Dead-lettered archives (PROTOCOL.md §6.2): conversations whose archive failed
 * `HUB_ARCHIVE_MAX_ATTEMPTS` times in a row. Their live state stays until a retry succeeds.
 */
export const archiveFailureRouteTable: HttpRoute<ArchiveFailureRouteDeps>[] = [
  route({ auth: 'admin', method: 'get', path: '/api/archive/failures', operationId: 'listArchiveFailures', tag: 'conversations', summary: 'Conversations whose archive failed for good',
    description: 'Each with its attempts, the last error and when, and the live conversation, oldest failure first. A conversation leaves the list once archived.',
    ok: { status: 200, description: 'The dead-lettered conversations', schema: z.array(ArchiveFailureViewSchema) },
    handler: async ({ deps }) => deps.hub.archiveFailures.list() }),
  route({ auth: 'admin', method: 'post', path: '/api/archive/failures/:conversationId/retry', operationId: 'retryArchive', tag: 'conversations', summary: 'Archive a dead-lettered conversation again',
    description: 'Re-arms its archive at once, with a fresh set of attempts; it stays listed (with `retryRequestedAt`) until archived. `not_found` when it is not dead-lettered.',
    params: Params, errors: ['not_found', 'conflict'],
    ok: { status: 200, description: 'The dead letter, with `retryRequestedAt`', schema: ArchiveFailureSchema },
    handler: async ({ deps, params }) => deps.hub.archiveFailures.retry(params.conversationId) }),
];

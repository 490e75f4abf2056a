import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Activity, AgentTask, Channel, Conversation, ConversationView, Customer } from '@conversation-hub/client-sdk/contract';
import { ErrorCode } from '@conversation-hub/client-sdk/contract';
import { HubError } from '../domain/errors.js';
import type { AdminDirectory, Archive, ChannelDirectory, CustomerDirectory } from '../ports.js';
export type { AdminDirectory } from '../ports.js';
import { archiveConversation } from './archive.js';
import { customerHistory, findArchivedConversation } from './archive-read.js';
import { toChannel } from './channels.js';
import { getCustomer, resolveCustomer, resolveVerifiedCustomer, type VerifiedIdentity } from './customers.js';
import type { Database } from './database.js';

/** What the admin API needs from the record besides the repositories: the db, and a way to drop cached channels. */

export interface HubDirectoryOptions {
  /** How long a channel lookup is served from memory; default 5 s. */
  channelTtlMs?: number;
  log?: Logger;
}

interface CachedChannel {
  at: number;
  value: Channel | null;
}

/**
 * The engine's ports on the Postgres record (PGlite in embedded mode, Postgres in a cluster):
 * channels by service identifier, customers by identifier, and the archive.
 *
 * Channels are read on every session open and rarely change, so lookups are cached in this process
 * for a short TTL (misses too, so a spray of unknown service identifiers costs one query each per
 * TTL). An admin change on this node clears the cache at once; other nodes see it within the TTL.
 * When a refresh fails (database away), the last value is served rather than failing the open.
 */
export class HubDirectory implements ChannelDirectory, CustomerDirectory, Archive, AdminDirectory {
  private readonly channelTtlMs: number;
  private readonly log: Logger | undefined;
  private readonly cache = new Map<string, CachedChannel>();
  private readonly inflight = new Map<string, Promise<Channel | null>>();
  /** Bumped by channelsChanged, so a lookup that started before a change does not cache stale rows. */
  private generation = 0;

  constructor(
    readonly db: Kysely<Database>,
    opts: HubDirectoryOptions = {},
  ) {
    this.channelTtlMs = opts.channelTtlMs ?? 5_000;
    this.log = opts.log;
  }

  // ---- ChannelDirectory -----------------------------------------------------------------

  async byServiceIdentifier(serviceIdentifier: string): Promise<Channel | null> {
    const cached = this.cache.get(serviceIdentifier);
    if (cached && Date.now() - cached.at < this.channelTtlMs) return cached.value;
    // One query per identifier at a time, however many sessions open at once.
    const pending = this.inflight.get(serviceIdentifier);
    if (pending) return pending;
    const load: Promise<Channel | null> = this.loadChannel(serviceIdentifier, cached).finally(() => {
      if (this.inflight.get(serviceIdentifier) === load) this.inflight.delete(serviceIdentifier);
    });
    this.inflight.set(serviceIdentifier, load);
    return load;
  }

  channelsChanged(): void {
    this.generation++;
    this.cache.clear();
    this.inflight.clear();
  }

  private async loadChannel(serviceIdentifier: string, stale: CachedChannel | undefined): Promise<Channel | null> {
    const generation = this.generation;
    try {
      const row = await this.db.selectFrom('channels').selectAll().where('service_identifier', '=', serviceIdentifier).executeTakeFirst();
      const value = row ? toChannel(row) : null;
      if (generation === this.generation) this.cache.set(serviceIdentifier, { at: Date.now(), value });
      return value;
    } catch (err) {
      if (!stale) throw err;
      this.log?.warn({ err, serviceIdentifier }, 'channel lookup failed; serving the cached channel');
      return stale.value;
    }
  }

  // ---- CustomerDirectory ----------------------------------------------------------------

  resolve(channelType: string, identifier: string, name?: string): Promise<Customer> {
    return resolveCustomer(this.db, channelType, identifier, name);
  }

  resolveVerified(identity: VerifiedIdentity): Promise<Customer> {
    return resolveVerifiedCustomer(this.db, identity);
  }

  async get(customerId: string): Promise<Customer | null> {
    try {
      return await getCustomer(this.db, customerId);
    } catch (err) {
      if (err instanceof HubError && err.code === ErrorCode.NotFound) return null;
      throw err;
    }
  }

  // ---- Archive --------------------------------------------------------------------------

  async save(conversation: Conversation, activities: Activity[], tasks: AgentTask[]): Promise<void> {
    // One transaction: the conversation, its sessions, participants, log, wrap-ups and tasks.
    await archiveConversation(this.db, { conversation, activities, tasks });
  }

  find(conversationId: string): Promise<ConversationView | null> {
    return findArchivedConversation(this.db, conversationId);
  }

  history(customerId: string, limit: number): Promise<ConversationView[]> {
    return customerHistory(this.db, customerId, limit);
  }
}

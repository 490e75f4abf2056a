import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Activity, AgentTask, Channel, Conversation, ConversationView, Customer, CustomerIdentifier } from '@conversation-hub/client-sdk/contract';
import { ErrorCode } from '@conversation-hub/client-sdk/contract';
import { HubError } from '../domain/errors.js';
import type { AdminDirectory, Archive, ChannelDirectory, CustomerDirectory } from '../ports.js';
export type { AdminDirectory } from '../ports.js';
import { archiveConversation } from './archive.js';
import { customerHistory, findArchivedConversation } from './archive-read.js';
import { toChannel } from './channels.js';
import { findCustomerByIdentifier, getCustomer, resolveCustomer } from './customers.js';
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

  /**
   * The customer who owns `primary` (a pre-chat email), with `secondary` (the visitor id) linked to
   * them when nobody has it yet; when nobody owns `primary`, the customer of `secondary` with
   * `primary` linked. An existing link is never moved: a visitor id that already belongs to another
   * customer stays theirs (merging is an admin's call), and when two first contacts race for the
   * same email, the one whose link landed wins and both get that customer. A pre-chat email is not
   * verified, so linking it does not make the customer `known` (unlike the admin's addIdentifier).
   */
  async identify(primary: CustomerIdentifier, secondary: CustomerIdentifier, name?: string): Promise<Customer> {
    const owner = await findCustomerByIdentifier(this.db, primary.channelType, primary.value);
    if (owner) {
      if (await this.link(secondary, owner.id)) return getCustomer(this.db, owner.id);
      return owner;
    }
    const visitor = await resolveCustomer(this.db, secondary.channelType, secondary.value, name);
    if (await this.link(primary, visitor.id)) return getCustomer(this.db, visitor.id);
    // Someone linked the email in between: they own it now.
    return (await findCustomerByIdentifier(this.db, primary.channelType, primary.value)) ?? visitor;
  }

  /** Links the identifier to the customer unless someone has it; true when this call added it. */
  private async link(identifier: CustomerIdentifier, customerId: string): Promise<boolean> {
    const r = await this.db
      .insertInto('customer_identifiers')
      .values({ channel_type: identifier.channelType, value: identifier.value, customer_id: customerId })
      .onConflict((oc) => oc.columns(['channel_type', 'value']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
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

import { randomUUID } from 'node:crypto';
import type { Activity, AgentTask, Channel, Conversation, ConversationView, Customer, CustomerIdentifier } from '../../client-sdk/src/contract/index.js';
import type { Archive, ChannelDirectory, CustomerDirectory } from './ports.js';

/** Stand-ins until the Postgres repositories are wired in: channels, customers and the archive in memory. */
export class MemoryDirectory implements ChannelDirectory, CustomerDirectory, Archive {
  readonly channels = new Map<string, Channel>();
  private readonly customers = new Map<string, Customer>();
  private readonly byIdentifier = new Map<string, string>();
  private readonly archived = new Map<string, ConversationView>();

  async byServiceIdentifier(si: string): Promise<Channel | null> {
    return this.channels.get(si) ?? null;
  }

  async resolve(channelType: string, identifier: string, name?: string): Promise<Customer> {
    const id = this.byIdentifier.get(`${channelType}\u0000${identifier}`);
    if (id) return this.customers.get(id)!;
    const c: Customer = { id: randomUUID(), identifiers: [{ channelType, value: identifier }], known: false, attributes: {}, ...(name ? { name } : {}) };
    this.customers.set(c.id, c);
    this.byIdentifier.set(`${channelType}\u0000${identifier}`, c.id);
    return c;
  }

  async identify(primary: CustomerIdentifier, secondary: CustomerIdentifier, name?: string): Promise<Customer> {
    const owner = this.byIdentifier.get(`${primary.channelType}\u0000${primary.value}`);
    const c = owner ? this.customers.get(owner)! : await this.resolve(secondary.channelType, secondary.value, name);
    for (const i of [primary, secondary]) this.byIdentifier.set(`${i.channelType}\u0000${i.value}`, c.id);
    return c;
  }

  async get(id: string): Promise<Customer | null> {
    return this.customers.get(id) ?? null;
  }

  async save(conversation: Conversation, activities: Activity[], _tasks: AgentTask[]): Promise<void> {
    this.archived.set(conversation.id, { ...conversation, activities });
  }

  async find(conversationId: string): Promise<ConversationView | null> {
    return this.archived.get(conversationId) ?? null;
  }

  async history(customerId: string, limit: number): Promise<ConversationView[]> {
    return [...this.archived.values()].filter((v) => v.customerId === customerId).reverse().slice(0, limit);
  }
}

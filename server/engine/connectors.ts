import type { Activity, CallInput, Channel, ChannelData } from '@conversation-hub/client-sdk/contract';
import type { ConnectorActor } from '../domain/actor.js';
import { mergeChannelData } from '../domain/channel-data.js';
import { closeSession } from '../domain/conversation.js';
import { forbidden, notFound } from '../domain/errors.js';
import type { CallContext, CustomerPlace, RunContext } from './context.js';
import type { EngineCore } from './core.js';
import type { CustomerSessions } from './customers.js';

type ConnectorContext = CallContext & { actor: ConnectorActor };

/** Channel connectors (WhatsApp, SMS...): the customer is resolved by their identifier on that channel. */
export class Connectors {
  constructor(
    private readonly e: EngineCore,
    private readonly sessions: CustomerSessions,
  ) {}

  async inbound(ctx: ConnectorContext, input: CallInput<'connector.inbound'>): Promise<{ conversationId: string; channelSessionId: string; activity: Activity }> {
    const channel = await this.servedChannel(ctx, input.serviceIdentifier);
    const customer = await this.e.d.customers.resolve(channel.channelType, input.customer.identifier, input.customer.name);
    const name = input.customer.name ?? customer.name;
    const who = name ? { id: customer.id, name } : { id: customer.id };
    const channelData = { ...input.channelData, customerIdentifier: input.customer.identifier };
    const place = await this.placeOf(ctx, customer.id, channel.serviceIdentifier, channelData);
    const r = await this.sessions.append(ctx, who, channel.serviceIdentifier, place, input.message, channelData);
    return { conversationId: r.place.conversationId, channelSessionId: r.place.channelSessionId, activity: r.activity };
  }

  async sessionEnd(ctx: ConnectorContext, input: CallInput<'connector.session.end'>): Promise<void> {
    const channel = await this.servedChannel(ctx, input.serviceIdentifier);
    const customer = await this.e.d.customers.resolve(channel.channelType, input.customerIdentifier);
    const id = await this.e.d.store.openConversationOf(customer.id);
    const stored = id ? await this.e.d.store.get(id) : null;
    const session = stored?.doc.channelSessions.find((s) => s.state === 'open' && s.serviceIdentifier === channel.serviceIdentifier);
    if (!stored || !session) throw notFound('open channel session');
    await this.e.pipeline.update(ctx, stored.doc.id, closeSession(session.id, 'connector', this.e.iso()));
  }

  /**
   * Ends one session by its id (HTTP): it must be of this channel (else `not_found`). Ending one that
   * has closed, or whose conversation is archived, changes nothing and answers `closed: false`.
   */
  async endSession(ctx: ConnectorContext, serviceIdentifier: string, conversationId: string, channelSessionId: string): Promise<{ closed: boolean }> {
    await this.servedChannel(ctx, serviceIdentifier);
    const stored = await this.e.d.store.get(conversationId);
    const sessions = stored ? stored.doc.channelSessions : ((await this.e.d.archive.find(conversationId))?.channelSessions ?? []);
    const session = sessions.find((s) => s.id === channelSessionId && s.serviceIdentifier === serviceIdentifier);
    if (!session) throw notFound('channel session');
    if (!stored || session.state === 'closed') return { closed: false };
    const c = await this.e.pipeline.update(ctx, conversationId, closeSession(session.id, 'connector', this.e.iso()));
    return { closed: c.result.closed };
  }

  private async servedChannel(ctx: ConnectorContext, serviceIdentifier: string): Promise<Channel> {
    if (!ctx.actor.channels.includes(serviceIdentifier)) throw forbidden(`this connector does not serve ${serviceIdentifier}`);
    const channel = await this.e.d.channels.byServiceIdentifier(serviceIdentifier);
    if (!channel) throw notFound(`channel ${serviceIdentifier}`);
    return channel;
  }

  /** The customer's open session on a channel, opened when there is none. */
  private async placeOf(run: RunContext, customerId: string, serviceIdentifier: string, channelData: ChannelData): Promise<CustomerPlace> {
    const id = await this.e.d.store.openConversationOf(customerId);
    const stored = id ? await this.e.d.store.get(id) : null;
    const open = stored?.doc.channelSessions.find((s) => s.state === 'open' && s.serviceIdentifier === serviceIdentifier);
    // Channel data that changes nothing costs no write; new data is merged by opening again (session.updated).
    if (stored && open && mergeChannelData(open.channelData, channelData).changed.length === 0) return { conversationId: stored.doc.id, channelSessionId: open.id };
    return this.sessions.open(run, { id: customerId }, serviceIdentifier, channelData);
  }
}

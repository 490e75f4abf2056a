import { randomUUID } from 'node:crypto';
import type { CallInput, Channel, ConversationView } from '@conversation-hub/client-sdk/contract';
import { draft, fromOf } from '../domain/conversation.js';
import { badField, conflict, forbidden, HubError, notFound } from '../domain/errors.js';
import { startOutbound, templatePayload } from '../domain/outbound.js';
import { authorize } from './authorize.js';
import type { CallContext } from './context.js';
import type { EngineCore } from './core.js';

/** Outbound conversations: an agent writes first to a customer through a connector-served channel. */
export class Outbound {
  constructor(private readonly e: EngineCore) {}

  /** `conversation.start`: opens (or joins) the customer's conversation with an outbound session; the caller is in it, its message on the way. */
  async start(ctx: CallContext, input: CallInput<'conversation.start'>): Promise<ConversationView> {
    const { actor } = ctx;
    if (actor.role !== 'agent' && actor.role !== 'supervisor') throw forbidden('agents and supervisors only');
    const channel = await this.e.d.channels.byServiceIdentifier(input.serviceIdentifier);
    if (!channel) throw notFound(`channel ${input.serviceIdentifier}`);
    authorize('conversation.start', actor, (await this.servesList(actor.id, channel)) ? 'own' : 'other');
    // Webchat has no connector: the hub cannot reach a visitor who is not on the page.
    if (channel.channelType === 'webchat') throw badField('serviceIdentifier', 'a webchat channel cannot be written to first');
    const customer = await this.e.d.customers.get(input.customerId);
    if (!customer) throw notFound('customer');
    const identifier = customer.identifiers.find((i) => i.channelType === channel.channelType);
    if (!identifier) throw conflict(`the customer has no ${channel.channelType} identifier`, { field: 'customerId' });
    // Free text first only inside the channel's customer-service window; a template opens it.
    if (input.text && channel.connector && this.e.d.serviceWindows && !(await this.e.d.serviceWindows.freeTextOpen(channel.serviceIdentifier, identifier.value, this.e.now()))) {
      throw new HubError('window_closed', `the customer has not written on ${channel.serviceIdentifier} in the last 24 hours: start with a template`, { field: 'text' });
    }
    const now = this.e.iso();
    const c = await this.e.pipeline.forCustomer(
      ctx,
      customer.id,
      startOutbound({
        newConversationId: randomUUID(),
        customer: customer.name ? { id: customer.id, name: customer.name } : { id: customer.id },
        serviceIdentifier: channel.serviceIdentifier,
        channelType: channel.channelType,
        wrapUp: channel.wrapUp,
        now,
        customerIdentifier: identifier.value,
        starter: actor.name ? { id: actor.id, role: actor.role, name: actor.name } : { id: actor.id, role: actor.role },
      }),
    );
    // The message goes to the connector as connector.outbound, like any agent's message.
    const payload = input.template ? templatePayload(input.template) : { text: input.text! };
    await this.e.pipeline.append(ctx, draft(c.doc.id, 'message', 'all', fromOf({ ...actor, role: actor.role }), payload, this.e.iso(), { clientMessageId: randomUUID() }));
    return this.e.reads.view(c.doc.id, 'agent', { whole: true });
  }

  /** An agent's own channels are those whose list it serves now. */
  private async servesList(agentId: string, channel: Channel): Promise<boolean> {
    const agent = await this.e.d.routing.getAgent(agentId);
    return channel.listId !== undefined && agent?.lists.includes(channel.listId) === true;
  }
}

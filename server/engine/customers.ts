import { randomUUID } from 'node:crypto';
import type { Activity, CallInput, ChannelData, ConversationView } from '@conversation-hub/client-sdk/contract';
import type { CustomerActor } from '../domain/actor.js';
import { closeSession, draft, fromOf, openSession } from '../domain/conversation.js';
import { forbidden, HubError, notFound, SessionClosedError } from '../domain/errors.js';
import type { CallContext, CustomerPlace, RunContext } from './context.js';
import type { EngineCore } from './core.js';

type MessageInput = { text: string; clientMessageId: string; attachments?: CallInput<'message.send'>['attachments'] };

/** Customers on their channels: sessions opened and closed, and their messages on the hot path. */
export class CustomerSessions {
  constructor(private readonly e: EngineCore) {}

  /** A customer socket connected: open (or reuse) their session and join their conversation. */
  async connect(ctx: CallContext & { actor: CustomerActor }, channelData: ChannelData): Promise<{ place: CustomerPlace; view: ConversationView }> {
    const place = await this.open(ctx, ctx.actor, ctx.actor.serviceIdentifier, channelData);
    return { place, view: await this.e.reads.view(place.conversationId, 'customer', { viewer: ctx.actor.id }) };
  }

  /** Opens the customer's session on a channel, in their open conversation or a new one. */
  async open(run: RunContext, customer: { id: string; name?: string }, serviceIdentifier: string, channelData: ChannelData): Promise<CustomerPlace> {
    const channel = await this.e.d.channels.byServiceIdentifier(serviceIdentifier);
    if (!channel) throw notFound(`channel ${serviceIdentifier}`);
    const c = await this.e.pipeline.forCustomer(
      run,
      customer.id,
      openSession({
        newConversationId: randomUUID(),
        customer,
        serviceIdentifier,
        channelType: channel.channelType,
        channelData,
        wrapUp: channel.wrapUp,
        now: this.e.iso(),
      }),
    );
    // A reused session (a second tab, a reconnect) wrote nothing, but its new socket joins the rooms.
    if (!c.result.sessionCreated) await this.e.d.fanout.join(customer.id, c.doc.id, false);
    return { conversationId: c.doc.id, channelSessionId: c.result.channelSession.id };
  }

  /** A customer's message through their socket's session. */
  async message(ctx: CallContext & { actor: CustomerActor; place: CustomerPlace }, input: CallInput<'message.send'>): Promise<{ activity: Activity; place: CustomerPlace }> {
    if (input.conversationId && input.conversationId !== ctx.place.conversationId) throw forbidden('not your conversation');
    if (input.quickReplies) throw forbidden('quickReplies: bots only');
    return this.append(ctx, ctx.actor, ctx.actor.serviceIdentifier, ctx.place, input);
  }

  /**
   * Appends a customer message: one append when their session is open; when it has closed
   * (inactivity) or the conversation moved on, the session is opened again, once, and the
   * customer's sockets are sent where they are now. Answers the (maybe new) place.
   */
  async append(run: RunContext, customer: { id: string; name?: string }, serviceIdentifier: string, place: CustomerPlace, input: MessageInput, channelData: ChannelData = {}): Promise<{ activity: Activity; place: CustomerPlace }> {
    const payload = input.attachments ? { text: input.text, attachments: input.attachments } : { text: input.text };
    let at = place;
    for (let attempt = 0; ; attempt++) {
      const d = draft(at.conversationId, 'message', 'all', fromOf({ ...customer, role: 'customer' }), payload, this.e.iso(), {
        clientMessageId: input.clientMessageId,
        channelSessionId: at.channelSessionId,
      });
      try {
        const r = await this.e.pipeline.append(run, d, { options: { sessionId: at.channelSessionId }, acked: true, via: serviceIdentifier });
        return { activity: r.activity, place: at };
      } catch (err) {
        if (attempt > 0 || !movedOn(err)) throw err;
        at = await this.open(run, customer, serviceIdentifier, channelData);
        // Every tab of the customer moves to the (maybe new) conversation.
        this.e.d.fanout.toParticipant(customer.id, 'conversation', await this.e.reads.view(at.conversationId, 'customer', { viewer: customer.id }));
      }
    }
  }

  /** `session.end`: the customer leaves this channel. */
  async end(ctx: CallContext & { place: CustomerPlace }): Promise<void> {
    await this.e.pipeline.update(ctx, ctx.place.conversationId, closeSession(ctx.place.channelSessionId, 'customer_left', this.e.iso()));
  }
}

/** The customer's session closed or their conversation is closing: open again and retry. */
function movedOn(err: unknown): boolean {
  return err instanceof SessionClosedError || (err instanceof HubError && err.code === 'not_found');
}

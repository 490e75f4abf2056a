import type { CallInput, CallName, CallResults } from '@conversation-hub/client-sdk/contract';
import type { ConnectorActor, CustomerActor } from '../domain/actor.js';
import { badField, conflict, forbidden } from '../domain/errors.js';
import type { CallContext, CustomerPlace } from '../engine/context.js';
import type { Hub } from '../engine/hub.js';

/** A call's answer: the result for the acknowledgement, and where a customer socket now is when the call moved it. */
export interface Reply<E extends CallName> {
  result: CallResults[E];
  place?: CustomerPlace;
}

/** Who may make a call is the policy's (server/domain/policy.ts); an entry only says what the call does. */
export interface CallRoute<E extends CallName> {
  handle(ctx: CallContext, input: CallInput<E>): Promise<Reply<E>>;
}

/** One entry per call of the contract: a call without a handler does not compile. */
export type CallRoutes = { [E in CallName]: CallRoute<E> };

/** The socket calls of PROTOCOL.md §3.2, wired to the engine's use cases. */
export function callRoutes(hub: Hub): CallRoutes {
  return {
    'message.send': {
      handle: async (ctx, input) => {
        if (ctx.actor.role !== 'customer') return ok({ activity: await hub.participants.message(ctx, input) });
        const { activity, place } = await hub.customers.message(customer(ctx), input);
        return { result: { activity }, place };
      },
    },
    typing: {
      handle: async (ctx, input) => {
        const own = ctx.actor.role === 'customer' ? customer(ctx).place.conversationId : undefined;
        if (own && input.conversationId && input.conversationId !== own) throw forbidden('not your conversation');
        const conversationId = own ?? input.conversationId;
        if (!conversationId) throw badField('conversationId', 'required');
        await hub.participants.typing(ctx, conversationId, input.typing);
        return ok({});
      },
    },
    'activities.since': { handle: async (ctx, input) => ok(await hub.reads.since(ctx.actor, input)) },
    'session.end': {
      handle: async (ctx) => {
        await hub.customers.end(customer(ctx));
        return ok({});
      },
    },
    'whisper.send': { handle: async (ctx, input) => ok({ activity: await hub.participants.whisper(ctx, input) }) },
    'custom.send': { handle: async (ctx, input) => ok({ activity: await hub.participants.custom(ctx, input) }) },
    'suggestion.send': { handle: async (ctx, input) => ok({ activity: await hub.participants.suggestion(ctx, input) }) },
    'handoff.request': { handle: async (ctx, input) => ok({ task: await hub.participants.handoff(ctx, input) }) },
    'agent.state': { handle: async (ctx, input) => ok({ state: await hub.agents.setState(ctx, input) }) },
    'task.accept': { handle: async (ctx, input) => ok({ conversation: await hub.tasks.accept(ctx, input.taskId) }) },
    'task.reject': {
      handle: async (ctx, input) => {
        await hub.tasks.reject(ctx, input.taskId);
        return ok({});
      },
    },
    'queue.list': { handle: async (ctx, input) => ok({ tasks: await hub.tasks.queue(ctx, input.listId) }) },
    'task.pull': { handle: async (ctx, input) => ok({ conversation: await hub.tasks.pull(ctx, input.taskId) }) },
    'conversation.transfer': { handle: async (ctx, input) => ok({ task: await hub.tasks.transfer(ctx, input) }) },
    'wrapup.submit': {
      handle: async (ctx, input) => {
        await hub.tasks.submitWrapUp(ctx, input);
        return ok({});
      },
    },
    'customer.history': { handle: async (ctx, input) => ok({ conversations: await hub.reads.customerHistory(ctx.actor, input) }) },
    'connector.inbound': { handle: async (ctx, input) => ok(await hub.connectors.inbound(connector(ctx), input)) },
    'connector.session.end': {
      handle: async (ctx, input) => {
        await hub.connectors.sessionEnd(connector(ctx), input);
        return ok({});
      },
    },
    'conversation.join': { handle: async (ctx, input) => ok({ conversation: await hub.participants.join(ctx, input.conversationId) }) },
    'conversation.leave': {
      handle: async (ctx, input) => {
        await hub.participants.leave(ctx, input.conversationId);
        return ok({});
      },
    },
    'conversation.end': {
      handle: async (ctx, input) => {
        await hub.tasks.end(ctx, input);
        return ok({});
      },
    },
    'conversation.reassign': { handle: async (ctx, input) => ok({ task: await hub.supervisors.reassign(ctx, input) }) },
    'supervisor.watch': { handle: async (ctx) => ok({ dashboard: await hub.supervisors.watch(ctx) }) },
    'supervisor.unwatch': {
      handle: async (ctx) => {
        await hub.supervisors.unwatch(ctx);
        return ok({});
      },
    },
    'supervisor.agent.state': {
      handle: async (ctx, input) => {
        await hub.supervisors.forceNotReady(ctx, input);
        return ok({ state: 'not_ready' });
      },
    },
    // Issue 14 (PROTOCOL.md §1.7): wired as their use cases land.
    'read.update': { handle: async (ctx, input) => ok(await hub.receipts.update(ctx, input)) },
    'conversation.data.set': { handle: async (ctx, input) => ok({ activity: await hub.data.set(ctx, input) }) },
    'conversation.start': { handle: async (ctx, input) => ok({ conversation: await hub.outbound.start(ctx, input) }) },
    'template.send': { handle: async (ctx, input) => ok({ activity: await hub.participants.template(ctx, input) }) },
  };
}

function ok<E extends CallName>(result: CallResults[E]): Reply<E> {
  return { result };
}

/** A customer's call needs the session its connection opened. */
function customer(ctx: CallContext): CallContext & { actor: CustomerActor; place: CustomerPlace } {
  if (ctx.actor.role !== 'customer') throw forbidden('customers only');
  if (!ctx.place) throw conflict('the customer session is not open');
  return ctx as CallContext & { actor: CustomerActor; place: CustomerPlace };
}

function connector(ctx: CallContext): CallContext & { actor: ConnectorActor } {
  if (ctx.actor.role !== 'connector') throw forbidden('connectors only');
  return ctx as CallContext & { actor: ConnectorActor };
}

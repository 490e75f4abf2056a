import type { Activity, CallInput } from '@conversation-hub/client-sdk/contract';
import { participantRole } from '../domain/actor.js';
import { fromOf } from '../domain/conversation.js';
import { badField } from '../domain/errors.js';
import { hasNonFinite, setData } from '../domain/receipts.js';
import type { CallContext } from './context.js';
import type { EngineCore } from './core.js';

/** `conversation.data.set`: a value kept on the conversation, a `data.changed` for the agents, in views and the archive. */
export class ConversationData {
  constructor(private readonly e: EngineCore) {}

  async set(ctx: CallContext, input: CallInput<'conversation.data.set'>): Promise<Activity> {
    // jsonb (and JSON) hold finite numbers only: refused here, never later in the archive.
    if (hasNonFinite(input.value)) throw badField('value', 'numbers must be finite');
    await this.e.reads.requireParticipant(input.conversationId, ctx.actor.id);
    const from = fromOf({ ...ctx.actor, role: participantRole(ctx.actor) });
    const c = await this.e.pipeline.update(ctx, input.conversationId, setData(input.key, input.value, from, this.e.iso()));
    return c.activities[0]!;
  }
}

import type { CallInput, ReceiptStatus } from '@conversation-hub/client-sdk/contract';
import { badField, forbidden, notFound } from '../domain/errors.js';
import { moveHorizon, type MoveResult } from '../domain/receipts.js';
import { relationTo } from '../domain/relation.js';
import type { Committed } from '../ports.js';
import { authorize } from './authorize.js';
import type { CallContext, RunContext } from './context.js';
import type { EngineCore } from './core.js';

/**
 * Read horizons and receipts (PROTOCOL.md §1.7.4): a participant's `read.update`, a channel's
 * delivered/read statuses of the customer. The horizon is a doc change run by the pipeline (no
 * activity); the `receipt` push follows the commit, on the node that committed, once per real move.
 */
export class Receipts {
  constructor(private readonly e: EngineCore) {}

  async update(ctx: CallContext, input: CallInput<'read.update'>): Promise<{ seq: number }> {
    const { actor } = ctx;
    let conversationId = input.conversationId;
    if (actor.role === 'customer') {
      // A customer's own conversation, like message.send: the id may be left out.
      const own = ctx.place?.conversationId ?? (await this.e.d.store.openConversationOf(actor.id));
      if (conversationId && conversationId !== own) {
        const other = await this.e.d.store.get(conversationId);
        authorize('read.update', actor, other?.doc.customerId === actor.id ? 'own' : 'other', { hide: 'conversation' });
      }
      conversationId ??= own ?? undefined;
    }
    if (!conversationId) throw badField('conversationId', 'required');
    const stored = await this.e.d.store.get(conversationId);
    if (!stored) throw notFound('conversation');
    // Who is in it now: the activities (a past join, an offer) give no read horizon.
    authorize('read.update', actor, relationTo({ ...stored.doc, activities: [] }, actor.id));
    return this.move(ctx, conversationId, actor.id, input.seq, 'read', stored.lastSeq);
  }

  /** A channel connector reports the customer's delivered or read horizon (WhatsApp statuses): receipts to the agents. */
  async fromChannel(conversationId: string, customerId: string, seq: number, status: ReceiptStatus): Promise<{ seq: number }> {
    const stored = await this.e.d.store.get(conversationId);
    if (!stored) throw notFound('conversation');
    if (stored.doc.customerId !== customerId) throw forbidden('not this conversation’s customer');
    return this.move({}, conversationId, customerId, Math.min(seq, stored.lastSeq), status, stored.lastSeq);
  }

  private async move(ctx: RunContext, conversationId: string, participantId: string, seq: number, status: ReceiptStatus, lastSeq: number): Promise<{ seq: number }> {
    // Refused rather than clamped: a horizon past the last activity names something that does not exist yet.
    if (seq > lastSeq) throw badField('seq', `at most the conversation's lastSeq (${lastSeq})`);
    const c = await this.e.pipeline.update(ctx, conversationId, moveHorizon(participantId, seq, status), {
      // The push is the pipeline's, once per real move, on the node that committed it.
      then: (w) => {
        const r = (w.result as Committed<MoveResult>).result;
        if (!r.moved || !w.doc) return [];
        return [{ kind: 'push.receipt', conversationId, doc: w.doc, receipt: { conversationId, participantId, seq: status === 'read' ? r.seq : seq, status } }];
      },
    });
    return { seq: c.result.seq };
  }
}

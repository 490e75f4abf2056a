import type { Activity, AgentTask, CallInput, ConversationView } from '@conversation-hub/client-sdk/contract';
import { participantRole } from '../domain/actor.js';
import { announce, canSee, draft, fromOf, join, leave, participant } from '../domain/conversation.js';
import { badField, conflict, HubError, notFound } from '../domain/errors.js';
import { isOpenAt } from '../domain/business-hours.js';
import { isPending } from '../domain/routing-rules.js';
import { templatePayload } from '../domain/outbound.js';
import { authorize } from './authorize.js';
import type { CallContext } from './context.js';
import type { EngineCore } from './core.js';
import type { StoredConversation } from '../ports.js';
import { requireOpenWindow } from './service-window.js';

/** Agents, supervisors, bots and apps in a conversation: what they say, joining and leaving, a bot's handoff. */
export class Participants {
  constructor(private readonly e: EngineCore) {}

  /** A message from a participant (not a customer): the store checks they are in the conversation, in the same append. */
  async message(ctx: CallContext, input: CallInput<'message.send'>): Promise<Activity> {
    if (!input.conversationId) throw badField('conversationId', 'required');
    if (input.quickReplies && ctx.actor.role !== 'bot') throw new HubError('forbidden', 'quickReplies: bots only', { field: 'quickReplies' });
    const payload = { text: input.text, ...(input.attachments ? { attachments: input.attachments } : {}), ...(input.quickReplies?.length ? { quickReplies: input.quickReplies } : {}) };
    const from = fromOf({ ...ctx.actor, role: participantRole(ctx.actor) });
    const stored = await this.e.d.store.get(input.conversationId);
    if (stored) await requireOpenWindow(this.e, stored.doc);
    await this.bargeIn(ctx, input.conversationId, stored);
    return this.say(ctx, draft(input.conversationId, 'message', 'all', from, payload, this.e.iso(), { clientMessageId: input.clientMessageId }));
  }

  /**
   * A template message (PROTOCOL.md §1.7): a `message` whose payload names the template, for the
   * connector to send as the channel's template (WhatsApp's, outside its 24-hour window).
   */
  async template(ctx: CallContext, input: CallInput<'template.send'>): Promise<Activity> {
    const { conversationId, name, language, components, clientMessageId } = input;
    const payload = templatePayload({ name, language, ...(components ? { components } : {}) });
    const from = fromOf({ ...ctx.actor, role: participantRole(ctx.actor) });
    await this.bargeIn(ctx, conversationId);
    return this.say(ctx, draft(conversationId, 'message', 'all', from, payload, this.e.iso(), clientMessageId ? { clientMessageId } : {}));
  }

  async whisper(ctx: CallContext, input: CallInput<'whisper.send'>): Promise<Activity> {
    const from = fromOf({ ...ctx.actor, role: participantRole(ctx.actor) });
    return this.say(ctx, draft(input.conversationId, 'whisper', 'agents', from, { text: input.text }, this.e.iso()));
  }

  async suggestion(ctx: CallContext, input: CallInput<'suggestion.send'>): Promise<Activity> {
    const payload = input.confidence === undefined ? { text: input.text } : { text: input.text, confidence: input.confidence };
    return this.say(ctx, draft(input.conversationId, 'suggestion', 'agents', fromOf({ ...ctx.actor, role: 'bot' }), payload, this.e.iso()));
  }

  async custom(ctx: CallContext, input: CallInput<'custom.send'>): Promise<Activity> {
    if (input.visibility === 'all') await this.bargeIn(ctx, input.conversationId);
    const from = fromOf({ ...ctx.actor, role: participantRole(ctx.actor) });
    return this.say(ctx, draft(input.conversationId, 'custom', input.visibility, from, input.payload, this.e.iso()));
  }

  /** Typing is relayed, never stored. */
  async typing(ctx: CallContext, conversationId: string, typing: boolean): Promise<void> {
    if (ctx.actor.role !== 'customer') {
      const doc = await this.e.reads.requireParticipant(conversationId, ctx.actor.id);
      // Typing would give a silent monitor away.
      if (doc.silent?.includes(ctx.actor.id)) return;
    }
    this.e.d.fanout.typing({ conversationId, from: fromOf({ ...ctx.actor, role: participantRole(ctx.actor) }), typing });
  }

  /** A bot hands over to a human: the handoff (transcript, intent, sentiment) for the agents, then a task. */
  async handoff(ctx: CallContext, input: CallInput<'handoff.request'>, reason?: string): Promise<AgentTask> {
    await this.e.reads.requireParticipant(input.conversationId, ctx.actor.id);
    if ((await this.e.d.routing.tasksOf(input.conversationId)).some(isPending)) throw conflict('a task for this conversation is already waiting');
    const stored = await this.e.d.store.get(input.conversationId);
    const { conversationId, listId, skills, ...rest } = input;
    // The bot answers first: its part is the conversation from its first activity to the handoff.
    const transcript = { transcriptFromSeq: 1, transcriptSeq: stored?.lastSeq ?? 0 };
    const payload = { ...rest, ...(skills?.length ? { skills } : {}), ...(reason ? { reason } : {}), ...transcript };
    const d = draft(conversationId, 'handoff', 'agents', fromOf({ ...ctx.actor, role: 'bot' }), payload, this.e.iso());
    const event = { type: 'handoff.requested' as const, ...(listId ? { listId } : {}), ...(skills?.length ? { skills } : {}) };
    const { tasks } = await this.e.pipeline.append(ctx, d, { events: [event] });
    const task = tasks[0];
    if (task) return task;
    // Outside business hours the Controller told the customer and defers the task to the opening.
    const hours = stored ? (await this.e.reads.channelOfDoc(stored.doc))?.businessHours : undefined;
    if (hours && !isOpenAt(hours, this.e.now())) throw conflict('the channel is closed: the task is created at the next opening', { reason: 'closed' });
    throw conflict('the conversation needs no agent (the customer has gone or an agent has it)');
  }

  /**
   * Supervisors and apps join to monitor: they see everything. A supervisor joins silently: the
   * agents' side sees it join, the customer nothing until it speaks (barge-in).
   */
  async join(ctx: CallContext, conversationId: string): Promise<ConversationView> {
    const role = participantRole(ctx.actor);
    if (ctx.actor.role === 'app') {
      // An app joins only the conversations of channels that name it.
      const channel = await this.e.reads.channelOf(conversationId);
      authorize('conversation.join', ctx.actor, channel?.apps.includes(ctx.actor.id) ? 'channel-app' : 'other');
    }
    const now = this.e.iso();
    await this.e.pipeline.update(ctx, conversationId, join(participant(ctx.actor.id, role, ctx.actor.name, now), undefined, now, { silent: role === 'supervisor' }));
    // Joining twice wrote nothing: the caller's new socket still joins the rooms.
    await this.e.d.fanout.join(ctx.actor.id, conversationId, canSee(role, 'agents'));
    return this.e.reads.view(conversationId, role);
  }

  async leave(ctx: CallContext, conversationId: string, reason?: string): Promise<void> {
    const c = await this.e.pipeline.update(ctx, conversationId, leave(ctx.actor.id, reason, this.e.iso()));
    if (!c.result.left) throw notFound('participant in conversation');
  }

  /** A silent monitor about to speak to everyone is announced to the customer first. */
  private async bargeIn(ctx: CallContext, conversationId: string, read?: StoredConversation | null): Promise<void> {
    if (ctx.actor.role !== 'supervisor') return;
    const stored = read !== undefined ? read : await this.e.d.store.get(conversationId);
    if (stored?.doc.silent?.includes(ctx.actor.id)) await this.e.pipeline.update(ctx, conversationId, announce(ctx.actor.id, this.e.iso()));
  }

  /** Appends what the caller said; the caller's acknowledgement carries it back. */
  private async say(ctx: CallContext, d: ReturnType<typeof draft>): Promise<Activity> {
    return (await this.e.pipeline.append(ctx, d, { options: { participantId: ctx.actor.id }, acked: true })).activity;
  }
}

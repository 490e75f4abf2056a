import { Limits, type Activity, type CallInput, type Channel, type ConversationView, type ParticipantRole } from '@conversation-hub/client-sdk/contract';
import { participantRole, type Actor } from '../domain/actor.js';
import { isJoinable } from '../domain/conversation-state.js';
import { canSee, toConversation, type ConversationDoc } from '../domain/conversation.js';
import { forbidden, notFound } from '../domain/errors.js';
import { relationOf, relationTo } from '../domain/relation.js';
import { authorize } from './authorize.js';
import type { EngineDeps } from './context.js';

/** How many recent activities the `conversation` push carries. */
const VIEW_ACTIVITIES = 50;
const DEFAULT_INACTIVITY_SECONDS = 900;

/** The read side: views of a conversation as a role may see it, catch-up, history, and channel lookups. */
export class Reads {
  constructor(private readonly d: EngineDeps) {}

  /**
   * The conversation with its last activities the role may see; `whole`: every one of them, however
   * many: an agent's first push (offer, accept, pull) holds the bot's part and all since, so nobody
   * asks the customer again.
   */
  async view(conversationId: string, role: ParticipantRole, opts: { whole?: boolean; viewer?: string } = {}): Promise<ConversationView> {
    const stored = await this.d.store.get(conversationId);
    if (!stored) throw notFound('conversation');
    const conversation = toConversation(stored.doc, stored.lastSeq, role);
    if (opts.whole && stored.lastSeq > VIEW_ACTIVITIES) return withUnread({ ...conversation, activities: (await this.visibleSince(conversationId, role, 0, Infinity)).activities }, stored.doc, opts.viewer);
    const from = Math.max(0, stored.lastSeq - VIEW_ACTIVITIES);
    const { activities } = await this.d.store.since(conversationId, from, VIEW_ACTIVITIES);
    return withUnread({ ...conversation, activities: activities.filter((a) => canSee(role, a.visibility)) }, stored.doc, opts.viewer);
  }

  /** Activities after a seq that this actor may see; live first, then the archive. */
  async since(actor: Actor, input: CallInput<'activities.since'>): Promise<{ activities: Activity[]; lastSeq: number }> {
    const role = participantRole(actor);
    const limit = input.limit ?? Limits.sinceLimitDefault;
    const stored = await this.d.store.get(input.conversationId);
    if (!stored) {
      const archived = await this.d.archive.find(input.conversationId);
      authorize('activities.since', actor, archived ? relationOf(actor, archived) : 'other', { hide: 'conversation' });
      const activities = archived!.activities.filter((a) => a.seq > input.afterSeq && canSee(role, a.visibility));
      return { activities: activities.slice(0, limit), lastSeq: archived!.lastSeq };
    }
    authorize('activities.since', actor, relationOf(actor, { ...stored.doc, activities: [] }), { hide: 'conversation' });
    return this.visibleSince(input.conversationId, role, input.afterSeq, limit);
  }

  /** The customer's conversations, archived ones included, newest first: supervisors all, agents those of customers they serve or were offered. */
  async customerHistory(actor: Actor, input: CallInput<'customer.history'>): Promise<ConversationView[]> {
    const limit = input.limit ?? 10;
    const archived = await this.d.archive.history(input.customerId, limit);
    const liveId = await this.d.store.openConversationOf(input.customerId);
    // An agent's right may come from the live conversation even when it is not answered.
    const live = liveId && (actor.role !== 'supervisor' || !input.closedOnly) ? [await this.view(liveId, 'agent')] : [];
    if (actor.role !== 'supervisor') {
      const liveTasks = liveId ? await this.d.routing.tasksOf(liveId) : [];
      const relations = [...live, ...archived].map((v) => relationTo(v, actor.id));
      const offered = liveTasks.some((t) => t.agentId === actor.id);
      authorize('customer.history', actor, relations.includes('participant') ? 'participant' : offered || relations.includes('offered') ? 'offered' : 'other');
    }
    return [...(input.closedOnly ? [] : live), ...archived].slice(0, limit);
  }

  /** The conversations a (re)connecting participant is in, each as the `conversation` push; its sockets rejoin their rooms. */
  async viewsFor(actor: Actor): Promise<ConversationView[]> {
    const role = participantRole(actor);
    const ids = role === 'customer' ? [await this.d.store.openConversationOf(actor.id)] : await this.d.store.conversationsOf(actor.id);
    const views: ConversationView[] = [];
    for (const id of ids) {
      if (!id) continue;
      await this.d.fanout.join(actor.id, id, canSee(role, 'agents'));
      views.push(await this.view(id, role, { viewer: actor.id }));
    }
    return views;
  }

  /** The live, joinable conversation, when the caller is in it. */
  async requireParticipant(conversationId: string, participantId: string): Promise<ConversationDoc> {
    const stored = await this.d.store.get(conversationId);
    if (!stored || !isJoinable(stored.doc.state)) throw notFound('conversation');
    if (!stored.doc.participants.some((p) => p.id === participantId)) throw forbidden('not a participant of this conversation');
    return stored.doc;
  }

  /** The channel the customer came in on last: its controller settings and timeouts apply. */
  async channelOf(conversationId: string): Promise<Channel | null> {
    const stored = await this.d.store.get(conversationId);
    return stored ? this.channelOfDoc(stored.doc) : null;
  }

  async channelOfDoc(doc: ConversationDoc): Promise<Channel | null> {
    const last = doc.channelSessions.at(-1);
    return last ? this.d.channels.byServiceIdentifier(last.serviceIdentifier) : null;
  }

  async inactivitySeconds(doc: ConversationDoc): Promise<number> {
    return this.d.inactivityOverrideSeconds ?? (await this.channelOfDoc(doc))?.customerInactivityTimeoutSeconds ?? DEFAULT_INACTIVITY_SECONDS;
  }

  /** The inactivity timeout of one session's channel. */
  async sessionInactivitySeconds(serviceIdentifier: string): Promise<number> {
    return this.d.inactivityOverrideSeconds ?? (await this.d.channels.byServiceIdentifier(serviceIdentifier))?.customerInactivityTimeoutSeconds ?? DEFAULT_INACTIVITY_SECONDS;
  }

  private async visibleSince(conversationId: string, role: ParticipantRole, afterSeq: number, limit: number) {
    const out: Activity[] = [];
    let cursor = afterSeq;
    for (;;) {
      const page = await this.d.store.since(conversationId, cursor, Limits.sinceLimitMax);
      for (const a of page.activities) if (canSee(role, a.visibility) && out.length < limit) out.push(a);
      const last = page.activities.at(-1);
      if (!last || out.length >= limit || last.seq >= page.lastSeq) return { activities: out, lastSeq: page.lastSeq };
      cursor = last.seq;
    }
  }
}

/** The viewer's unread count: the messages of others after its read horizon, among those the view holds (at most its last 50). */
function withUnread(view: ConversationView, doc: ConversationDoc, viewer: string | undefined): ConversationView {
  if (!viewer) return view;
  const read = doc.reads?.[viewer]?.read ?? 0;
  const unread = view.activities.filter((a) => a.type === 'message' && a.seq > read && a.from.id !== viewer).length;
  return { ...view, unread };
}

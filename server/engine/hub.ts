import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  Limits,
  type Activity,
  type CallInput,
  type ChannelData,
  type ConversationView,
  type ParticipantRole,
} from '../../client-sdk/src/contract/index.js';
import type { Actor } from '../auth/tokens.js';
import {
  canSee,
  closeSession,
  draft,
  fromOf,
  join,
  leave,
  markClosed,
  openSession,
  participant,
  toConversation,
  type ConversationDoc,
} from '../domain/conversation.js';
import { isJoinable } from '../domain/conversation-state.js';
import { badRequest, forbidden, HubError, notFound } from '../domain/errors.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { Committed, ConversationStore } from '../store/conversation-store.js';
import type { Archive, ChannelDirectory, CustomerDirectory, Fanout } from './ports.js';

export interface HubDeps {
  store: ConversationStore;
  scheduler: Scheduler;
  channels: ChannelDirectory;
  customers: CustomerDirectory;
  archive: Archive;
  fanout: Fanout;
  log: Logger;
  /** Overrides every channel's inactivity timeout (tests, demos). */
  inactivityOverrideSeconds?: number;
}

/** Where a customer socket is: cached by the transport, refreshed by the engine when it moves. */
export interface CustomerPlace {
  conversationId: string;
  channelSessionId: string;
}

interface InactivityData {
  conversationId: string;
}

/** How many recent activities the `conversation` push carries. */
const VIEW_ACTIVITIES = 50;

const nowIso = () => new Date().toISOString();

/**
 * The hub's use cases, independent of the network listener: the transport authenticates and
 * validates, then calls these with the actor. Every change goes through the store as one atomic
 * step; what it committed is then fanned out.
 */
export class Hub {
  constructor(private readonly d: HubDeps) {
    d.scheduler.handle<InactivityData>('inactivity', (t) => this.onInactivity(t.key, t.data));
    d.scheduler.handle<{ conversationId: string }>('archive', (t) => this.onArchive(t.data.conversationId), {
      attempts: 1_000,
      backoffMs: 500,
      maxBackoffMs: 30_000,
    });
  }

  // ---- customers ------------------------------------------------------------------------

  /** A customer socket connected: open (or reuse) their session and join their conversation. */
  async connectCustomer(actor: Actor, channelData: ChannelData): Promise<{ place: CustomerPlace; view: ConversationView }> {
    const serviceIdentifier = actor.serviceIdentifier!;
    const place = await this.openCustomerSession(actor, serviceIdentifier, channelData);
    return { place, view: await this.view(place.conversationId, 'customer') };
  }

  /** Opens the customer's session on a channel, in their open conversation or a new one. */
  async openCustomerSession(
    customer: { id: string; name?: string },
    serviceIdentifier: string,
    channelData: ChannelData,
    extra: { customerIdentifier?: string } = {},
  ): Promise<CustomerPlace> {
    const channel = await this.d.channels.byServiceIdentifier(serviceIdentifier);
    if (!channel) throw notFound(`channel ${serviceIdentifier}`);
    const c = await this.d.store.updateForCustomer(
      customer.id,
      openSession({
        newConversationId: randomUUID(),
        customer,
        serviceIdentifier,
        channelType: channel.channelType,
        channelData: extra.customerIdentifier ? { ...channelData, customerIdentifier: extra.customerIdentifier } : channelData,
        wrapUp: channel.wrapUp,
        now: nowIso(),
      }),
    );
    const { channelSession, sessionCreated } = c.result;
    await this.d.fanout.join(customer.id, c.doc.id, false);
    if (sessionCreated) {
      const timeout = this.d.inactivityOverrideSeconds ?? channel.customerInactivityTimeoutSeconds;
      await this.d.scheduler.set<InactivityData>('inactivity', channelSession.id, Date.parse(channelSession.openedAt) + timeout * 1000, {
        conversationId: c.doc.id,
      });
    }
    await this.afterCommit(c);
    return { conversationId: c.doc.id, channelSessionId: channelSession.id };
  }

  /**
   * A customer's message, on the hot path: one append when their session is open; when it has
   * closed (inactivity) or the conversation has moved on, the session is opened again first.
   */
  async customerMessage(actor: Actor, place: CustomerPlace, input: CallInput<'message.send'>): Promise<Activity> {
    if (input.conversationId && input.conversationId !== place.conversationId) throw forbidden('not your conversation');
    const payload = input.attachments ? { text: input.text, attachments: input.attachments } : { text: input.text };
    for (let attempt = 0; ; attempt++) {
      const d = draft(place.conversationId, 'message', 'all', fromOf({ ...actor, role: 'customer' }), payload, nowIso(), {
        clientMessageId: input.clientMessageId,
        channelSessionId: place.channelSessionId,
      });
      try {
        const { activity, duplicate } = await this.d.store.append(place.conversationId, d, { sessionId: place.channelSessionId });
        if (!duplicate) this.fanoutActivities([activity]);
        return activity;
      } catch (err) {
        if (attempt > 0 || !isMovedOn(err)) throw err;
        Object.assign(place, await this.openCustomerSession(actor, actor.serviceIdentifier!, {}));
        // Every tab of the customer moves to the (maybe new) conversation.
        this.d.fanout.toParticipant(actor.id, 'conversation', await this.view(place.conversationId, 'customer'));
      }
    }
  }

  /** `session.end`: the customer leaves this channel. */
  async endSession(place: CustomerPlace): Promise<void> {
    await this.closeChannelSession(place.conversationId, place.channelSessionId, 'customer_left');
  }

  // ---- participants ---------------------------------------------------------------------

  /** A participant (not a customer) sends a message: they must be in the conversation. */
  async participantMessage(actor: Actor, input: CallInput<'message.send'>): Promise<Activity> {
    if (!input.conversationId) throw badRequest('conversationId: required', { field: 'conversationId' });
    const role = participantRole(actor);
    await this.requireParticipant(input.conversationId, actor.id);
    const payload = input.attachments ? { text: input.text, attachments: input.attachments } : { text: input.text };
    return this.appendOne(
      draft(input.conversationId, 'message', 'all', fromOf({ ...actor, role }), payload, nowIso(), { clientMessageId: input.clientMessageId }),
    );
  }

  async whisper(actor: Actor, input: CallInput<'whisper.send'>): Promise<Activity> {
    await this.requireParticipant(input.conversationId, actor.id);
    return this.appendOne(draft(input.conversationId, 'whisper', 'agents', fromOf({ ...actor, role: participantRole(actor) }), { text: input.text }, nowIso()));
  }

  async custom(actor: Actor, input: CallInput<'custom.send'>): Promise<Activity> {
    await this.requireParticipant(input.conversationId, actor.id);
    return this.appendOne(draft(input.conversationId, 'custom', input.visibility, fromOf({ ...actor, role: participantRole(actor) }), input.payload, nowIso()));
  }

  /** Supervisors and apps join to monitor: they see everything, customers see that they joined. */
  async join(actor: Actor, conversationId: string): Promise<ConversationView> {
    const role = participantRole(actor);
    const c = await this.d.store.update(conversationId, join(participant(actor.id, role, actor.name, nowIso()), undefined, nowIso()));
    await this.d.fanout.join(actor.id, conversationId, canSee(role, 'agents'));
    await this.afterCommit(c);
    return this.view(conversationId, role);
  }

  async leave(actor: Actor, conversationId: string, reason?: string): Promise<void> {
    const c = await this.d.store.update(conversationId, leave(actor.id, reason, nowIso()));
    if (!c.result.left) throw notFound('participant in conversation');
    await this.afterCommit(c);
    await this.d.fanout.leave(actor.id, conversationId);
  }

  /** Typing is relayed, never stored. */
  async typing(actor: Actor, conversationId: string, typing: boolean): Promise<void> {
    if (actor.role !== 'customer') await this.requireParticipant(conversationId, actor.id);
    this.d.fanout.typing({ conversationId, from: fromOf({ ...actor, role: participantRole(actor) }), typing });
  }

  /** Activities after a seq that this actor may see; live first, then the archive. */
  async since(actor: Actor, input: CallInput<'activities.since'>): Promise<{ activities: Activity[]; lastSeq: number }> {
    const role = participantRole(actor);
    const stored = await this.d.store.get(input.conversationId);
    if (!stored) {
      const archived = await this.d.archive.find(input.conversationId);
      if (!archived || !wasIn(archived, actor.id)) throw notFound('conversation');
      const activities = archived.activities.filter((a) => a.seq > input.afterSeq && canSee(role, a.visibility));
      return { activities: activities.slice(0, input.limit ?? Limits.sinceLimitDefault), lastSeq: archived.lastSeq };
    }
    if (!stored.doc.participants.some((p) => p.id === actor.id) && !(role === 'customer' && stored.doc.customerId === actor.id)) {
      throw notFound('conversation');
    }
    return this.visibleSince(input.conversationId, role, input.afterSeq, input.limit ?? Limits.sinceLimitDefault);
  }

  /** The conversations a reconnecting participant is in, each as the `conversation` push. */
  async viewsFor(actor: Actor): Promise<ConversationView[]> {
    const role = participantRole(actor);
    const ids = role === 'customer' ? [await this.d.store.openConversationOf(actor.id)] : await this.d.store.conversationsOf(actor.id);
    const views: ConversationView[] = [];
    for (const id of ids) {
      if (!id) continue;
      await this.d.fanout.join(actor.id, id, canSee(role, 'agents'));
      views.push(await this.view(id, role));
    }
    return views;
  }

  // ---- timers ---------------------------------------------------------------------------

  /** Inactivity: closes the session unless the customer spoke since the timer was set. */
  private async onInactivity(sessionId: string, data: InactivityData): Promise<void | { rearmAt: number }> {
    const stored = await this.d.store.get(data.conversationId);
    const session = stored?.doc.channelSessions.find((s) => s.id === sessionId);
    if (!stored || !session || session.state !== 'open') return;
    const channel = await this.d.channels.byServiceIdentifier(session.serviceIdentifier);
    const timeoutMs = (this.d.inactivityOverrideSeconds ?? channel?.customerInactivityTimeoutSeconds ?? 900) * 1000;
    const dueAt = (stored.sessionActivity[sessionId] ?? Date.parse(session.openedAt)) + timeoutMs;
    if (dueAt > Date.now() + 5) return { rearmAt: dueAt };
    await this.closeChannelSession(data.conversationId, sessionId, 'inactivity');
  }

  /** Closing: the archive gets everything before the live state goes (nothing is lost if it fails). */
  private async onArchive(conversationId: string): Promise<void> {
    const stored = await this.d.store.get(conversationId);
    if (!stored) return; // another node finished it
    if (stored.doc.state !== 'closing' && stored.doc.state !== 'closed') return;
    const activities = await this.d.store.all(conversationId);
    await this.d.archive.save({ ...toConversation(stored.doc, stored.lastSeq), state: 'closed' }, activities, []);
    const c = await this.d.store.update(conversationId, markClosed(nowIso()));
    this.fanoutActivities(c.activities);
    await this.d.store.remove(conversationId);
    this.d.log.debug({ conversationId, activities: activities.length }, 'conversation archived');
  }

  // ---- shared steps ---------------------------------------------------------------------

  async closeChannelSession(conversationId: string, sessionId: string, reason: 'customer_left' | 'inactivity' | 'controller' | 'connector'): Promise<void> {
    const c = await this.d.store.update(conversationId, closeSession(sessionId, reason, nowIso()));
    if (c.result.closed) await this.d.scheduler.cancel('inactivity', sessionId);
    await this.afterCommit(c);
  }

  private async appendOne(d: Parameters<ConversationStore['append']>[1]): Promise<Activity> {
    const { activity, duplicate } = await this.d.store.append(d.conversationId, d);
    if (!duplicate) this.fanoutActivities([activity]);
    return activity;
  }

  /** What every committed change does next: tell the room, and start the archive on `closing`. */
  private async afterCommit(c: Committed<unknown>): Promise<void> {
    this.fanoutActivities(c.activities);
    if (c.doc.state === 'closing' && c.activities.some((a) => a.type === 'state.changed')) {
      await this.d.scheduler.set('archive', c.doc.id, Date.now(), { conversationId: c.doc.id });
    }
  }

  private fanoutActivities(list: Activity[]): void {
    if (list.length > 0) this.d.fanout.activities(list);
  }

  private async requireParticipant(conversationId: string, participantId: string): Promise<ConversationDoc> {
    const stored = await this.d.store.get(conversationId);
    if (!stored || !isJoinable(stored.doc.state)) throw notFound('conversation');
    if (!stored.doc.participants.some((p) => p.id === participantId)) throw forbidden('not a participant of this conversation');
    return stored.doc;
  }

  async view(conversationId: string, role: ParticipantRole): Promise<ConversationView> {
    const stored = await this.d.store.get(conversationId);
    if (!stored) throw notFound('conversation');
    const from = Math.max(0, stored.lastSeq - VIEW_ACTIVITIES);
    const { activities } = await this.d.store.since(conversationId, from, VIEW_ACTIVITIES);
    return { ...toConversation(stored.doc, stored.lastSeq), activities: activities.filter((a) => canSee(role, a.visibility)) };
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

/** The role a token speaks as inside a conversation. */
export function participantRole(actor: Actor): ParticipantRole {
  if (actor.role === 'connector') return 'customer';
  return actor.role;
}

function wasIn(view: ConversationView, participantId: string): boolean {
  return (
    view.customerId === participantId ||
    view.activities.some((a) => a.type === 'participant.joined' && a.payload.participant.id === participantId)
  );
}

/** The customer's session closed or their conversation is closing: open again and retry. */
function isMovedOn(err: unknown): boolean {
  return err instanceof HubError && (err.code === 'not_found' || (err.code === 'conflict' && (err.details as { reason?: string } | undefined)?.reason === 'session_closed'));
}

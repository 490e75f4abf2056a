import { randomUUID } from 'node:crypto';
import type {
  ActivityDraft,
  ActivityFrom,
  ActivityPayloads,
  ActivityType,
  ChannelData,
  ChannelSession,
  Conversation,
  ConversationState,
  Participant,
  ParticipantRole,
  SessionCloseReason,
  Visibility,
} from '@conversation-hub/client-sdk/contract';
import { mergeChannelData } from './channel-data.js';
import { horizonsFor, type Horizon } from './read-horizons.js';
import { computeState, isJoinable } from './conversation-state.js';
import { conflict, notFound } from './errors.js';

/**
 * The live record of one conversation, as the ConversationStore keeps it. Plain JSON, never shared:
 * every transition below returns a new one.
 */
export interface ConversationDoc {
  id: string;
  customerId: string;
  state: ConversationState;
  createdAt: string;
  /** Every session the conversation has had, open and closed, oldest first. */
  channelSessions: ChannelSession[];
  /** Who is in the conversation now. */
  participants: Participant[];
  agentsEverJoined: boolean;
  /** Wrap-up of the channel the customer came in on last. */
  wrapUp: { enabled: boolean; timeoutSeconds: number };
  /** Agents who still owe a wrap-up (state `wrap_up`). */
  wrapUpPending: string[];
  /** Participants monitoring silently (a supervisor's join): the customer sees nothing of them until they speak. */
  silent?: string[];
  /** Each participant's read (and delivered) horizon (receipts.ts). */
  reads?: Record<string, Horizon>;
  /** Agents', bots' and apps' values on the conversation (`conversation.data.set`). */
  data?: Record<string, unknown>;
}

/** What a transition does: the next doc and the activities to append, in order. */
export interface Change<R> {
  doc: ConversationDoc;
  activities: ActivityDraft[];
  result: R;
}

/** A pure function from the current doc to a change; the store runs it atomically, maybe more than once. */
export type Transition<D, R> = (doc: D) => Change<R>;

export const CONTROLLER: ActivityFrom = { id: 'controller', role: 'controller' };

export function draft<T extends ActivityType>(
  conversationId: string,
  type: T,
  visibility: Visibility,
  from: ActivityFrom,
  payload: ActivityPayloads[T],
  at: string,
  extra: { clientMessageId?: string; channelSessionId?: string } = {},
): ActivityDraft {
  return { id: randomUUID(), conversationId, type, visibility, from, at, payload, ...extra } as ActivityDraft;
}

/** The facts-derived state, with a `state.changed` activity when it moved. */
export function settle<R>(before: ConversationState, doc: ConversationDoc, activities: ActivityDraft[], result: R, at: string): Change<R> {
  const state = computeState(
    {
      openCustomerSessions: doc.channelSessions.filter((s) => s.state === 'open').length,
      agentsPresent: doc.participants.filter((p) => p.role === 'agent').length,
      agentsEverJoined: doc.agentsEverJoined,
      wrapUpEnabled: doc.wrapUp.enabled,
      archived: false,
    },
    before,
  );
  if (state === before) return { doc, activities, result };
  const next = { ...doc, state, wrapUpPending: state === 'wrap_up' ? doc.wrapUpPending : [] };
  if (state === 'wrap_up') next.wrapUpPending = doc.participants.filter((p) => p.role === 'agent').map((p) => p.id);
  return { doc: next, activities: [...activities, draft(doc.id, 'state.changed', 'all', CONTROLLER, { from: before, to: state }, at)], result };
}

export function unchanged<R>(doc: ConversationDoc, result: R): Change<R> {
  return { doc, activities: [], result };
}

export interface OpenSessionInput {
  newConversationId: string;
  customer: { id: string; name?: string };
  serviceIdentifier: string;
  channelType: string;
  channelData: ChannelData;
  wrapUp: { enabled: boolean; timeoutSeconds: number };
  now: string;
}

export interface OpenSessionResult {
  channelSession: ChannelSession;
  conversationCreated: boolean;
  sessionCreated: boolean;
}

/**
 * Puts the customer on a channel: reuses their open session on that service (a second tab, a
 * reconnect) or opens one, in their open conversation or a new one.
 */
export function openSession(input: OpenSessionInput): Transition<ConversationDoc | null, OpenSessionResult> {
  return (current) => {
    const { now, customer } = input;
    const conversationCreated = !current || !isJoinable(current.state);
    const doc: ConversationDoc = conversationCreated
      ? {
          id: input.newConversationId,
          customerId: customer.id,
          state: 'created',
          createdAt: now,
          channelSessions: [],
          participants: [],
          agentsEverJoined: false,
          wrapUp: input.wrapUp,
          wrapUpPending: [],
        }
      : current!;
    const existing = doc.channelSessions.find((s) => s.state === 'open' && s.serviceIdentifier === input.serviceIdentifier);
    if (existing) {
      // Channel data sent again (a reconnection, a later message) is merged in; the agents see what changed.
      const merged = mergeChannelData(existing.channelData, input.channelData);
      if (merged.changed.length === 0) return unchanged(doc, { channelSession: existing, conversationCreated, sessionCreated: false });
      const channelSession = { ...existing, channelData: merged.data };
      const next = { ...doc, channelSessions: doc.channelSessions.map((s) => (s.id === existing.id ? channelSession : s)) };
      const updated = draft(doc.id, 'session.updated', 'agents', CONTROLLER, { channelSession, changed: merged.changed }, now, { channelSessionId: existing.id });
      return { doc: next, activities: [updated], result: { channelSession, conversationCreated, sessionCreated: false } };
    }
    const channelSession: ChannelSession = {
      id: randomUUID(),
      conversationId: doc.id,
      customerId: customer.id,
      serviceIdentifier: input.serviceIdentifier,
      channelType: input.channelType,
      channelData: input.channelData,
      state: 'open',
      openedAt: now,
    };
    const participants = doc.participants.some((p) => p.id === customer.id)
      ? doc.participants
      : [...doc.participants, participant(customer.id, 'customer', customer.name, now)];
    const next: ConversationDoc = {
      ...doc,
      channelSessions: [...doc.channelSessions, channelSession],
      participants,
      wrapUp: input.wrapUp,
    };
    const activities = [draft(doc.id, 'session.started', 'all', { id: customer.id, role: 'customer', ...(customer.name ? { name: customer.name } : {}) }, { channelSession }, now)];
    // A new conversation starts in `created`: no state.changed for it.
    return settle(doc.state, next, activities, { channelSession, conversationCreated, sessionCreated: true }, now);
  };
}

/** Closes one channel session; the customer leaves the participants with their last open session. */
export function closeSession(sessionId: string, reason: SessionCloseReason, now: string): Transition<ConversationDoc, { closed: boolean; channelSession?: ChannelSession }> {
  return (doc) => {
    const session = doc.channelSessions.find((s) => s.id === sessionId);
    if (!session) throw notFound('channel session');
    if (session.state === 'closed') return unchanged(doc, { closed: false, channelSession: session });
    const channelSession: ChannelSession = { ...session, state: 'closed', closedAt: now, closeReason: reason };
    const channelSessions = doc.channelSessions.map((s) => (s.id === sessionId ? channelSession : s));
    const stillOpen = channelSessions.some((s) => s.state === 'open');
    const participants = stillOpen ? doc.participants : doc.participants.filter((p) => p.role !== 'customer');
    const next = { ...doc, channelSessions, participants };
    const activities = [draft(doc.id, 'session.closed', 'all', CONTROLLER, { channelSession, reason }, now)];
    return settle(doc.state, next, activities, { closed: true, channelSession }, now);
  };
}

/** Adds a participant (agent, supervisor, bot, app); joining twice changes nothing. */
export function join(p: Participant, reason: string | undefined, now: string, how: { silent?: boolean } = {}): Transition<ConversationDoc, { joined: boolean }> {
  return (doc) => {
    if (!isJoinable(doc.state)) throw conflict(`conversation is ${doc.state}`);
    if (doc.participants.some((x) => x.id === p.id)) return unchanged(doc, { joined: false });
    const next: ConversationDoc = {
      ...doc,
      participants: [...doc.participants, p],
      agentsEverJoined: doc.agentsEverJoined || p.role === 'agent',
      ...(how.silent ? { silent: [...(doc.silent ?? []), p.id] } : {}),
    };
    // A silent join is news for the agents' side only.
    const activities = [draft(doc.id, 'participant.joined', how.silent ? 'agents' : 'all', fromOf(p), reason ? { participant: p, reason } : { participant: p }, now)];
    return settle(doc.state, next, activities, { joined: true }, now);
  };
}

/** Removes a participant; leaving when not in it changes nothing. */
export function leave(participantId: string, reason: string | undefined, now: string): Transition<ConversationDoc, { left: boolean }> {
  return (doc) => {
    const p = doc.participants.find((x) => x.id === participantId);
    if (!p || p.role === 'customer') return unchanged(doc, { left: false });
    const wasSilent = doc.silent?.includes(participantId) === true;
    const next: ConversationDoc = {
      ...doc,
      participants: doc.participants.filter((x) => x.id !== participantId),
      wrapUpPending: doc.wrapUpPending.filter((id) => id !== participantId),
      ...(wasSilent ? { silent: doc.silent!.filter((id) => id !== participantId) } : {}),
    };
    const activities = [draft(doc.id, 'participant.left', wasSilent ? 'agents' : 'all', fromOf(p), reason ? { participant: p, reason } : { participant: p }, now)];
    return settle(doc.state, next, activities, { left: true }, now);
  };
}

export const BARGE_IN = 'barge_in';

/** A silent participant speaks to everyone (barge-in): the customer learns of them first. Nothing when not silent. */
export function announce(participantId: string, now: string): Transition<ConversationDoc, { announced: boolean }> {
  return (doc) => {
    const p = doc.participants.find((x) => x.id === participantId);
    if (!p || !doc.silent?.includes(participantId)) return unchanged(doc, { announced: false });
    const next = { ...doc, silent: doc.silent.filter((id) => id !== participantId) };
    return { doc: next, activities: [draft(doc.id, 'participant.joined', 'all', fromOf(p), { participant: p, reason: BARGE_IN }, now)], result: { announced: true } };
  };
}

/** The `state.changed` to `closed` that ends a conversation: made before the archive, so the archive holds it too. */
export function closedActivity(doc: ConversationDoc, now: string): ActivityDraft {
  return draft(doc.id, 'state.changed', 'all', CONTROLLER, { from: doc.state, to: 'closed' }, now);
}

/** The archive has it: the conversation is closed for good, with the activity the archive was given. */
export function markClosed(closing: ActivityDraft): Transition<ConversationDoc, { closed: boolean }> {
  return (doc) => {
    if (doc.state === 'closed') return unchanged(doc, { closed: false });
    return { doc: { ...doc, state: 'closed' }, activities: [closing], result: { closed: true } };
  };
}

export function participant(id: string, role: ParticipantRole, name: string | undefined, joinedAt: string): Participant {
  return name ? { id, role, name, joinedAt } : { id, role, joinedAt };
}

export function fromOf(p: { id: string; role: ParticipantRole; name?: string }): ActivityFrom {
  return p.name ? { id: p.id, role: p.role, name: p.name } : { id: p.id, role: p.role };
}

/** The wire Conversation (PROTOCOL.md §1). */
export function toConversation(doc: ConversationDoc, lastSeq: number, role?: ParticipantRole): Conversation {
  // A customer does not see who monitors silently.
  const hidden = role === 'customer' && doc.silent?.length ? new Set(doc.silent) : undefined;
  return {
    id: doc.id,
    customerId: doc.customerId,
    state: doc.state,
    channelSessions: doc.channelSessions,
    participants: hidden ? doc.participants.filter((p) => !hidden.has(p.id)) : doc.participants,
    lastSeq,
    createdAt: doc.createdAt,
    ...(doc.reads ? { readHorizons: horizonsFor(doc.reads, hidden) } : {}),
    ...(doc.data && role !== 'customer' ? { data: doc.data } : {}),
  };
}

/** Customers and connectors see `all`; agents, supervisors, bots, apps and the controller see everything. */
export function canSee(role: ParticipantRole | 'connector', visibility: Visibility): boolean {
  return visibility === 'all' || (role !== 'customer' && role !== 'connector');
}

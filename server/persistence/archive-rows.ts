import type { Activity, ActivityFrom, ChannelSession, Participant, ParticipantRole, SessionCloseReason } from '@conversation-hub/client-sdk/contract';
import type { ActivityRow, ChannelSessionRow, ParticipantRow } from './database.js';
import { iso, isoOrUndefined, json, opt } from './sql-util.js';

/** Pure mapping between contract objects and archive rows; no I/O here. */

export interface WrapUpRecord {
  agentId: string;
  codes: string[];
  note?: string;
  submittedAt: string;
}

export function activityToRow(a: Activity) {
  return {
    conversation_id: a.conversationId,
    seq: a.seq,
    id: a.id,
    type: a.type,
    visibility: a.visibility,
    from_id: a.from.id,
    from_role: a.from.role,
    from_name: a.from.name ?? null,
    at: a.at,
    client_message_id: a.clientMessageId ?? null,
    channel_session_id: a.channelSessionId ?? null,
    payload: json(a.payload),
  };
}

export function rowToActivity(r: ActivityRow): Activity {
  const from: ActivityFrom = { id: r.from_id, role: r.from_role as ParticipantRole, ...opt('name', r.from_name) };
  return {
    id: r.id,
    conversationId: r.conversation_id,
    seq: r.seq,
    type: r.type,
    visibility: r.visibility,
    from,
    at: iso(r.at),
    ...opt('clientMessageId', r.client_message_id),
    ...opt('channelSessionId', r.channel_session_id),
    payload: r.payload,
  } as Activity;
}

export function sessionToRow(s: ChannelSession) {
  return {
    id: s.id,
    conversation_id: s.conversationId,
    customer_id: s.customerId,
    service_identifier: s.serviceIdentifier,
    channel_type: s.channelType,
    channel_data: json(s.channelData),
    state: s.state,
    opened_at: s.openedAt,
    closed_at: s.closedAt ?? null,
    close_reason: s.closeReason ?? null,
  };
}

export function rowToSession(r: ChannelSessionRow): ChannelSession {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    customerId: r.customer_id,
    serviceIdentifier: r.service_identifier,
    channelType: r.channel_type,
    channelData: r.channel_data,
    state: r.state,
    openedAt: iso(r.opened_at),
    ...opt('closedAt', isoOrUndefined(r.closed_at)),
    ...opt('closeReason', r.close_reason as SessionCloseReason | null),
  };
}

export function rowToParticipant(r: ParticipantRow): Participant {
  return { id: r.participant_id, role: r.role as ParticipantRole, ...opt('name', r.name), joinedAt: iso(r.joined_at) };
}

interface Presence {
  id: string;
  role: ParticipantRole;
  name?: string;
  joinedAt: string;
  leftAt: string | null;
}

/**
 * Everyone who was ever in the conversation, from the log: participant.joined/left for agents,
 * bots and the rest; session.started/closed for the customer (who is in while any session is
 * open); plus whoever is still listed at archive time. First join and last leave are kept.
 */
export function deriveParticipants(conversationId: string, current: Participant[], activities: Activity[]) {
  const byId = new Map<string, Presence>();
  const openSessions = new Set<string>();
  const join = (p: { id: string; role: ParticipantRole; name?: string }, at: string) => {
    const seen = byId.get(p.id);
    if (!seen) byId.set(p.id, { id: p.id, role: p.role, ...opt('name', p.name), joinedAt: at, leftAt: null });
    else {
      seen.leftAt = null;
      seen.name ??= p.name;
    }
  };
  const leave = (id: string, at: string) => {
    const seen = byId.get(id);
    if (seen) seen.leftAt = at;
  };
  for (const a of [...activities].sort((x, y) => x.seq - y.seq)) {
    if (a.type === 'participant.joined') join(a.payload.participant, a.payload.participant.joinedAt ?? a.at);
    else if (a.type === 'participant.left') leave(a.payload.participant.id, a.at);
    else if (a.type === 'session.started') {
      const s = a.payload.channelSession;
      openSessions.add(s.id);
      join({ id: s.customerId, role: 'customer', ...opt('name', a.from.id === s.customerId ? a.from.name : undefined) }, s.openedAt);
    } else if (a.type === 'session.closed') {
      const s = a.payload.channelSession;
      openSessions.delete(s.id);
      if (openSessions.size === 0) leave(s.customerId, s.closedAt ?? a.at);
    }
  }
  for (const p of current) if (!byId.has(p.id)) join(p, p.joinedAt);
  return [...byId.values()].map((p) => ({
    conversation_id: conversationId,
    participant_id: p.id,
    role: p.role,
    name: p.name ?? null,
    joined_at: p.joinedAt,
    left_at: p.leftAt,
  }));
}

/** One wrap-up per agent: the last `wrapup` activity each agent sent, overridden by explicit records. */
export function deriveWrapUps(conversationId: string, activities: Activity[], explicit: WrapUpRecord[] = []) {
  const byAgent = new Map<string, WrapUpRecord>();
  for (const a of [...activities].sort((x, y) => x.seq - y.seq)) {
    if (a.type === 'wrapup') byAgent.set(a.from.id, { agentId: a.from.id, codes: a.payload.codes, ...opt('note', a.payload.note), submittedAt: a.at });
  }
  for (const w of explicit) byAgent.set(w.agentId, w);
  return [...byAgent.values()].map((w) => ({
    conversation_id: conversationId,
    agent_id: w.agentId,
    codes: json(w.codes ?? []),
    note: w.note ?? null,
    submitted_at: w.submittedAt,
  }));
}

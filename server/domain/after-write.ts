import type { Activity, AgentTask, ConversationState } from '@conversation-hub/client-sdk/contract';
import type { ControllerEvent } from './controller-rules.js';
import type { ConversationDoc } from './conversation.js';
import { canSee } from './conversation.js';

/**
 * What a committed change implies, as pure functions of its activities: who joins or leaves the
 * rooms, which timers move, which agents are freed, which events the Controller hears. The
 * engine's after-write pipeline runs them in that order (server/engine/pipeline.ts).
 */

/** A controller event before the facts the engine looks up for it (`hasOpenTask`, from the routing store). */
export type EventSeed = ControllerEvent extends infer E ? (E extends { hasOpenTask: boolean } ? Omit<E, 'hasOpenTask'> : E) : never;

/** Events the rules need to know whether the conversation has an open task for. */
export function needsOpenTask(seed: EventSeed): boolean {
  return seed.type === 'session.started' || seed.type === 'handoff.requested' || seed.type === 'message.received' || seed.type === 'hours.opened';
}

/**
 * A customer wrote in a conversation its agent left (`inactive`): the Controller hears
 * `message.received` (the reroute rule). `state` is the append's answer, so every other message
 * costs no read. A `created` one (no agent yet) is the bot's, or has its task, or gets one from
 * housekeeping: reading for each of its messages would cost the hot path two round trips.
 */
export function customerWrote(activities: readonly Activity[], state: ConversationState | undefined): EventSeed[] {
  if (state !== 'inactive') return [];
  return activities.some((a) => a.type === 'message' && a.from.role === 'customer') ? [{ type: 'message.received' }] : [];
}

/** Tasks created, taken or closed: their report rows change, and their queues' customers may have moved. */
export function tasksTouched(activities: readonly Activity[]): AgentTask[] {
  const out: AgentTask[] = [];
  for (const a of activities) {
    if (a.type === 'task.created' || a.type === 'task.assigned' || a.type === 'task.closed') out.push(a.payload.task);
  }
  return out;
}

/** The controller events a change produced. `doc` is the doc after the change. */
export function controllerEvents(doc: ConversationDoc, activities: readonly Activity[]): EventSeed[] {
  const out: EventSeed[] = [];
  for (const a of activities) {
    switch (a.type) {
      case 'session.started':
        // The session that opened the conversation is its first: a return on another channel is not.
        out.push({ type: 'session.started', sessionId: a.payload.channelSession.id, firstSession: doc.channelSessions[0]?.id === a.payload.channelSession.id });
        break;
      case 'session.closed':
        out.push({ type: 'session.closed', sessionId: a.payload.channelSession.id, reason: a.payload.reason ?? 'controller' });
        break;
      case 'participant.joined':
        out.push({ type: 'participant.joined', participantId: a.payload.participant.id, role: a.payload.participant.role });
        break;
      case 'participant.left': {
        const { participant, reason } = a.payload;
        out.push(reason === undefined ? { type: 'participant.left', participantId: participant.id, role: participant.role } : { type: 'participant.left', participantId: participant.id, role: participant.role, reason });
        break;
      }
      case 'wrapup':
        out.push({ type: 'wrapup.submitted', agentId: a.from.id });
        break;
      default:
        break;
    }
  }
  return out;
}

export interface RoomChange {
  participantId: string;
  /** Joins the agents-only room too. */
  seesAgents: boolean;
}

/** Whose sockets join the conversation's rooms before the activities go out (they see their own joining). */
export function roomJoins(doc: ConversationDoc, activities: readonly Activity[]): RoomChange[] {
  const out: RoomChange[] = [];
  for (const a of activities) {
    if (a.type === 'session.started') out.push({ participantId: doc.customerId, seesAgents: false });
    if (a.type === 'participant.joined') out.push({ participantId: a.payload.participant.id, seesAgents: canSee(a.payload.participant.role, 'agents') });
  }
  return out;
}

/** Who leaves the rooms after the activities went out (they see their own leaving). */
export function roomLeaves(activities: readonly Activity[]): string[] {
  return activities.flatMap((a) => (a.type === 'participant.left' ? [a.payload.participant.id] : []));
}

/** Agents who left: their task for the conversation closes and their slot frees. */
export function agentsLeft(activities: readonly Activity[]): string[] {
  return activities.flatMap((a) => (a.type === 'participant.left' && a.payload.participant.role === 'agent' ? [a.payload.participant.id] : []));
}

export type TimerOp =
  | { op: 'set'; kind: 'inactivity' | 'wrapup' | 'archive'; key: string; dueAt: number; conversationId: string }
  | { op: 'cancel'; kind: 'inactivity'; key: string };

export interface TimerFacts {
  now: number;
  /** The customer inactivity timeout of the conversation's channel, in seconds. */
  inactivitySeconds: number;
  /** The timer whose handler made this change: it is running, so it is not cancelled. */
  firedBy?: { kind: string; key: string };
}

/** The timers a change arms, moves or cancels. */
export function timersImplied(doc: ConversationDoc, activities: readonly Activity[], facts: TimerFacts): TimerOp[] {
  const out: TimerOp[] = [];
  for (const a of activities) {
    if (a.type === 'session.started') {
      const s = a.payload.channelSession;
      out.push({ op: 'set', kind: 'inactivity', key: s.id, dueAt: Date.parse(s.openedAt) + facts.inactivitySeconds * 1000, conversationId: doc.id });
    } else if (a.type === 'session.closed') {
      const key = a.payload.channelSession.id;
      if (facts.firedBy?.kind !== 'inactivity' || facts.firedBy.key !== key) out.push({ op: 'cancel', kind: 'inactivity', key });
    } else if (a.type === 'state.changed' && a.payload.to === 'closing') {
      out.push({ op: 'set', kind: 'archive', key: doc.id, dueAt: facts.now, conversationId: doc.id });
    } else if (a.type === 'state.changed' && a.payload.to === 'wrap_up') {
      out.push({ op: 'set', kind: 'wrapup', key: doc.id, dueAt: facts.now + doc.wrapUp.timeoutSeconds * 1000, conversationId: doc.id });
    }
  }
  return out;
}

/** Whether any of the activities needs the doc to work out what follows (an append answers none). */
export function needsDoc(activities: readonly Activity[]): boolean {
  return activities.some((a) => AFFECTING.has(a.type));
}

const AFFECTING = new Set<Activity['type']>(['session.started', 'session.closed', 'participant.joined', 'participant.left', 'wrapup', 'state.changed']);


import { randomUUID } from 'node:crypto';
import type { Activity, AgentTask, ChannelSession, Conversation, Participant } from '@conversation-hub/client-sdk/contract';

export const uid = (prefix = 'x') => `${prefix}-${randomUUID()}`;

/** ISO time `seconds` after a base instant: fixtures need exact, ordered timestamps. */
export function at(base: number, seconds: number): string {
  return new Date(base + seconds * 1000).toISOString();
}

export interface ArchiveFixture {
  conversation: Conversation;
  activities: Activity[];
  tasks: AgentTask[];
  session: ChannelSession;
  agent: Participant;
}

/**
 * A realistic closed-out conversation: customer opens a session, writes, an agent is offered and
 * accepts, they talk, the agent whispers and wraps up, everyone leaves. State `closing`.
 */
export function archiveFixture(customerId: string, base = Date.UTC(2025, 0, 1, 10, 0, 0)): ArchiveFixture {
  const conversationId = uid('conv');
  const agent: Participant = { id: uid('agent'), role: 'agent', name: 'Ada', joinedAt: at(base, 20) };
  const customer = { id: customerId, role: 'customer' as const, name: 'Carla' };
  const opened: ChannelSession = {
    id: uid('sess'),
    conversationId,
    customerId,
    serviceIdentifier: 'webchat',
    channelType: 'webchat',
    channelData: { browser: 'firefox', locale: 'nl-BE' },
    state: 'open',
    openedAt: at(base, 0),
  };
  const session: ChannelSession = { ...opened, state: 'closed', closedAt: at(base, 300), closeReason: 'customer_left' };
  const task: AgentTask = {
    id: uid('task'),
    conversationId,
    state: 'closed',
    agentId: agent.id,
    listId: 'sales',
    createdAt: at(base, 5),
    offeredAt: at(base, 10),
    acceptedAt: at(base, 20),
    closedAt: at(base, 350),
  };
  const controller = { id: 'controller', role: 'controller' as const };
  const from = { id: agent.id, role: 'agent' as const, name: 'Ada' };
  let seq = 0;
  const a = <T extends Activity>(x: Omit<T, 'seq' | 'conversationId' | 'id'>): Activity =>
    ({ id: uid('act'), conversationId, seq: ++seq, ...x }) as unknown as Activity;
  const activities: Activity[] = [
    a({ type: 'session.started', visibility: 'all', from: customer, at: at(base, 0), payload: { channelSession: opened } }),
    a({ type: 'message', visibility: 'all', from: customer, at: at(base, 1), clientMessageId: 'c-1', channelSessionId: opened.id, payload: { text: 'hello' } }),
    a({ type: 'task.created', visibility: 'agents', from: controller, at: at(base, 5), payload: { task: { ...task, state: 'queued' } } }),
    a({ type: 'participant.joined', visibility: 'all', from, at: at(base, 20), payload: { participant: agent } }),
    a({ type: 'state.changed', visibility: 'all', from: controller, at: at(base, 20), payload: { from: 'created', to: 'active' } }),
    a({ type: 'message', visibility: 'all', from, at: at(base, 30), clientMessageId: 'a-1', payload: { text: 'hi, how can I help?' } }),
    a({ type: 'whisper', visibility: 'agents', from, at: at(base, 40), payload: { text: 'VIP' } }),
    a({ type: 'session.closed', visibility: 'all', from: controller, at: at(base, 300), payload: { channelSession: session, reason: 'customer_left' } }),
    a({ type: 'state.changed', visibility: 'all', from: controller, at: at(base, 300), payload: { from: 'active', to: 'wrap_up' } }),
    a({ type: 'wrapup', visibility: 'agents', from, at: at(base, 340), payload: { codes: ['sale', 'upsell'], note: 'bought 2' } }),
    a({ type: 'participant.left', visibility: 'all', from, at: at(base, 350), payload: { participant: agent, reason: 'wrap_up_done' } }),
    a({ type: 'state.changed', visibility: 'all', from: controller, at: at(base, 350), payload: { from: 'wrap_up', to: 'closing' } }),
  ];
  const conversation: Conversation = {
    id: conversationId,
    customerId,
    state: 'closing',
    channelSessions: [session],
    participants: [],
    lastSeq: seq,
    createdAt: at(base, 0),
  };
  return { conversation, activities, tasks: [task], session, agent };
}

/** How the desk shows activities, channel sessions, past conversations and offers. Text only, never HTML. */
import type { Activity, ChannelSession, ConversationView, Participant } from '@conversation-hub/client-sdk/contract';
import { attachmentView } from '../ui/attachments.js';
import { clock, h } from '../ui/dom.js';
import { short } from '../ui/names.js';
import { confidenceText } from './suggestions.js';

/** One activity in a pane's log: messages, whispers and suggestions as bubbles, the rest as events. */
export function activityItem(a: Activity, mine: boolean): HTMLLIElement {
  const who = `${a.from.name ?? a.from.id} · ${a.from.role}`;
  const time = h('time', { dateTime: a.at }, clock(a.at));
  switch (a.type) {
    case 'message':
      return h(
        'li',
        { className: `msg from-${a.from.role}${mine ? ' mine' : ''}` },
        h('span', { className: 'who' }, who, ' ', time),
        h('p', { className: 'text' }, a.payload.text),
        ...(a.payload.attachments ?? []).map((f) => attachmentView(f)),
      );
    case 'whisper':
      return h('li', { className: 'msg whisper' }, h('span', { className: 'who' }, 'Whisper · agents only · ', who, ' ', time), h('p', { className: 'text' }, a.payload.text));
    case 'suggestion':
      return h(
        'li',
        { className: 'msg suggestion' },
        h('span', { className: 'who' }, `Suggestion${confidenceText(a.payload.confidence) ? ` (${confidenceText(a.payload.confidence)})` : ''} · `, who, ' ', time),
        h('p', { className: 'text' }, a.payload.text),
      );
    case 'handoff':
      return event(a, `Handoff from ${who}: ${[a.payload.intent && `intent ${a.payload.intent}`, a.payload.sentiment !== undefined && `sentiment ${a.payload.sentiment}`, a.payload.summary].filter(Boolean).join(' · ') || 'no summary'}`);
    case 'participant.joined':
      return event(a, `${a.payload.participant.name ?? a.payload.participant.id} (${a.payload.participant.role}) joined`);
    case 'participant.left':
      return event(a, `${a.payload.participant.name ?? a.payload.participant.id} (${a.payload.participant.role}) left${a.payload.reason ? `: ${a.payload.reason}` : ''}`);
    case 'session.started':
      return event(a, `${a.payload.channelSession.serviceIdentifier} session opened`);
    case 'session.closed':
      return event(a, `${a.payload.channelSession.serviceIdentifier} session closed${a.payload.reason ? ` (${a.payload.reason})` : ''}`);
    case 'state.changed':
      return event(a, `State ${a.payload.from} → ${a.payload.to}`);
    case 'task.created':
    case 'task.assigned':
    case 'task.closed':
      return event(a, `Task ${a.type.slice(5)}: ${a.payload.task.state}${a.payload.task.agentId ? ` · ${a.payload.task.agentId}` : ''}${a.payload.task.listId ? ` · ${a.payload.task.listId}` : ''}`);
    case 'wrapup':
      return event(a, `Wrap-up by ${who}: ${a.payload.codes.join(', ') || 'no codes'}${a.payload.note ? ` · ${a.payload.note}` : ''}`);
    case 'custom':
      return event(a, `Custom (${a.visibility}) from ${who}: ${JSON.stringify(a.payload).slice(0, 300)}`);
    case 'session.updated':
      return event(a, `${a.payload.channelSession.serviceIdentifier} channel data changed: ${a.payload.changed.join(', ')}`);
    case 'data.changed':
      return event(a, `Data ${a.payload.key} ${a.payload.value === null ? 'removed' : `set by ${who}: ${JSON.stringify(a.payload.value).slice(0, 300)}`}`);
  }
}

function event(a: Activity, text: string): HTMLLIElement {
  return h('li', { className: `event${a.visibility === 'agents' ? ' agents-only' : ''}` }, h('span', {}, text), ' ', h('time', { dateTime: a.at }, clock(a.at)));
}

/** A channel session with its state and channelData ("Active channels"). */
export function channelCard(s: ChannelSession): HTMLElement {
  const data = Object.entries(s.channelData);
  return h(
    'article',
    { className: `channel ${s.state}` },
    h('h4', {}, `${s.serviceIdentifier} `, h('span', { className: 'meta' }, `(${s.channelType}) · ${s.state}`)),
    h('p', { className: 'meta' }, `opened ${new Date(s.openedAt).toLocaleString()}${s.closedAt ? ` · closed ${clock(s.closedAt)}${s.closeReason ? ` (${s.closeReason})` : ''}` : ''}`),
    data.length ? h('dl', {}, ...data.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])) : h('p', { className: 'meta' }, 'No channel data.'),
  );
}

/** One of the customer's conversations in "Customer's history". */
export function historyEntry(conv: ConversationView, current: boolean): HTMLElement {
  const messages = conv.activities.filter((a) => a.type === 'message');
  const channels = [...new Set(conv.channelSessions.map((s) => s.serviceIdentifier))].join(', ') || 'no channel';
  return h(
    'details',
    { className: 'past' },
    h('summary', {}, `${new Date(conv.createdAt).toLocaleString()} · ${channels} · ${conv.state}${current ? ' · this conversation' : ''} · ${messages.length} messages`),
    h('ol', { className: 'log compact' }, ...messages.map((a) => activityItem(a, false))),
  );
}

export function lastMessage(v: ConversationView): HTMLElement | null {
  const m = [...v.activities].reverse().find((a) => a.type === 'message');
  return m && m.type === 'message' ? h('q', { className: 'preview' }, m.payload.text.slice(0, 140)) : null;
}

export function customerName(v: Pick<ConversationView, 'participants' | 'customerId' | 'channelSessions'>): string {
  const p = v.participants.find((x) => x.role === 'customer');
  return p?.name ?? v.channelSessions.find((s) => s.channelData.name)?.channelData.name ?? `Customer ${short(v.customerId)}`;
}

export function channelsSummary(sessions: ChannelSession[]): string {
  return sessions.filter((s) => s.state === 'open').map((s) => s.serviceIdentifier).join(', ') || 'no open channel';
}

export function participantsSummary(ps: Participant[]): string {
  return ps.map((p) => `${p.name ?? short(p.id)} (${p.role})`).join(', ');
}

/** "billing, refund" → ['billing', 'refund']. */
export function splitList(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

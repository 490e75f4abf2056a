/** How activities look to the customer: message bubbles and system lines. */
import type { Activity, ActivityFrom, Attachment } from '@conversation-hub/client-sdk/contract';
import { attachmentView } from '../ui/attachments.js';
import { clock, h } from '../ui/dom.js';
import { displayName, roleLabel } from '../ui/names.js';

/** A message bubble; `kind` is own, agent or bot. */
export function bubble(kind: string, who: string, text: string, role: string | undefined, note: string, files: Attachment[] = []): HTMLLIElement {
  return h(
    'li',
    { className: `hw-msg hw-${kind}` },
    h('span', { className: 'hw-who' }, who, role && role !== 'customer' && role !== 'agent' ? h('span', { className: 'hw-role' }, ` · ${roleLabel(role)}`) : null),
    h('p', { className: 'hw-text' }, text),
    ...files.map((f) => attachmentView(f, 'hw-attachment')),
    h('span', { className: 'hw-note' }, note),
  );
}

export function systemLine(text: string): HTMLLIElement {
  return h('li', { className: 'hw-system' }, text);
}

export function setNote(el: HTMLElement, text: string): void {
  const note = el.querySelector('.hw-note');
  if (note) note.textContent = text;
}

/**
 * The element for an activity the customer sees, or undefined for what is not for their eyes
 * (state changes, tasks, custom activities). Own messages are placed by the chat view itself.
 */
export function activityItem(a: Activity, customerId: string): HTMLLIElement | undefined {
  switch (a.type) {
    case 'message': {
      const own = a.from.id === customerId;
      return bubble(own ? 'own' : roleClass(a.from), own ? 'You' : displayName(a.from), a.payload.text, a.from.role, clock(a.at), a.payload.attachments);
    }
    case 'participant.joined':
      return a.payload.participant.role === 'customer' ? undefined : systemLine(`${displayName(a.payload.participant)} joined the chat.`);
    case 'participant.left':
      return a.payload.participant.role === 'customer' ? undefined : systemLine(`${displayName(a.payload.participant)} left the chat.`);
    case 'session.closed':
      return a.payload.channelSession.customerId === customerId && a.payload.reason === 'inactivity'
        ? systemLine('The chat was closed after a period of inactivity. Write again to continue.')
        : undefined;
    default:
      return undefined;
  }
}

function roleClass(from: ActivityFrom): string {
  return from.role === 'controller' || from.role === 'bot' ? 'bot' : 'agent';
}

/**
 * The widget's closed state (PROTOCOL.md §2.2, `open: false` in the session answer): "We're closed",
 * the next opening, and a form whose message becomes the chat's first message, with the name and
 * email in its text, so that the task the hub creates at the opening has everything.
 */
import { h } from '../ui/dom.js';

/** "Monday 09:00" in the reader's locale and zone; undefined when there is no (valid) opening. */
export function openingText(iso: string | undefined): string | undefined {
  const d = iso ? new Date(iso) : undefined;
  if (!d || Number.isNaN(d.getTime())) return undefined;
  return d.toLocaleString(undefined, { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' });
}

/** The first chat message of the offline form: the message, then who left it. */
export function offlineMessageText(name: string, email: string, message: string): string {
  return `${message}\n\n— ${name} <${email}> (left while we were closed)`;
}

/** Renders the closed screen into `body`; `submit` gets the trimmed name, email and message. */
export function offlineForm(
  body: HTMLElement,
  opening: { nextOpeningAt?: string; name: string; email: string },
  submit: (name: string, email: string, message: string) => Promise<void>,
): void {
  const when = openingText(opening.nextOpeningAt);
  const name = h('input', { id: 'hw-off-name', name: 'name', type: 'text', required: true, autocomplete: 'name', maxLength: 200, value: opening.name });
  const email = h('input', { id: 'hw-off-email', name: 'email', type: 'email', required: true, autocomplete: 'email', maxLength: 320, value: opening.email });
  const message = h('textarea', { id: 'hw-off-message', name: 'message', required: true, rows: 4, maxLength: 9_000 });
  const button = h('button', { type: 'submit', className: 'hw-primary' }, 'Leave a message');
  const form = h(
    'form',
    { className: 'hw-form hw-offline' },
    h('h3', { className: 'hw-closed' }, 'We’re closed'),
    h('p', { className: 'hw-opening' }, when ? `We open again ${when}.` : 'We are not taking chats at the moment.'),
    h('p', {}, 'Leave us a message and we will answer when we open.'),
    h('label', { htmlFor: 'hw-off-name' }, 'Name'),
    name,
    h('label', { htmlFor: 'hw-off-email' }, 'Email'),
    email,
    h('label', { htmlFor: 'hw-off-message' }, 'Your message'),
    message,
    button,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    button.disabled = true;
    void submit(name.value.trim(), email.value.trim(), message.value.trim()).finally(() => (button.disabled = false));
  });
  body.appendChild(form);
}

/** The widget's forms: the pre-chat form, and the "chat ended" screen that leads back to it. */
import { append, h } from '../ui/dom.js';

/** Renders the pre-chat form into `body`; `submit` gets the trimmed name and email (email may be ''). */
export function prechatForm(body: HTMLElement, submit: (name: string, email: string) => Promise<void>): void {
  const name = h('input', { id: 'hw-name', name: 'name', type: 'text', required: true, autocomplete: 'name', maxLength: 200 });
  const email = h('input', { id: 'hw-email', name: 'email', type: 'email', autocomplete: 'email', maxLength: 320 });
  const button = h('button', { type: 'submit', className: 'hw-primary' }, 'Start chat');
  const form = h(
    'form',
    { className: 'hw-form', noValidate: false },
    h('p', {}, 'Tell us who you are and we will connect you.'),
    h('label', { htmlFor: 'hw-name' }, 'Name'),
    name,
    h('label', { htmlFor: 'hw-email' }, 'Email ', h('span', { className: 'hw-optional' }, '(optional)')),
    email,
    button,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    button.disabled = true;
    void submit(name.value.trim(), email.value.trim()).finally(() => (button.disabled = false));
  });
  body.appendChild(form);
}

/** After "End chat": a thank-you and a way to start again. */
export function endedScreen(body: HTMLElement, again: () => void): void {
  const button = h('button', { type: 'button', className: 'hw-primary' }, 'Start a new chat');
  button.addEventListener('click', again);
  append(body, h('p', { className: 'hw-ended' }, 'You ended the chat. Thank you for contacting us.'), button);
  button.focus();
}

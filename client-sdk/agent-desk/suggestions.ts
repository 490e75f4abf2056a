/**
 * A bot's suggestion on the desk (agents only, never the customer's): a card with its confidence
 * as a percentage when the bot gave one, and "Send this", which sends the text as the agent's
 * message (a fresh clientMessageId) and then marks the card used. Text only, never HTML.
 */
import type { Activity } from '@conversation-hub/client-sdk/contract';
import { clock, h } from '../ui/dom.js';

/** 0.82 → "82%"; undefined (or not a number) → undefined; clamped to 0–100. */
export function confidenceText(confidence: number | undefined): string | undefined {
  if (typeof confidence !== 'number' || !Number.isFinite(confidence)) return undefined;
  return `${Math.round(Math.min(1, Math.max(0, confidence)) * 100)}%`;
}

/** The card; `send` sends the text as a message and answers whether it went. */
export function suggestionCard(a: Extract<Activity, { type: 'suggestion' }>, send: (text: string) => Promise<boolean>): HTMLLIElement {
  const confidence = confidenceText(a.payload.confidence);
  const button = h('button', { type: 'button', className: 'primary send-suggestion' }, 'Send this');
  const note = h('span', { className: 'meta suggestion-note', attrs: { role: 'status' } });
  const li = h(
    'li',
    { className: 'msg suggestion', attrs: { 'aria-label': 'Suggestion (agents only)' } },
    h(
      'span',
      { className: 'who' },
      'Suggestion · agents only · ',
      `${a.from.name ?? a.from.id} · ${a.from.role}`,
      ' ',
      h('time', { dateTime: a.at }, clock(a.at)),
    ),
    confidence ? h('span', { className: 'confidence', attrs: { title: 'The bot’s confidence' } }, confidence) : null,
    h('p', { className: 'text' }, a.payload.text),
    h('span', { className: 'actions' }, button, note),
  );
  button.addEventListener('click', async () => {
    if (button.disabled) return;
    button.disabled = true;
    if (!(await send(a.payload.text))) return void (button.disabled = false);
    li.classList.add('used');
    button.textContent = 'Sent';
    note.textContent = 'Used';
  });
  return li;
}

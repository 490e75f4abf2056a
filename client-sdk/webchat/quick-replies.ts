/**
 * A bot's quick replies under its message: real buttons (keyboard focusable, labelled by their
 * title), text only, never HTML. One-shot: a click sends the payload as the customer's message and
 * disables that message's buttons; any later customer message disables every earlier set.
 */
import type { Activity, QuickReply } from '@conversation-hub/client-sdk/contract';
import { h } from '../ui/dom.js';

/** The quick replies of a bot's message (bots only may send them), or none. */
export function quickRepliesOf(a: Activity): QuickReply[] {
  if (a.type !== 'message' || a.from.role !== 'bot') return [];
  return (a.payload.quickReplies ?? []).filter((q) => q.title.trim() !== '' && q.payload.trim() !== '');
}

export class QuickReplies {
  private readonly groups = new Set<HTMLElement>();

  /** The buttons for `replies`, or null when there are none; `pick` gets the chosen payload. */
  bar(replies: QuickReply[], pick: (payload: string) => void): HTMLElement | null {
    if (replies.length === 0) return null;
    const buttons = replies.map((q) => {
      const b = h('button', { type: 'button', className: 'hw-quick', attrs: { 'aria-label': q.title } }, q.title);
      b.addEventListener('click', () => {
        if (b.disabled) return;
        this.disableAll();
        pick(q.payload);
      });
      return b;
    });
    const group = h('div', { className: 'hw-quick-replies', attrs: { role: 'group', 'aria-label': 'Quick replies' } }, ...buttons);
    this.groups.add(group);
    return group;
  }

  /** The customer wrote (or picked): every set shown so far is spent. */
  disableAll(): void {
    for (const group of this.groups) {
      for (const b of group.querySelectorAll('button')) b.disabled = true;
      group.dataset.used = '';
    }
    this.groups.clear();
  }
}

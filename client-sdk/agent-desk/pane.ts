/**
 * One conversation on the desk: its pane (log, compose, active channels, customer's history,
 * wrap-up) and the conversation as the desk knows it. Activities come from two places only: the
 * history in the view of a join / accept / pull answer, and `HubClient.onActivity`; the log keeps
 * one element per seq where the two meet. Sent messages and whispers are not rendered from the
 * call's answer: the SDK hands the sender's own activity over in order like any other.
 */
import type { Activity, ConversationView, ReceiptPush, TypingPush } from '@conversation-hub/client-sdk/contract';
import { ActivityLog } from '../ui/activity-log.js';
import { append, clear, h, newClientMessageId, setStatus } from '../ui/dom.js';
import { displayName } from '../ui/names.js';
import { LocalTyping, Typers } from '../ui/typing.js';
import type { DeskContext } from './context.js';
import { ReadReceipts } from '../ui/read-receipts.js';
import { uploadAttachment } from '../ui/attachments.js';
import { activityItem, channelCard, customerName, historyEntry, participantsSummary, splitList } from './render.js';
import { suggestionCard } from './suggestions.js';

export class ConversationPane {
  view: ConversationView;
  left = false;
  unread = 0;
  readonly el: HTMLElement;
  private readonly log: ActivityLog;
  private readonly typers: Typers;
  private readonly header = h('header', { className: 'pane-header' });
  private readonly channels = h('div', { className: 'channels' });
  private readonly compose: HTMLFormElement;
  private readonly marks: ReadReceipts;

  constructor(
    view: ConversationView,
    private readonly desk: DeskContext,
    /** Called when what the tab shows (state, name, unread, left) may have changed. */
    private readonly changed: () => void,
  ) {
    const id = view.id;
    this.view = { ...view, activities: [] };
    // The customer's horizon ticks the agent's messages.
    this.marks = new ReadReceipts({ client: () => desk.client(), conversationId: id, counts: (p) => p === view.customerId, tickClass: 'tick', anchor: '.who' });
    this.unread = view.unread ?? 0;
    this.log = new ActivityLog(h('ol', { className: 'log', attrs: { role: 'log', 'aria-live': 'polite', 'aria-label': 'Activities' } }));
    const typing = h('p', { className: 'typing', attrs: { 'aria-live': 'polite' } });
    this.typers = new Typers(typing);
    this.compose = this.composeForm();
    this.el = h(
      'section',
      { className: 'pane', hidden: true, attrs: { 'data-conversation-id': id, 'aria-label': 'Conversation' } },
      this.header,
      h(
        'div',
        { className: 'pane-body' },
        h('div', { className: 'thread' }, this.log.el, typing, this.compose),
        h(
          'aside',
          { className: 'context' },
          h('section', {}, h('h3', {}, 'Active channels'), this.channels),
          h('section', {}, h('h3', {}, "Customer's history"), ...this.historySection()),
          h('section', {}, h('h3', {}, 'Wrap-up'), this.wrapupForm()),
        ),
      ),
    );
    this.showView(view);
  }

  /** A fresh view (join / accept / pull answer): its metadata, and its history where the log lacks it. */
  showView(view: ConversationView): void {
    this.view = { ...view, activities: [] };
    this.left = false;
    for (const a of view.activities) this.log.add(a.seq, this.item(a));
    this.marks.view(view);
    this.refresh();
  }

  /** A live activity: it changes the conversation as the desk knows it, then shows (once). */
  apply(a: Activity, selected: boolean): void {
    const v = this.view;
    switch (a.type) {
      case 'state.changed':
        v.state = a.payload.to;
        break;
      case 'session.started':
      case 'session.updated': // channel data merged in: the session's card shows it
      case 'session.closed': {
        const s = a.payload.channelSession;
        v.channelSessions = [...v.channelSessions.filter((x) => x.id !== s.id), s];
        break;
      }
      case 'participant.joined':
        v.participants = [...v.participants.filter((p) => p.id !== a.payload.participant.id), a.payload.participant];
        break;
      case 'participant.left':
        v.participants = v.participants.filter((p) => p.id !== a.payload.participant.id);
        if (a.payload.participant.id === this.desk.me()) this.left = true;
        break;
      default:
        break;
    }
    v.lastSeq = Math.max(v.lastSeq, a.seq);
    if (a.type === 'message' || a.type === 'whisper') this.typers.clear(a.from.id);
    const isNew = this.log.add(a.seq, this.item(a));
    if (isNew && !selected && (a.type === 'message' || a.type === 'whisper')) this.unread++;
    if (selected && a.from.id !== this.desk.me()) this.marks.seen(a.seq);
    this.refresh();
  }

  /** The pane is shown: the agent has read what it holds. */
  shown(): void {
    this.unread = 0;
    this.marks.seen(this.view.lastSeq);
  }

  /** Another participant's receipt (the desk shows the customer's as ticks). */
  receipt(r: ReceiptPush): void {
    this.marks.receipt(r);
  }

  /** A suggestion is a card whose "Send this" sends its text as the agent's message; the rest as render.ts draws them. */
  private item(a: Activity): HTMLLIElement {
    if (a.type !== 'suggestion') {
      const mine = a.from.id === this.desk.me();
      const li = activityItem(a, mine);
      if (mine && a.type === 'message') this.marks.mine(a.seq, li);
      return li;
    }
    const card = suggestionCard(a, async (text) => {
      const note = card.querySelector<HTMLElement>('.suggestion-note') ?? undefined;
      const res = await this.desk.attempt(note, 'message.send', (cl) => cl.call('message.send', { conversationId: this.view.id, text, clientMessageId: newClientMessageId() }));
      return res !== undefined;
    });
    return card;
  }

  onTyping(t: TypingPush): void {
    if (t.from.id !== this.desk.me()) this.typers.set(t.from.id, displayName(t.from), t.typing);
  }

  dispose(): void {
    this.typers.clearAll();
    this.el.remove();
  }

  /** The header (name, state, Leave) and the channel cards, from the view. */
  refresh(): void {
    const v = this.view;
    clear(this.header);
    const leave = h('button', { type: 'button', disabled: this.left }, 'Leave');
    const status = h('span', { className: 'status', attrs: { role: 'status' } });
    leave.addEventListener('click', async () => {
      leave.disabled = true;
      const res = await this.desk.attempt(status, 'conversation.leave', (cl) => cl.call('conversation.leave', { conversationId: v.id }));
      if (!res) return void (leave.disabled = false);
      this.left = true;
      this.refresh();
    });
    append(
      this.header,
      h('h2', {}, customerName(v)),
      h('span', { className: `badge state-${v.state}` }, v.state),
      h('span', { className: 'meta' }, `conversation ${v.id} · customer ${v.customerId} · ${participantsSummary(v.participants)}`),
      h('span', { className: 'actions' }, leave),
      status,
    );
    for (const el of this.compose.querySelectorAll<HTMLTextAreaElement | HTMLButtonElement>('textarea, button')) el.disabled = this.left;

    clear(this.channels);
    const sessions = [...v.channelSessions].sort((a, b) => Number(b.state === 'open') - Number(a.state === 'open') || b.openedAt.localeCompare(a.openedAt));
    if (sessions.length === 0) this.channels.appendChild(h('p', { className: 'meta' }, 'No channel sessions.'));
    for (const s of sessions) this.channels.appendChild(channelCard(s));
    this.changed();
  }

  /** Message (Enter or Send) and whisper; both show when the stream hands them over. */
  private composeForm(): HTMLFormElement {
    const id = this.view.id;
    const text = h('textarea', { rows: 2, maxLength: 10_000, placeholder: 'Message (Enter) · whisper to agents with the button', attrs: { 'aria-label': 'Message text' } });
    const sendButton = h('button', { type: 'submit', className: 'primary' }, 'Send');
    const whisperButton = h('button', { type: 'button', className: 'whisper-button' }, 'Whisper');
    const status = h('p', { className: 'status', attrs: { role: 'status' } });
    // A file is uploaded first (PROTOCOL.md §1.7.5), then sent as the message's attachment; the text, if any, goes with it.
    const file = h('input', { type: 'file', className: 'file', accept: 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain', attrs: { 'aria-label': 'Attach a file' } });
    const attachButton = h('button', { type: 'button', className: 'attach-button', title: 'Attach a file' }, 'Attach');
    attachButton.addEventListener('click', () => file.click());
    file.addEventListener('change', () => {
      const chosen = file.files?.[0];
      file.value = '';
      if (chosen) void sendFile(chosen);
    });
    const form = h('form', { className: 'compose' }, text, file, h('span', { className: 'actions' }, sendButton, whisperButton, attachButton), status);
    const local = new LocalTyping((typing) => this.desk.client()?.typing(typing, id));
    const send = async (kind: 'message' | 'whisper') => {
      const value = text.value.trim();
      if (!value) return;
      local.stop();
      sendButton.disabled = whisperButton.disabled = true;
      const res =
        kind === 'message'
          ? await this.desk.attempt(status, 'message.send', (cl) => cl.call('message.send', { conversationId: id, text: value, clientMessageId: newClientMessageId() }))
          : await this.desk.attempt(status, 'whisper.send', (cl) => cl.call('whisper.send', { conversationId: id, text: value }));
      sendButton.disabled = whisperButton.disabled = this.left;
      if (!res) return;
      if (text.value.trim() === value) text.value = '';
      text.focus();
    };
    const sendFile = async (chosen: File) => {
      setStatus(status, `Uploading ${chosen.name}…`);
      let stored;
      try {
        stored = await uploadAttachment(location.origin, chosen, id);
      } catch (err) {
        return void setStatus(status, `${chosen.name} was not sent: ${err instanceof Error ? err.message : String(err)}`, true);
      }
      setStatus(status, '');
      const caption = text.value.trim();
      const res = await this.desk.attempt(status, 'message.send', (cl) =>
        cl.call('message.send', { conversationId: id, text: caption || stored.name, attachments: [stored], clientMessageId: newClientMessageId() }),
      );
      if (res && caption && text.value.trim() === caption) text.value = '';
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void send('message');
    });
    whisperButton.addEventListener('click', () => void send('whisper'));
    text.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        void send('message');
      }
    });
    text.addEventListener('input', () => local.input(text.value.length > 0));
    text.addEventListener('blur', () => local.stop());
    return form;
  }

  /** "Load history": the customer's conversations (`customer.history`). */
  private historySection(): HTMLElement[] {
    const history = h('div', { className: 'history' });
    const status = h('p', { className: 'status', attrs: { role: 'status' } });
    const button = h('button', { type: 'button' }, 'Load history');
    button.addEventListener('click', async () => {
      button.disabled = true;
      const res = await this.desk.attempt(status, 'customer.history', (cl) => cl.call('customer.history', { customerId: this.view.customerId, limit: 20 }));
      button.disabled = false;
      if (!res) return;
      clear(history);
      if (res.conversations.length === 0) setStatus(status, 'No conversations on record.');
      for (const conv of res.conversations) history.appendChild(historyEntry(conv, conv.id === this.view.id));
    });
    return [button, status, history];
  }

  private wrapupForm(): HTMLFormElement {
    const id = this.view.id;
    const codes = h('input', { type: 'text', placeholder: 'billing, refund', id: `codes-${id}` });
    const note = h('textarea', { rows: 2, id: `note-${id}` });
    const status = h('p', { className: 'status', attrs: { role: 'status' } });
    const form = h(
      'form',
      { className: 'wrapup' },
      h('label', { htmlFor: `codes-${id}` }, 'Codes (comma-separated)'),
      codes,
      h('label', { htmlFor: `note-${id}` }, 'Note'),
      note,
      h('button', { type: 'submit' }, 'Submit wrap-up'),
      status,
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const list = splitList(codes.value);
      const noteText = note.value.trim();
      const res = await this.desk.attempt(status, 'wrapup.submit', (cl) =>
        cl.call('wrapup.submit', { conversationId: id, ...(list.length ? { codes: list } : {}), ...(noteText ? { note: noteText } : {}) }),
      );
      if (res) setStatus(status, 'Wrap-up saved.');
    });
    return form;
  }
}

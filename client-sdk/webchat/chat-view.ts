/**
 * The chat itself: the message log, the compose box, sending with Retry, and typing. Every
 * activity is rendered from `HubClient.onActivity` (once, in seq order), the customer's own
 * messages included: a message shows at once as "Sending…" and becomes the hub's activity when the
 * stream hands it over (matched by its clientMessageId); the call's answer is not rendered.
 */
import type { HubClient } from '@conversation-hub/client-sdk';
import type { Activity, Attachment, ConversationView, TypingPush } from '@conversation-hub/client-sdk/contract';
import { uploadAttachment } from '../ui/attachments.js';
import { ActivityLog } from '../ui/activity-log.js';
import { append, clock, errorText, h, newClientMessageId } from '../ui/dom.js';
import { displayName } from '../ui/names.js';
import { LocalTyping, Typers } from '../ui/typing.js';
import { QuickReplies, quickRepliesOf } from './quick-replies.js';
import { activityItem, bubble, setNote, systemLine } from './render.js';
import { ReadReceipts } from '../ui/read-receipts.js';

interface Pending {
  text: string;
  attachments?: Attachment[];
  clientMessageId: string;
  el: HTMLElement;
}

export class ChatView {
  private readonly log: ActivityLog;
  private readonly input: HTMLTextAreaElement;
  private readonly typers: Typers;
  private readonly local: LocalTyping;
  /** Messages sent and not yet handed over by the stream, by clientMessageId. */
  private readonly pending = new Map<string, Pending>();
  /** A bot's quick-reply buttons, spent by the customer's next message. */
  private readonly quick = new QuickReplies();
  /** Ticks on the customer's messages; its own read horizon. */
  private readonly receipts: ReadReceipts;
  private readonly off: Array<() => void> = [];
  private conversationId?: string;

  constructor(
    private readonly client: HubClient,
    private readonly customerId: string,
    body: HTMLElement,
    private readonly onConversationId: (id: string) => void,
    private readonly hubUrl: string = location.origin,
  ) {
    const log = h('ol', { className: 'hw-log', attrs: { role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages' } });
    this.log = new ActivityLog(log);
    // The agents' side's horizons tick the visitor's messages.
    this.receipts = new ReadReceipts({ client: () => client, counts: (id) => id !== customerId, tickClass: 'hw-tick', anchor: '.hw-note' });
    const typingLine = h('p', { className: 'hw-typing', attrs: { 'aria-live': 'polite' } });
    this.typers = new Typers(typingLine);
    this.local = new LocalTyping((typing) => (client.socket.connected ? client.typing(typing) : undefined));
    const input = h('textarea', { id: 'hw-input', rows: 2, maxLength: 10_000, placeholder: 'Type a message…', attrs: { 'aria-label': 'Message' } });
    this.input = input;
    // A file is uploaded first (PROTOCOL.md §1.7.5), then sent as a message's attachment.
    const file = h('input', { type: 'file', id: 'hw-file', className: 'hw-file', accept: 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain', attrs: { 'aria-label': 'Attach a file' } });
    file.addEventListener('change', () => {
      const chosen = file.files?.[0];
      file.value = '';
      if (chosen) void this.sendFile(chosen);
    });
    const attach = h('button', { type: 'button', className: 'hw-attach', title: 'Attach a file', attrs: { 'aria-label': 'Attach a file' } }, '📎');
    attach.addEventListener('click', () => file.click());
    const form = h('form', { className: 'hw-compose' }, input, file, attach, h('button', { type: 'submit', className: 'hw-primary' }, 'Send'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    input.addEventListener('input', () => this.local.input(input.value.length > 0));
    append(body, log, typingLine, form);

    this.off.push(
      client.onConversation((view) => this.onConversation(view)),
      client.onActivity((a) => this.render(a)),
      client.onTyping((t) => this.onTyping(t)),
      client.on('receipt', (r) => this.receipts.receipt(r)),
    );
  }

  focus(): void {
    this.input.focus();
  }

  /** Stops listening (the chat ended or the widget starts over). */
  dispose(): void {
    for (const off of this.off.splice(0)) off();
    this.typers.clearAll();
    this.local.stop();
    this.pending.clear();
    this.quick.disableAll();
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = '';
    this.local.input(false);
    this.sendText(text);
  }

  /** Sends a message as if typed (the offline form's message), shown at once as "Sending…". */
  sendText(text: string): void {
    this.quick.disableAll();
    const p: Pending = { text, clientMessageId: newClientMessageId(), el: bubble('own', 'You', text, undefined, 'Sending…') };
    this.pending.set(p.clientMessageId, p);
    this.log.addPending(p.el);
    void this.sendPending(p);
  }

  /** Uploads a file and sends it as a message; a refusal (too large, type) is shown in the log. */
  private async sendFile(file: File): Promise<void> {
    const note = systemLine(`Uploading ${file.name}…`);
    this.log.addNote(note);
    try {
      const stored = await uploadAttachment(this.hubUrl, file, this.conversationId);
      note.remove();
      const p: Pending = { text: stored.name, attachments: [stored], clientMessageId: newClientMessageId(), el: bubble('own', 'You', stored.name, undefined, 'Sending…', [stored]) };
      this.pending.set(p.clientMessageId, p);
      this.log.addPending(p.el);
      await this.sendPending(p);
    } catch (err) {
      note.textContent = `${file.name} was not sent: ${errorText(err)}`;
      note.classList.add('hw-error');
    }
  }

  /** Sends (or re-sends) a message; the same clientMessageId makes a retry idempotent. */
  private async sendPending(p: Pending): Promise<void> {
    setNote(p.el, 'Sending…');
    try {
      // The activity comes back through onActivity (the SDK delivers the sender's own in order).
      await this.client.send(p.text, { clientMessageId: p.clientMessageId, ...(p.attachments ? { attachments: p.attachments } : {}) });
    } catch (err) {
      if (!this.pending.has(p.clientMessageId)) return; // it arrived meanwhile
      setNote(p.el, `Not sent (${errorText(err)}).`);
      p.el.classList.add('hw-failed');
      const retry = h('button', { type: 'button', className: 'hw-retry' }, 'Retry');
      retry.addEventListener('click', () => {
        retry.remove();
        p.el.classList.remove('hw-failed');
        void this.sendPending(p);
      });
      p.el.querySelector('.hw-note')?.appendChild(retry);
    }
  }

  private onConversation(view: ConversationView): void {
    if (this.conversationId && this.conversationId !== view.id) this.log.addNote(systemLine('A new conversation started.'));
    this.conversationId = view.id;
    this.onConversationId(view.id);
    this.receipts.view(view);
  }

  private render(a: Activity): void {
    if (a.type === 'message' && a.from.id !== this.customerId) this.typers.clear(a.from.id);
    if (a.type === 'message' && a.from.id === this.customerId) this.quick.disableAll(); // also when history replays
    const pending = a.type === 'message' && a.from.id === this.customerId && a.clientMessageId ? this.pending.get(a.clientMessageId) : undefined;
    if (pending) {
      // The bubble shown while sending becomes this activity, in its seq's place.
      this.pending.delete(pending.clientMessageId);
      pending.el.classList.remove('hw-failed');
      pending.el.querySelector('.hw-retry')?.remove();
      setNote(pending.el, clock(a.at));
      this.log.add(a.seq, pending.el);
      this.receipts.mine(a.seq, pending.el);
      return;
    }
    const item = activityItem(a, this.customerId);
    if (!item || this.log.has(a.seq)) return;
    // A click sends the payload through the same path as typing (a fresh clientMessageId).
    const bar = this.quick.bar(quickRepliesOf(a), (payload) => this.sendText(payload));
    if (bar) item.appendChild(bar);
    this.log.add(a.seq, item);
    if (a.type === 'message') {
      if (a.from.id === this.customerId) this.receipts.mine(a.seq, item);
      else this.receipts.seen(a.seq);
    }
  }

  private onTyping(t: TypingPush): void {
    if (t.from.id === this.customerId || t.conversationId !== this.conversationId) return;
    this.typers.set(t.from.id, displayName(t.from), t.typing);
  }
}

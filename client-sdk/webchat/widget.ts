/**
 * The webchat widget: a pre-chat form, then one conversation with the contact centre over the
 * hub's SDK. Plain DOM, no framework. Only types come from the contract, so zod stays out of the
 * bundle; the SDK brings socket.io-client.
 */
import { HubClient } from '../src/hub-client.js';
import type { Activity, ActivityFrom, ConversationView, TypingPush } from '../src/contract/index.js';
import { append, clear, clock, errorText, h, newClientMessageId } from './dom.js';

export interface WebchatOptions {
  /** Where the hub is; the page's own origin by default. */
  hubUrl?: string;
  /** The channel the widget opens sessions on. */
  serviceIdentifier?: string;
  /** Title shown in the header. */
  title?: string;
  /** Start with the panel open (the demo page does). */
  open?: boolean;
}

const VISITOR_KEY = 'hub.webchat.visitorId';
const SESSION_KEY = 'hub.webchat.session';
/** How long a "is typing" stays up when the stop never comes (a closed tab). */
const TYPING_STALE_MS = 6_000;
/** The widget tells the hub "typing" at most this often, and "stopped" after this long idle. */
const TYPING_EVERY_MS = 2_500;
const TYPING_IDLE_MS = 4_000;

interface SavedSession {
  token: string;
  customerId: string;
  name?: string;
  email?: string;
}

interface Pending {
  text: string;
  clientMessageId: string;
  el: HTMLElement;
}

export function mountWebchat(host: HTMLElement, opts: WebchatOptions = {}): Webchat {
  return new Webchat(host, opts);
}

export class Webchat {
  private readonly hubUrl: string;
  private readonly serviceIdentifier: string;
  private readonly panel: HTMLElement;
  private readonly launcher: HTMLButtonElement;
  private readonly body: HTMLElement;
  private readonly status: HTMLElement;
  private readonly alert: HTMLElement;
  private readonly endButton: HTMLButtonElement;
  private client?: HubClient;
  private customerId?: string;
  private conversationId?: string;
  private log?: HTMLElement;
  private typingLine?: HTMLElement;
  private input?: HTMLTextAreaElement;
  /** Rendered activities, by conversation and seq, so nothing shows twice. */
  private readonly shown = new Set<string>();
  /** Messages sent and not yet seen back from the hub, by clientMessageId. */
  private readonly pending = new Map<string, Pending>();
  private readonly typers = new Map<string, { name: string; timer: ReturnType<typeof setTimeout> }>();
  private typingSentAt = 0;
  private typingIdle?: ReturnType<typeof setTimeout>;

  constructor(host: HTMLElement, opts: WebchatOptions) {
    this.hubUrl = opts.hubUrl ?? location.origin;
    this.serviceIdentifier = opts.serviceIdentifier ?? 'webchat';
    const title = opts.title ?? 'Chat with us';
    const titleId = `hub-webchat-title-${Math.random().toString(36).slice(2, 8)}`;

    this.launcher = h('button', { type: 'button', className: 'hw-launcher', attrs: { 'aria-expanded': 'false', 'aria-controls': 'hub-webchat-panel' } }, title);
    this.status = h('p', { className: 'hw-status', attrs: { role: 'status', 'aria-live': 'polite' } });
    this.alert = h('p', { className: 'hw-alert', hidden: true, attrs: { role: 'alert' } });
    this.endButton = h('button', { type: 'button', className: 'hw-end', hidden: true }, 'End chat');
    const closeButton = h('button', { type: 'button', className: 'hw-close', attrs: { 'aria-label': 'Minimise chat' } }, '–');
    this.body = h('div', { className: 'hw-body' });
    this.panel = h(
      'section',
      { id: 'hub-webchat-panel', className: 'hw-panel', hidden: true, attrs: { role: 'dialog', 'aria-labelledby': titleId } },
      h('header', { className: 'hw-header' }, h('h2', { id: titleId }, title), this.endButton, closeButton),
      this.status,
      this.alert,
      this.body,
    );
    append(host, this.launcher, this.panel);

    this.launcher.addEventListener('click', () => this.setOpen(this.panel.hidden));
    closeButton.addEventListener('click', () => this.setOpen(false));
    this.panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.setOpen(false);
    });
    this.endButton.addEventListener('click', () => void this.endChat());

    const saved = readSaved();
    if (saved) void this.start(saved);
    else this.showForm();
    if (opts.open) this.setOpen(true);
  }

  setOpen(open: boolean): void {
    this.panel.hidden = !open;
    this.launcher.setAttribute('aria-expanded', String(open));
    if (open) (this.panel.querySelector<HTMLElement>('input, textarea') ?? this.panel).focus();
    else this.launcher.focus();
  }

  // ---- pre-chat ------------------------------------------------------------------------

  private showForm(error?: string): void {
    this.setChatControls(false);
    this.setState('form');
    clear(this.body);
    const name = h('input', { id: 'hw-name', name: 'name', type: 'text', required: true, autocomplete: 'name', maxLength: 200 });
    const email = h('input', { id: 'hw-email', name: 'email', type: 'email', autocomplete: 'email', maxLength: 320 });
    const submit = h('button', { type: 'submit', className: 'hw-primary' }, 'Start chat');
    const form = h(
      'form',
      { className: 'hw-form', noValidate: false },
      h('p', {}, 'Tell us who you are and we will connect you.'),
      h('label', { htmlFor: 'hw-name' }, 'Name'),
      name,
      h('label', { htmlFor: 'hw-email' }, 'Email ', h('span', { className: 'hw-optional' }, '(optional)')),
      email,
      submit,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!form.reportValidity()) return;
      submit.disabled = true;
      void this.openSession(name.value.trim(), email.value.trim()).finally(() => (submit.disabled = false));
    });
    this.body.appendChild(form);
    this.setStatus('');
    this.showError(error);
  }

  private async openSession(name: string, email: string): Promise<void> {
    this.showError();
    this.setStatus('Connecting…');
    try {
      const prechat: Record<string, string> = { name };
      if (email) prechat.email = email;
      const res = await fetch(new URL('/api/webchat/sessions', this.hubUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ serviceIdentifier: this.serviceIdentifier, visitorId: visitorId(), prechat }),
      });
      const body = (await res.json().catch(() => ({}))) as { token?: string; customerId?: string; visitorId?: string; error?: { message?: string } };
      if (!res.ok || !body.token || !body.customerId) throw new Error(body.error?.message ?? `the hub answered ${res.status}`);
      if (body.visitorId) store('localStorage', VISITOR_KEY, body.visitorId);
      const saved: SavedSession = { token: body.token, customerId: body.customerId, name, ...(email ? { email } : {}) };
      store('sessionStorage', SESSION_KEY, JSON.stringify(saved));
      await this.start(saved);
    } catch (err) {
      this.setStatus('');
      this.showError(`Could not start the chat: ${errorText(err)}`);
    }
  }

  // ---- the conversation ----------------------------------------------------------------

  private async start(saved: SavedSession): Promise<void> {
    this.customerId = saved.customerId;
    const channelData: Record<string, string> = { browser: browserName(navigator.userAgent), locale: navigator.language };
    if (saved.name) channelData.name = saved.name;
    if (saved.email) channelData.email = saved.email;
    const client = new HubClient(this.hubUrl, { token: saved.token, channelData });
    this.client = client;
    this.showChat();
    this.setState('connecting');
    client.onConversation((view) => this.onConversation(view));
    client.onActivity((a) => this.render(a));
    client.onTyping((t) => this.onTyping(t));
    client.socket.on('disconnect', () => {
      if (this.client !== client) return;
      this.setStatus('Connection lost. Reconnecting…');
      this.setState('reconnecting');
    });
    client.socket.on('connect', () => {
      if (this.client !== client) return;
      this.setStatus('');
      this.setState('connected');
    });
    try {
      await client.connect();
      this.setStatus('');
      this.setState('connected');
    } catch (err) {
      client.close();
      this.client = undefined;
      store('sessionStorage', SESSION_KEY, undefined);
      this.showForm(`Could not connect: ${errorText(err)}`);
    }
  }

  private showChat(): void {
    this.setChatControls(true);
    clear(this.body);
    this.shown.clear();
    this.log = h('ol', { className: 'hw-log', attrs: { role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages' } });
    this.typingLine = h('p', { className: 'hw-typing', attrs: { 'aria-live': 'polite' } });
    const input = h('textarea', { id: 'hw-input', rows: 2, maxLength: 10_000, placeholder: 'Type a message…', attrs: { 'aria-label': 'Message' } });
    this.input = input;
    const send = h('button', { type: 'submit', className: 'hw-primary' }, 'Send');
    const form = h('form', { className: 'hw-compose' }, input, send);
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
    input.addEventListener('input', () => this.localTyping(input.value.length > 0));
    append(this.body, this.log, this.typingLine, form);
    if (!this.panel.hidden) input.focus();
  }

  private submit(): void {
    const input = this.input;
    if (!input) return;
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    this.localTyping(false);
    const clientMessageId = newClientMessageId();
    const el = this.bubble('own', 'You', text, undefined, 'Sending…');
    const p: Pending = { text, clientMessageId, el };
    this.pending.set(clientMessageId, p);
    this.push(el);
    void this.sendPending(p);
  }

  /** Sends (or re-sends) a message; the same clientMessageId makes a retry idempotent. */
  private async sendPending(p: Pending): Promise<void> {
    const client = this.client;
    if (!client) return;
    setNote(p.el, 'Sending…');
    try {
      const activity = await client.send(p.text, { clientMessageId: p.clientMessageId });
      this.render(activity);
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
    if (this.conversationId && this.conversationId !== view.id) {
      this.push(h('li', { className: 'hw-system' }, 'A new conversation started.'));
    }
    this.conversationId = view.id;
    this.panel.dataset.conversationId = view.id;
  }

  private render(a: Activity): void {
    const key = `${a.conversationId}:${a.seq}`;
    if (this.shown.has(key)) return;
    this.shown.add(key);
    switch (a.type) {
      case 'message': {
        const own = a.from.id === this.customerId;
        const pending = a.clientMessageId ? this.pending.get(a.clientMessageId) : undefined;
        if (own && pending) {
          this.pending.delete(pending.clientMessageId);
          pending.el.classList.remove('hw-failed');
          setNote(pending.el, clock(a.at));
          pending.el.dataset.seq = String(a.seq);
          return;
        }
        if (!own) this.clearTyper(a.from.id);
        const el = this.bubble(own ? 'own' : roleClass(a.from), own ? 'You' : displayName(a.from), a.payload.text, a.from.role, clock(a.at));
        el.dataset.seq = String(a.seq);
        this.push(el);
        return;
      }
      case 'participant.joined':
        if (a.payload.participant.role !== 'customer') this.system(`${displayName(a.payload.participant)} joined the chat.`);
        return;
      case 'participant.left':
        if (a.payload.participant.role !== 'customer') this.system(`${displayName(a.payload.participant)} left the chat.`);
        return;
      case 'session.closed':
        if (a.payload.channelSession.customerId === this.customerId && a.payload.reason === 'inactivity') {
          this.system('The chat was closed after a period of inactivity. Write again to continue.');
        }
        return;
      default:
        return; // state changes, tasks and custom activities are not for the customer's eyes
    }
  }

  private bubble(kind: string, who: string, text: string, role: string | undefined, note: string): HTMLElement {
    return h(
      'li',
      { className: `hw-msg hw-${kind}` },
      h('span', { className: 'hw-who' }, who, role && role !== 'customer' && role !== 'agent' ? h('span', { className: 'hw-role' }, ` · ${roleLabel(role)}`) : null),
      h('p', { className: 'hw-text' }, text),
      h('span', { className: 'hw-note' }, note),
    );
  }

  private system(text: string): void {
    this.push(h('li', { className: 'hw-system' }, text));
  }

  private push(el: HTMLElement): void {
    if (!this.log) return;
    this.log.appendChild(el);
    this.log.scrollTop = this.log.scrollHeight;
  }

  // ---- typing --------------------------------------------------------------------------

  private onTyping(t: TypingPush): void {
    if (t.from.id === this.customerId || t.conversationId !== this.conversationId) return;
    if (!t.typing) return this.clearTyper(t.from.id);
    const prior = this.typers.get(t.from.id);
    if (prior) clearTimeout(prior.timer);
    this.typers.set(t.from.id, { name: displayName(t.from), timer: setTimeout(() => this.clearTyper(t.from.id), TYPING_STALE_MS) });
    this.showTypers();
  }

  private clearTyper(id: string): void {
    const t = this.typers.get(id);
    if (!t) return;
    clearTimeout(t.timer);
    this.typers.delete(id);
    this.showTypers();
  }

  private showTypers(): void {
    if (!this.typingLine) return;
    const names = [...this.typers.values()].map((t) => t.name);
    this.typingLine.textContent = names.length === 0 ? '' : `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…`;
  }

  /** Tells the hub the customer is typing, at most every few seconds, and when they stop. */
  private localTyping(active: boolean): void {
    const client = this.client;
    if (!client?.socket.connected) return;
    clearTimeout(this.typingIdle);
    if (active) {
      const now = Date.now();
      if (now - this.typingSentAt > TYPING_EVERY_MS) {
        this.typingSentAt = now;
        client.typing(true).catch(() => {});
      }
      this.typingIdle = setTimeout(() => this.localTyping(false), TYPING_IDLE_MS);
    } else if (this.typingSentAt) {
      this.typingSentAt = 0;
      client.typing(false).catch(() => {});
    }
  }

  // ---- ending --------------------------------------------------------------------------

  private async endChat(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.endButton.disabled = true;
    try {
      await client.call('session.end', {});
    } catch (err) {
      this.endButton.disabled = false;
      this.showError(`Could not end the chat: ${errorText(err)}`);
      return;
    }
    client.close();
    this.client = undefined;
    store('sessionStorage', SESSION_KEY, undefined);
    this.setChatControls(false);
    this.setState('ended');
    clear(this.body);
    const again = h('button', { type: 'button', className: 'hw-primary' }, 'Start a new chat');
    again.addEventListener('click', () => this.showForm());
    append(this.body, h('p', { className: 'hw-ended' }, 'You ended the chat. Thank you for contacting us.'), again);
    again.focus();
  }

  // ---- bits ----------------------------------------------------------------------------

  private setChatControls(chatting: boolean): void {
    this.endButton.hidden = !chatting;
    this.endButton.disabled = false;
    if (!chatting) {
      for (const t of this.typers.values()) clearTimeout(t.timer);
      this.typers.clear();
      this.pending.clear();
      this.log = undefined;
      this.input = undefined;
      this.typingLine = undefined;
      this.conversationId = undefined;
    }
  }

  /** `data-state` on the panel (form, connecting, connected, reconnecting, ended): for styling and tests. */
  private setState(state: string): void {
    this.panel.dataset.state = state;
    if (state !== 'connected' && state !== 'reconnecting') delete this.panel.dataset.conversationId;
  }

  private setStatus(text: string): void {
    this.status.textContent = text;
    this.status.hidden = !text;
  }

  private showError(text?: string): void {
    this.alert.textContent = text ?? '';
    this.alert.hidden = !text;
  }
}

function setNote(el: HTMLElement, text: string): void {
  const note = el.querySelector('.hw-note');
  if (note) note.textContent = text;
}

function displayName(from: Pick<ActivityFrom, 'role' | 'name'>): string {
  return from.name || roleLabel(from.role);
}

function roleLabel(role: string): string {
  switch (role) {
    case 'controller':
      return 'Assistant';
    case 'bot':
      return 'Virtual agent';
    case 'supervisor':
      return 'Supervisor';
    case 'agent':
      return 'Agent';
    case 'app':
      return 'App';
    default:
      return 'Customer';
  }
}

function roleClass(from: ActivityFrom): string {
  return from.role === 'controller' || from.role === 'bot' ? 'bot' : 'agent';
}

function visitorId(): string | undefined {
  try {
    return localStorage.getItem(VISITOR_KEY) ?? undefined;
  } catch {
    return undefined; // storage blocked: the hub makes a new visitor
  }
}

/** Storage can be blocked (privacy settings): the widget then works for this page only. */
function store(kind: 'localStorage' | 'sessionStorage', key: string, value: string | undefined): void {
  try {
    const where = window[kind];
    if (value === undefined) where.removeItem(key);
    else where.setItem(key, value);
  } catch {
    // blocked or full
  }
}

function readSaved(): SavedSession | undefined {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    const s = raw ? (JSON.parse(raw) as Partial<SavedSession>) : undefined;
    return s?.token && s.customerId ? (s as SavedSession) : undefined;
  } catch {
    return undefined;
  }
}

/** A short browser name for channelData ("Chrome 126", "Firefox 128"...). */
export function browserName(ua: string): string {
  const rules: [RegExp, string][] = [
    [/Edg\/(\d+)/, 'Edge'],
    [/OPR\/(\d+)/, 'Opera'],
    [/Firefox\/(\d+)/, 'Firefox'],
    [/HeadlessChrome\/(\d+)/, 'Chrome Headless'],
    [/Chrom(?:e|ium)\/(\d+)/, 'Chrome'],
    [/Version\/(\d+).*Safari\//, 'Safari'],
  ];
  for (const [re, name] of rules) {
    const m = re.exec(ua);
    if (m) return `${name} ${m[1]}`;
  }
  return ua.slice(0, 100) || 'unknown';
}

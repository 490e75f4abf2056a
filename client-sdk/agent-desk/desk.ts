/**
 * A minimal agent desk for agents and supervisors, over the hub's SDK. Every call's `{ ok: false }`
 * answer is shown next to what was tried; nothing here assumes a call exists on the server.
 */
import { HubClient } from '../src/hub-client.js';
import type { Activity, AgentTask, ChannelSession, ConversationView, Participant, TaskOffered, TypingPush } from '../src/contract/index.js';
import { append, clear, clock, errorText, h, newClientMessageId } from '../webchat/dom.js';

const TOKEN_KEY = 'hub.desk.token';
const TYPING_STALE_MS = 6_000;

interface Claims {
  sub?: string;
  role?: string;
  name?: string;
  exp?: number;
}

/** One conversation on the desk: the latest view, its activities by seq, and its pane. */
interface Desked {
  view: ConversationView;
  shown: Set<number>;
  left: boolean;
  unread: number;
  pane: HTMLElement;
  log: HTMLOListElement;
  header: HTMLElement;
  channels: HTMLElement;
  typing: HTMLElement;
  compose: HTMLFormElement;
  typers: Map<string, ReturnType<typeof setTimeout>>;
}

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the desk page has no #${id}`);
  return el as T;
}

export class Desk {
  private client?: HubClient;
  private claims: Claims = {};
  private readonly conversations = new Map<string, Desked>();
  /** Activities that arrived before their conversation's view (joining races the join answer). */
  private readonly early = new Map<string, Activity[]>();
  private readonly offers = new Map<string, HTMLElement>();
  private selected?: string;
  private queueListId?: string;

  private readonly el = {
    adminKey: byId<HTMLInputElement>('admin-key'),
    sub: byId<HTMLInputElement>('token-sub'),
    name: byId<HTMLInputElement>('token-name'),
    role: byId<HTMLSelectElement>('token-role'),
    tokenForm: byId<HTMLFormElement>('token-form'),
    token: byId<HTMLTextAreaElement>('token'),
    connectForm: byId<HTMLFormElement>('connect-form'),
    connectButton: byId<HTMLButtonElement>('connect'),
    disconnectButton: byId<HTMLButtonElement>('disconnect'),
    connection: byId<HTMLElement>('connection'),
    alert: byId<HTMLElement>('alert'),
    setup: byId<HTMLDetailsElement>('setup'),
    workspace: byId<HTMLElement>('workspace'),
    presence: byId<HTMLFormElement>('presence'),
    presenceState: byId<HTMLSelectElement>('presence-state'),
    capacity: byId<HTMLInputElement>('capacity'),
    lists: byId<HTMLInputElement>('lists'),
    presenceStatus: byId<HTMLElement>('presence-status'),
    offers: byId<HTMLUListElement>('offers'),
    queueForm: byId<HTMLFormElement>('queue-form'),
    queueList: byId<HTMLInputElement>('queue-list'),
    queue: byId<HTMLUListElement>('queue'),
    queueStatus: byId<HTMLElement>('queue-status'),
    joinForm: byId<HTMLFormElement>('join-form'),
    joinId: byId<HTMLInputElement>('join-id'),
    joinStatus: byId<HTMLElement>('join-status'),
    tabs: byId<HTMLUListElement>('conversation-list'),
    panes: byId<HTMLElement>('panes'),
    empty: byId<HTMLElement>('no-conversation'),
  };

  constructor() {
    const saved = safeGet(TOKEN_KEY);
    if (saved) this.el.token.value = saved;
    this.el.tokenForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.requestToken();
    });
    this.el.connectForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.connect();
    });
    this.el.disconnectButton.addEventListener('click', () => this.disconnect());
    this.el.presence.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.setPresence();
    });
    this.el.queueForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.showQueue(this.el.queueList.value.trim());
    });
    this.el.joinForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.join(this.el.joinId.value.trim());
    });
  }

  // ---- token and connection ----------------------------------------------------------------

  /** The demo's way to a token: `POST /api/tokens` with the admin key. */
  private async requestToken(): Promise<void> {
    this.showError();
    const sub = this.el.sub.value.trim();
    const name = this.el.name.value.trim();
    try {
      const res = await fetch('/api/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.el.adminKey.value.trim()}` },
        body: JSON.stringify({ sub, role: this.el.role.value, ...(name ? { name } : {}), ttlSeconds: 8 * 3600 }),
      });
      const body = (await res.json().catch(() => ({}))) as { token?: string; error?: { code?: string; message?: string } };
      if (!res.ok || !body.token) throw Object.assign(new Error(body.error?.message ?? `the hub answered ${res.status}`), { code: body.error?.code });
      this.el.token.value = body.token;
      this.el.connectButton.focus();
    } catch (err) {
      this.showError(`Could not get a token: ${errorText(err)}`);
    }
  }

  private async connect(): Promise<void> {
    this.showError();
    const token = this.el.token.value.trim();
    if (!token) return this.showError('Paste a token or get one with the admin key first.');
    this.disconnect();
    this.claims = decodeClaims(token);
    const client = new HubClient(location.origin, { token });
    this.client = client;
    client.onConversation((v) => this.addConversation(v));
    client.onActivity((a) => this.onActivity(a));
    client.onTyping((t) => this.onTyping(t));
    client.on('task.offered', (o) => this.onOffer(o));
    client.on('task.revoked', (r) => this.removeOffer(r.taskId, `Offer withdrawn (${r.reason}).`));
    client.on('task.queued', ({ task }) => {
      if (!this.queueListId || task.listId === this.queueListId) this.addQueued(task);
    });
    client.socket.on('disconnect', () => this.setConnection(client, 'Connection lost, reconnecting…', 'warn'));
    client.socket.on('connect', () => this.setConnection(client, `Connected as ${this.who()}`, 'ok'));
    this.setConnection(client, 'Connecting…', 'warn');
    this.el.connectButton.disabled = true;
    try {
      await client.connect();
      safeSet(TOKEN_KEY, token);
      this.setConnection(client, `Connected as ${this.who()}`, 'ok');
      this.el.workspace.hidden = false;
      this.el.setup.open = false;
      this.el.presence.hidden = this.claims.role !== 'agent';
      this.el.disconnectButton.hidden = false;
    } catch (err) {
      if (this.client === client) this.client = undefined;
      client.close();
      this.el.connection.textContent = 'Not connected';
      this.el.connection.dataset.state = 'off';
      this.showError(`Could not connect: ${errorText(err)}`);
    } finally {
      this.el.connectButton.disabled = false;
    }
  }

  private disconnect(): void {
    if (!this.client) return;
    this.client.close();
    this.client = undefined;
    for (const c of this.conversations.values()) for (const t of c.typers.values()) clearTimeout(t);
    this.conversations.clear();
    this.early.clear();
    this.offers.clear();
    this.selected = undefined;
    clear(this.el.tabs);
    clear(this.el.panes);
    clear(this.el.offers);
    clear(this.el.queue);
    this.el.panes.appendChild(this.el.empty);
    this.el.empty.hidden = false;
    this.el.workspace.hidden = true;
    this.el.disconnectButton.hidden = true;
    this.el.connection.textContent = 'Not connected';
    this.el.connection.dataset.state = 'off';
  }

  private setConnection(client: HubClient, text: string, state: string): void {
    if (this.client !== client) return;
    this.el.connection.textContent = text;
    this.el.connection.dataset.state = state;
  }

  private who(): string {
    return `${this.claims.name ?? this.claims.sub ?? '?'} (${this.claims.role ?? '?'})`;
  }

  /** Runs a call; an error is shown in `status` (or the page alert) and answers undefined. */
  private async attempt<T>(status: HTMLElement | undefined, what: string, fn: (c: HubClient) => Promise<T>): Promise<T | undefined> {
    const client = this.client;
    if (!client) {
      this.showError('Not connected.');
      return undefined;
    }
    if (status) setStatus(status, '');
    try {
      return await fn(client);
    } catch (err) {
      const text = `${what} failed: ${errorText(err)}`;
      if (status) setStatus(status, text, true);
      else this.showError(text);
      return undefined;
    }
  }

  // ---- presence, offers, queues, joining ------------------------------------------------

  private async setPresence(): Promise<void> {
    const state = this.el.presenceState.value === 'ready' ? 'ready' : 'not_ready';
    const capacity = Number.parseInt(this.el.capacity.value, 10);
    const lists = splitList(this.el.lists.value);
    const res = await this.attempt(this.el.presenceStatus, 'agent.state', (c) =>
      c.call('agent.state', { state, ...(Number.isFinite(capacity) ? { capacity } : {}), ...(lists.length ? { lists } : {}) }),
    );
    if (res) setStatus(this.el.presenceStatus, res.state === 'ready' ? 'You are ready for conversations.' : 'You are not ready.');
  }

  private onOffer(o: TaskOffered): void {
    this.removeOffer(o.task.id);
    const customer = customerName(o.conversation);
    const accept = h('button', { type: 'button', className: 'primary' }, 'Accept');
    const reject = h('button', { type: 'button' }, 'Reject');
    const status = h('span', { className: 'status', attrs: { role: 'status' } });
    const li = h(
      'li',
      { className: 'offer', attrs: { 'data-task-id': o.task.id } },
      h('strong', {}, customer),
      h('span', { className: 'meta' }, ` · ${channelsSummary(o.conversation.channelSessions)} · expires ${clock(o.expiresAt)}`),
      lastMessage(o.conversation),
      h('span', { className: 'actions' }, accept, reject),
      status,
    );
    accept.addEventListener('click', async () => {
      accept.disabled = reject.disabled = true;
      const res = await this.attempt(status, 'task.accept', (c) => c.call('task.accept', { taskId: o.task.id }));
      if (res) {
        this.removeOffer(o.task.id);
        this.addConversation(res.conversation, true);
      } else accept.disabled = reject.disabled = false;
    });
    reject.addEventListener('click', async () => {
      accept.disabled = reject.disabled = true;
      const res = await this.attempt(status, 'task.reject', (c) => c.call('task.reject', { taskId: o.task.id }));
      if (res) this.removeOffer(o.task.id);
      else accept.disabled = reject.disabled = false;
    });
    this.offers.set(o.task.id, li);
    this.el.offers.appendChild(li);
  }

  private removeOffer(taskId: string, note?: string): void {
    const li = this.offers.get(taskId);
    if (!li) return;
    this.offers.delete(taskId);
    if (!note) return li.remove();
    clear(li);
    append(li, h('span', { className: 'meta' }, note));
    li.classList.add('gone');
    setTimeout(() => li.remove(), 5_000);
  }

  private async showQueue(listId: string): Promise<void> {
    if (!listId) return setStatus(this.el.queueStatus, 'Name a list.', true);
    const res = await this.attempt(this.el.queueStatus, 'queue.list', (c) => c.call('queue.list', { listId }));
    if (!res) return;
    this.queueListId = listId;
    clear(this.el.queue);
    for (const task of res.tasks) this.addQueued(task);
    setStatus(this.el.queueStatus, res.tasks.length ? '' : `Nothing queued on ${listId}.`);
  }

  private addQueued(task: AgentTask): void {
    if (task.state !== 'queued' || this.el.queue.querySelector(`[data-task-id="${CSS.escape(task.id)}"]`)) return;
    const pull = h('button', { type: 'button', className: 'primary' }, 'Pull');
    const status = h('span', { className: 'status', attrs: { role: 'status' } });
    const li = h(
      'li',
      { attrs: { 'data-task-id': task.id } },
      h('span', {}, `Conversation ${short(task.conversationId)}`),
      h('span', { className: 'meta' }, ` · queued ${clock(task.createdAt)}${task.listId ? ` · ${task.listId}` : ''}`),
      h('span', { className: 'actions' }, pull),
      status,
    );
    pull.addEventListener('click', async () => {
      pull.disabled = true;
      const res = await this.attempt(status, 'task.pull', (c) => c.call('task.pull', { taskId: task.id }));
      if (res) {
        li.remove();
        this.addConversation(res.conversation, true);
      } else pull.disabled = false;
    });
    this.el.queue.appendChild(li);
  }

  private async join(conversationId: string): Promise<void> {
    if (!conversationId) return setStatus(this.el.joinStatus, 'Enter a conversation id.', true);
    const res = await this.attempt(this.el.joinStatus, 'conversation.join', (c) => c.call('conversation.join', { conversationId }));
    if (res) {
      this.el.joinId.value = '';
      this.addConversation(res.conversation, true);
    }
  }

  // ---- conversations -------------------------------------------------------------------

  private addConversation(view: ConversationView, select = false): void {
    let c = this.conversations.get(view.id);
    if (!c) {
      c = this.createPane(view);
      this.conversations.set(view.id, c);
    } else {
      c.view = { ...view, activities: [] };
      c.left = false;
    }
    for (const a of view.activities) this.renderActivity(c, a, false);
    for (const a of this.early.get(view.id) ?? []) this.applyActivity(c, a);
    this.early.delete(view.id);
    this.refresh(c);
    if (select || !this.selected) this.select(view.id);
  }

  private createPane(view: ConversationView): Desked {
    const id = view.id;
    const log = h('ol', { className: 'log', attrs: { role: 'log', 'aria-live': 'polite', 'aria-label': 'Activities' } });
    const typing = h('p', { className: 'typing', attrs: { 'aria-live': 'polite' } });
    const text = h('textarea', { rows: 2, maxLength: 10_000, placeholder: 'Message (Enter) · whisper to agents with the button', attrs: { 'aria-label': 'Message text' } });
    const sendButton = h('button', { type: 'submit', className: 'primary' }, 'Send');
    const whisperButton = h('button', { type: 'button', className: 'whisper-button' }, 'Whisper');
    const composeStatus = h('p', { className: 'status', attrs: { role: 'status' } });
    const compose = h('form', { className: 'compose' }, text, h('span', { className: 'actions' }, sendButton, whisperButton), composeStatus);
    const header = h('header', { className: 'pane-header' });
    const channels = h('div', { className: 'channels' });
    const history = h('div', { className: 'history' });
    const historyStatus = h('p', { className: 'status', attrs: { role: 'status' } });
    const historyButton = h('button', { type: 'button' }, 'Load history');
    const codes = h('input', { type: 'text', placeholder: 'billing, refund', id: `codes-${id}` });
    const note = h('textarea', { rows: 2, id: `note-${id}` });
    const wrapStatus = h('p', { className: 'status', attrs: { role: 'status' } });
    const wrapForm = h(
      'form',
      { className: 'wrapup' },
      h('label', { htmlFor: `codes-${id}` }, 'Codes (comma-separated)'),
      codes,
      h('label', { htmlFor: `note-${id}` }, 'Note'),
      note,
      h('button', { type: 'submit' }, 'Submit wrap-up'),
      wrapStatus,
    );
    const pane = h(
      'section',
      { className: 'pane', hidden: true, attrs: { 'data-conversation-id': id, 'aria-label': 'Conversation' } },
      header,
      h('div', { className: 'pane-body' }, h('div', { className: 'thread' }, log, typing, compose), h(
        'aside',
        { className: 'context' },
        h('section', {}, h('h3', {}, 'Active channels'), channels),
        h('section', {}, h('h3', {}, "Customer's history"), historyButton, historyStatus, history),
        h('section', {}, h('h3', {}, 'Wrap-up'), wrapForm),
      )),
    );
    this.el.panes.appendChild(pane);
    const c: Desked = { view: { ...view, activities: [] }, shown: new Set(), left: false, unread: 0, pane, log, header, channels, typing, compose, typers: new Map() };

    const send = async (kind: 'message' | 'whisper') => {
      const value = text.value.trim();
      if (!value) return;
      const clientMessageId = newClientMessageId();
      sendButton.disabled = whisperButton.disabled = true;
      const res =
        kind === 'message'
          ? await this.attempt(composeStatus, 'message.send', (cl) => cl.call('message.send', { conversationId: id, text: value, clientMessageId }))
          : await this.attempt(composeStatus, 'whisper.send', (cl) => cl.call('whisper.send', { conversationId: id, text: value }));
      sendButton.disabled = whisperButton.disabled = false;
      if (!res) return;
      if (text.value.trim() === value) text.value = '';
      this.renderActivity(c, res.activity, true);
      text.focus();
    };
    compose.addEventListener('submit', (e) => {
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
    let typingSent = 0;
    text.addEventListener('input', () => {
      if (Date.now() - typingSent < 2_500 || !text.value) return;
      typingSent = Date.now();
      this.client?.typing(true, id).catch(() => {});
    });
    text.addEventListener('blur', () => {
      if (!typingSent) return;
      typingSent = 0;
      this.client?.typing(false, id).catch(() => {});
    });

    historyButton.addEventListener('click', async () => {
      historyButton.disabled = true;
      const res = await this.attempt(historyStatus, 'customer.history', (cl) => cl.call('customer.history', { customerId: c.view.customerId, limit: 20 }));
      historyButton.disabled = false;
      if (!res) return;
      clear(history);
      const others = res.conversations;
      if (others.length === 0) setStatus(historyStatus, 'No conversations on record.');
      for (const conv of others) history.appendChild(historyEntry(conv, conv.id === id));
    });

    wrapForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const list = splitList(codes.value);
      const noteText = note.value.trim();
      const res = await this.attempt(wrapStatus, 'wrapup.submit', (cl) =>
        cl.call('wrapup.submit', { conversationId: id, ...(list.length ? { codes: list } : {}), ...(noteText ? { note: noteText } : {}) }),
      );
      if (res) setStatus(wrapStatus, 'Wrap-up saved.');
    });
    return c;
  }

  private select(id: string): void {
    this.selected = id;
    this.el.empty.hidden = true;
    for (const [cid, c] of this.conversations) {
      c.pane.hidden = cid !== id;
      if (cid === id) c.unread = 0;
    }
    this.renderTabs();
  }

  private renderTabs(): void {
    clear(this.el.tabs);
    for (const [id, c] of this.conversations) {
      const button = h(
        'button',
        { type: 'button', className: 'tab', attrs: { 'aria-current': id === this.selected ? 'true' : undefined } },
        h('span', { className: 'tab-name' }, customerName(c.view)),
        h('span', { className: `badge state-${c.view.state}` }, c.left ? 'left' : c.view.state),
        c.unread ? h('span', { className: 'unread', attrs: { 'aria-label': `${c.unread} new` } }, c.unread) : null,
      );
      button.addEventListener('click', () => this.select(id));
      const items: Node[] = [button];
      if (c.left) {
        const close = h('button', { type: 'button', className: 'close', attrs: { 'aria-label': `Close ${customerName(c.view)}` } }, '×');
        close.addEventListener('click', () => this.forget(id));
        items.push(close);
      }
      this.el.tabs.appendChild(h('li', {}, ...items));
    }
  }

  private forget(id: string): void {
    const c = this.conversations.get(id);
    if (!c) return;
    c.pane.remove();
    this.conversations.delete(id);
    if (this.selected === id) {
      this.selected = undefined;
      const next = this.conversations.keys().next();
      if (!next.done) this.select(next.value);
      else this.el.empty.hidden = false;
    }
    this.renderTabs();
  }

  private onActivity(a: Activity): void {
    const c = this.conversations.get(a.conversationId);
    if (!c) {
      const list = this.early.get(a.conversationId) ?? [];
      list.push(a);
      this.early.set(a.conversationId, list);
      return;
    }
    this.applyActivity(c, a);
  }

  /** An activity changes the conversation as the desk knows it, then shows. */
  private applyActivity(c: Desked, a: Activity): void {
    const v = c.view;
    switch (a.type) {
      case 'state.changed':
        v.state = a.payload.to;
        break;
      case 'session.started':
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
        if (a.payload.participant.id === this.claims.sub) c.left = true;
        break;
      default:
        break;
    }
    v.lastSeq = Math.max(v.lastSeq, a.seq);
    if (a.type === 'message' || a.type === 'whisper') this.clearTyper(c, a.from.id);
    const isNew = this.renderActivity(c, a, true);
    if (isNew && this.selected !== c.view.id && (a.type === 'message' || a.type === 'whisper')) c.unread++;
    this.refresh(c);
  }

  /** Puts one activity in the log, in seq order, once. */
  private renderActivity(c: Desked, a: Activity, scroll: boolean): boolean {
    if (c.shown.has(a.seq)) return false;
    c.shown.add(a.seq);
    const li = activityItem(a, a.from.id === this.claims.sub);
    li.dataset.seq = String(a.seq);
    let before: Element | null = null;
    for (let el = c.log.lastElementChild; el; el = el.previousElementSibling) {
      if (Number((el as HTMLElement).dataset.seq) > a.seq) before = el;
      else break;
    }
    c.log.insertBefore(li, before);
    if (scroll) c.log.scrollTop = c.log.scrollHeight;
    return true;
  }

  private refresh(c: Desked): void {
    const v = c.view;
    clear(c.header);
    const leave = h('button', { type: 'button', disabled: c.left }, 'Leave');
    const status = h('span', { className: 'status', attrs: { role: 'status' } });
    leave.addEventListener('click', async () => {
      leave.disabled = true;
      const res = await this.attempt(status, 'conversation.leave', (cl) => cl.call('conversation.leave', { conversationId: v.id }));
      if (res) {
        c.left = true;
        this.refresh(c);
      } else leave.disabled = false;
    });
    append(
      c.header,
      h('h2', {}, customerName(v)),
      h('span', { className: `badge state-${v.state}` }, v.state),
      h('span', { className: 'meta' }, `conversation ${v.id} · customer ${v.customerId} · ${participantsSummary(v.participants)}`),
      h('span', { className: 'actions' }, leave),
      status,
    );
    for (const el of c.compose.querySelectorAll<HTMLTextAreaElement | HTMLButtonElement>('textarea, button')) el.disabled = c.left;

    clear(c.channels);
    const sessions = [...v.channelSessions].sort((a, b) => Number(b.state === 'open') - Number(a.state === 'open') || b.openedAt.localeCompare(a.openedAt));
    if (sessions.length === 0) c.channels.appendChild(h('p', { className: 'meta' }, 'No channel sessions.'));
    for (const s of sessions) c.channels.appendChild(channelCard(s));
    this.renderTabs();
  }

  private onTyping(t: TypingPush): void {
    const c = this.conversations.get(t.conversationId);
    if (!c || t.from.id === this.claims.sub) return;
    this.clearTyper(c, t.from.id);
    if (t.typing) c.typers.set(t.from.id, setTimeout(() => this.clearTyper(c, t.from.id), TYPING_STALE_MS));
    c.typing.textContent = t.typing ? `${t.from.name ?? t.from.role} is typing…` : c.typers.size ? c.typing.textContent : '';
  }

  private clearTyper(c: Desked, id: string): void {
    const timer = c.typers.get(id);
    if (timer === undefined) return;
    clearTimeout(timer);
    c.typers.delete(id);
    if (c.typers.size === 0) c.typing.textContent = '';
  }

  private showError(text?: string): void {
    this.el.alert.textContent = text ?? '';
    this.el.alert.hidden = !text;
  }
}

// ---- rendering helpers -------------------------------------------------------------------

function activityItem(a: Activity, mine: boolean): HTMLLIElement {
  const who = `${a.from.name ?? a.from.id} · ${a.from.role}`;
  const time = h('time', { dateTime: a.at }, clock(a.at));
  switch (a.type) {
    case 'message':
      return h(
        'li',
        { className: `msg from-${a.from.role}${mine ? ' mine' : ''}` },
        h('span', { className: 'who' }, who, ' ', time),
        h('p', { className: 'text' }, a.payload.text),
        ...(a.payload.attachments ?? []).map((f) => h('a', { href: safeUrl(f.url), target: '_blank', rel: 'noopener noreferrer' }, `📎 ${f.name}`)),
      );
    case 'whisper':
      return h(
        'li',
        { className: 'msg whisper' },
        h('span', { className: 'who' }, 'Whisper · agents only · ', who, ' ', time),
        h('p', { className: 'text' }, a.payload.text),
      );
    case 'suggestion':
      return h(
        'li',
        { className: 'msg suggestion' },
        h('span', { className: 'who' }, `Suggestion${a.payload.confidence !== undefined ? ` (${Math.round(a.payload.confidence * 100)}%)` : ''} · `, who, ' ', time),
        h('p', { className: 'text' }, a.payload.text),
      );
    case 'handoff':
      return system(a, `Handoff from ${who}: ${[a.payload.intent && `intent ${a.payload.intent}`, a.payload.sentiment !== undefined && `sentiment ${a.payload.sentiment}`, a.payload.summary].filter(Boolean).join(' · ') || 'no summary'}`);
    case 'participant.joined':
      return system(a, `${a.payload.participant.name ?? a.payload.participant.id} (${a.payload.participant.role}) joined`);
    case 'participant.left':
      return system(a, `${a.payload.participant.name ?? a.payload.participant.id} (${a.payload.participant.role}) left${a.payload.reason ? `: ${a.payload.reason}` : ''}`);
    case 'session.started':
      return system(a, `${a.payload.channelSession.serviceIdentifier} session opened`);
    case 'session.closed':
      return system(a, `${a.payload.channelSession.serviceIdentifier} session closed${a.payload.reason ? ` (${a.payload.reason})` : ''}`);
    case 'state.changed':
      return system(a, `State ${a.payload.from} → ${a.payload.to}`);
    case 'task.created':
    case 'task.assigned':
    case 'task.closed':
      return system(a, `Task ${a.type.slice(5)}: ${a.payload.task.state}${a.payload.task.agentId ? ` · ${a.payload.task.agentId}` : ''}${a.payload.task.listId ? ` · ${a.payload.task.listId}` : ''}`);
    case 'wrapup':
      return system(a, `Wrap-up by ${who}: ${a.payload.codes.join(', ') || 'no codes'}${a.payload.note ? ` · ${a.payload.note}` : ''}`);
    case 'custom':
      return system(a, `Custom (${a.visibility}) from ${who}: ${JSON.stringify(a.payload).slice(0, 300)}`);
  }
}

function system(a: Activity, text: string): HTMLLIElement {
  return h('li', { className: `event${a.visibility === 'agents' ? ' agents-only' : ''}` }, h('span', {}, text), ' ', h('time', { dateTime: a.at }, clock(a.at)));
}

function channelCard(s: ChannelSession): HTMLElement {
  const data = Object.entries(s.channelData);
  return h(
    'article',
    { className: `channel ${s.state}` },
    h('h4', {}, `${s.serviceIdentifier} `, h('span', { className: 'meta' }, `(${s.channelType}) · ${s.state}`)),
    h('p', { className: 'meta' }, `opened ${new Date(s.openedAt).toLocaleString()}${s.closedAt ? ` · closed ${clock(s.closedAt)}${s.closeReason ? ` (${s.closeReason})` : ''}` : ''}`),
    data.length
      ? h('dl', {}, ...data.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))
      : h('p', { className: 'meta' }, 'No channel data.'),
  );
}

function historyEntry(conv: ConversationView, current: boolean): HTMLElement {
  const messages = conv.activities.filter((a) => a.type === 'message');
  const channels = [...new Set(conv.channelSessions.map((s) => s.serviceIdentifier))].join(', ') || 'no channel';
  return h(
    'details',
    { className: 'past' },
    h('summary', {}, `${new Date(conv.createdAt).toLocaleString()} · ${channels} · ${conv.state}${current ? ' · this conversation' : ''} · ${messages.length} messages`),
    h(
      'ol',
      { className: 'log compact' },
      ...messages.map((a) => activityItem(a, false)),
    ),
  );
}

function lastMessage(v: ConversationView): HTMLElement | null {
  const m = [...v.activities].reverse().find((a) => a.type === 'message');
  return m && m.type === 'message' ? h('q', { className: 'preview' }, m.payload.text.slice(0, 140)) : null;
}

function customerName(v: Pick<ConversationView, 'participants' | 'customerId' | 'channelSessions'>): string {
  const p = v.participants.find((x) => x.role === 'customer');
  return p?.name ?? v.channelSessions.find((s) => s.channelData.name)?.channelData.name ?? `Customer ${short(v.customerId)}`;
}

function channelsSummary(sessions: ChannelSession[]): string {
  return sessions.filter((s) => s.state === 'open').map((s) => s.serviceIdentifier).join(', ') || 'no open channel';
}

function participantsSummary(ps: Participant[]): string {
  return ps.map((p) => `${p.name ?? short(p.id)} (${p.role})`).join(', ');
}

function short(id: string): string {
  return id.length > 10 ? `${id.slice(0, 8)}…` : id;
}

function splitList(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

function setStatus(el: HTMLElement, text: string, error = false): void {
  el.textContent = text;
  el.classList.toggle('error', error);
}

function safeUrl(url: string): string {
  return /^https?:\/\//i.test(url) ? url : '#';
}

/** The token's claims, for display only (the hub verifies it). */
function decodeClaims(token: string): Claims {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    return JSON.parse(json) as Claims;
  } catch {
    return {};
  }
}

function safeGet(key: string): string | undefined {
  try {
    return sessionStorage.getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}

function safeSet(key: string, value: string): void {
  try {
    sessionStorage.setItem(key, value);
  } catch {
    // storage blocked
  }
}

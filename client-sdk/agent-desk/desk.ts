/**
 * A minimal agent desk for agents and supervisors, over the hub's SDK: the connection (sign-in.ts:
 * username and password, then a token function that refreshes), the sidebar's work (work.ts), a pane per conversation (pane.ts) with tabs to
 * switch between them, and for supervisors the floor (floor.ts). Every call's `{ ok: false }` answer is shown next to what was tried.
 */
import { setAttachmentToken } from '../ui/attachments.js';
import { HubClient } from '@conversation-hub/client-sdk';
import type { Activity, ConversationView } from '@conversation-hub/client-sdk/contract';
import { clear, errorText, h, setStatus } from '../ui/dom.js';
import type { DeskContext } from './context.js';
import { ConversationPane } from './pane.js';
import { customerName } from './render.js';
import { DeskSession, type Claims } from './sign-in.js';
import { FloorPanel } from './floor.js';
import { WorkPanel } from './work.js';

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the desk page has no #${id}`);
  return el as T;
}

export class Desk implements DeskContext {
  private hub?: HubClient;
  private session?: DeskSession;
  private claims: Claims = {};
  private readonly panes = new Map<string, ConversationPane>();
  /** Activities that arrived before their conversation's view (joining races the join's answer). */
  private readonly early = new Map<string, Activity[]>();
  private selected?: string;
  private readonly work: WorkPanel;
  private readonly floor: FloorPanel;

  private readonly el = {
    username: byId<HTMLInputElement>('username'),
    password: byId<HTMLInputElement>('password'),
    signInForm: byId<HTMLFormElement>('sign-in-form'),
    connectButton: byId<HTMLButtonElement>('sign-in'),
    disconnectButton: byId<HTMLButtonElement>('disconnect'),
    connection: byId<HTMLElement>('connection'),
    alert: byId<HTMLElement>('alert'),
    setup: byId<HTMLDetailsElement>('setup'),
    workspace: byId<HTMLElement>('workspace'),
    tabs: byId<HTMLUListElement>('conversation-list'),
    panes: byId<HTMLElement>('panes'),
    empty: byId<HTMLElement>('no-conversation'),
  };

  constructor() {
    this.work = new WorkPanel(this);
    this.floor = new FloorPanel(this);
    this.el.signInForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.connect();
    });
    this.el.disconnectButton.addEventListener('click', () => this.disconnect());
  }

  // ---- DeskContext -----------------------------------------------------------------------

  me(): string | undefined {
    return this.claims.sub;
  }

  client(): HubClient | undefined {
    return this.hub;
  }

  async attempt<T>(status: HTMLElement | undefined, what: string, fn: (c: HubClient) => Promise<T>): Promise<T | undefined> {
    const client = this.hub;
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

  open(view: ConversationView, select: boolean): void {
    let pane = this.panes.get(view.id);
    if (pane) pane.showView(view);
    else {
      pane = new ConversationPane(view, this, () => this.renderTabs());
      this.panes.set(view.id, pane);
      this.el.panes.appendChild(pane.el);
    }
    for (const a of this.early.get(view.id) ?? []) pane.apply(a, this.selected === view.id);
    this.early.delete(view.id);
    if (select || !this.selected) this.select(view.id);
  }

  // ---- token and connection ----------------------------------------------------------------

  private async connect(): Promise<void> {
    this.showError();
    this.disconnect();
    this.el.connectButton.disabled = true;
    let session: DeskSession;
    try {
      session = await DeskSession.signIn(this.el.username.value.trim(), this.el.password.value);
    } catch (err) {
      this.el.connectButton.disabled = false;
      return this.showError(`Could not sign in: ${errorText(err)}`);
    }
    this.el.password.value = '';
    this.session = session;
    this.claims = session.claims;
    // A token function: HubClient asks it before every connection, so a reconnect after the access
    // token expired gets a refreshed one (PROTOCOL.md §2.3).
    setAttachmentToken(session.tokenFn); // the pane's attachments are fetched with it
    const client = new HubClient(location.origin, { token: session.tokenFn });
    this.hub = client;
    client.on('session.expired', (p) => {
      if (p.reason === 'revoked') this.showError('Your account was disabled: signed out.');
    });
    // Everything a pane shows comes from here (and the history in a join's answer).
    client.onConversation((v) => this.open(v, false));
    client.onActivity((a) => this.onActivity(a));
    client.onTyping((t) => this.panes.get(t.conversationId)?.onTyping(t));
    client.on('receipt', (r) => this.panes.get(r.conversationId)?.receipt(r));
    this.work.attach(client, this.claims.role);
    this.floor.attach(client, this.claims.role);
    client.socket.on('disconnect', () => this.setConnection(client, 'Connection lost, reconnecting…', 'warn'));
    client.socket.on('connect', () => this.setConnection(client, `Connected as ${this.who()}`, 'ok'));
    this.setConnection(client, 'Connecting…', 'warn');
    try {
      await client.connect();
      this.setConnection(client, `Connected as ${this.who()}`, 'ok');
      this.el.workspace.hidden = false;
      this.el.setup.open = false;
      this.el.disconnectButton.hidden = false;
    } catch (err) {
      if (this.hub === client) this.hub = undefined;
      client.close();
      this.setConnection(undefined, 'Not connected', 'off');
      this.showError(`Could not connect: ${errorText(err)}`);
    } finally {
      this.el.connectButton.disabled = false;
    }
  }

  private disconnect(): void {
    void this.session?.signOut();
    this.session = undefined;
    if (!this.hub) return;
    this.hub.close();
    this.hub = undefined;
    for (const pane of this.panes.values()) pane.dispose();
    this.panes.clear();
    this.early.clear();
    this.work.reset();
    this.floor.reset();
    this.selected = undefined;
    clear(this.el.tabs);
    this.el.empty.hidden = false;
    this.el.workspace.hidden = true;
    this.el.disconnectButton.hidden = true;
    this.setConnection(undefined, 'Not connected', 'off');
  }

  /** Updates the connection line, unless `client` is no longer the desk's. */
  private setConnection(client: HubClient | undefined, text: string, state: string): void {
    if (client && this.hub !== client) return;
    this.el.connection.textContent = text;
    this.el.connection.dataset.state = state;
  }

  private who(): string {
    return `${this.claims.name ?? this.claims.sub ?? '?'} (${this.claims.role ?? '?'})`;
  }

  // ---- conversations -------------------------------------------------------------------

  private onActivity(a: Activity): void {
    const pane = this.panes.get(a.conversationId);
    if (pane) return pane.apply(a, this.selected === a.conversationId);
    const list = this.early.get(a.conversationId) ?? [];
    list.push(a);
    this.early.set(a.conversationId, list);
  }

  private select(id: string): void {
    this.selected = id;
    this.el.empty.hidden = true;
    for (const [cid, pane] of this.panes) {
      pane.el.hidden = cid !== id;
      if (cid === id) pane.shown();
    }
    this.renderTabs();
  }

  private renderTabs(): void {
    clear(this.el.tabs);
    for (const [id, pane] of this.panes) {
      const name = customerName(pane.view);
      const button = h(
        'button',
        { type: 'button', className: 'tab', attrs: { 'aria-current': id === this.selected ? 'true' : undefined } },
        h('span', { className: 'tab-name' }, name),
        h('span', { className: `badge state-${pane.view.state}` }, pane.left ? 'left' : pane.view.state),
        pane.unread ? h('span', { className: 'unread', attrs: { 'aria-label': `${pane.unread} new` } }, pane.unread) : null,
      );
      button.addEventListener('click', () => this.select(id));
      const items: Node[] = [button];
      if (pane.left) {
        const close = h('button', { type: 'button', className: 'close', attrs: { 'aria-label': `Close ${name}` } }, '×');
        close.addEventListener('click', () => this.forget(id));
        items.push(close);
      }
      this.el.tabs.appendChild(h('li', {}, ...items));
    }
  }

  private forget(id: string): void {
    const pane = this.panes.get(id);
    if (!pane) return;
    pane.dispose();
    this.panes.delete(id);
    if (this.selected === id) {
      this.selected = undefined;
      const next = this.panes.keys().next();
      if (!next.done) this.select(next.value);
      else this.el.empty.hidden = false;
    }
    this.renderTabs();
  }

  private showError(text?: string): void {
    this.el.alert.textContent = text ?? '';
    this.el.alert.hidden = !text;
  }
}

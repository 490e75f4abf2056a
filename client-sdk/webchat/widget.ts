/**
 * The webchat widget's shell: the launcher, the panel (a labelled dialog) and its states, moving
 * between the pre-chat form (prechat.ts), the closed screen (offline.ts), the chat (chat-view.ts,
 * over the connection of session.ts, with its queue line, queue-line.ts) and the ended screen. Plain DOM, no framework; only types come from the contract,
 * so zod stays out of the bundle.
 */
import { setAttachmentToken } from '../ui/attachments.js';
import type { HubClient } from '@conversation-hub/client-sdk';
import { append, clear, errorText, h } from '../ui/dom.js';
import { ChatView } from './chat-view.js';
import { offlineForm, offlineMessageText } from './offline.js';
import { endedScreen, prechatForm } from './prechat.js';
import { QueueLine } from './queue-line.js';
import { customerClient, forgetSession, openSession, savedSession, saveSession, type SavedSession } from './session.js';

export interface WebchatOptions {
  /** Where the hub is; the origin the widget's script came from by default. */
  hubUrl?: string;
  /** Where the widget asks for a session; `<hubUrl>/api/webchat/sessions` by default (a site may proxy it). */
  sessionUrl?: string;
  /** The channel the widget opens sessions on. */
  serviceIdentifier?: string;
  /** Title shown in the header. */
  title?: string;
  /** Start with the panel open (the demo page does). */
  open?: boolean;
  /** The site's identity token for its signed-in user (PROTOCOL.md §2.2): sessions are then verified. See also `identify`. */
  identityToken?: string;
}

/** `data-state` of the panel, for styling and tests. */
type State = 'form' | 'closed' | 'connecting' | 'connected' | 'reconnecting' | 'ended';

export function mountWebchat(host: HTMLElement, opts: WebchatOptions = {}): Webchat {
  return new Webchat(host, opts);
}

export class Webchat {
  private readonly hubUrl: string;
  private readonly sessionUrl: string;
  private readonly serviceIdentifier: string;
  private readonly panel: HTMLElement;
  private readonly launcher: HTMLButtonElement;
  private readonly body: HTMLElement;
  private readonly status: HTMLElement;
  private readonly alert: HTMLElement;
  private readonly queue: HTMLElement;
  private readonly endButton: HTMLButtonElement;
  private client?: HubClient;
  private chat?: ChatView;
  private queueLine?: QueueLine;
  private identityToken: string | undefined;
  private session?: SavedSession;

  constructor(host: HTMLElement, opts: WebchatOptions) {
    this.hubUrl = opts.hubUrl ?? location.origin;
    this.sessionUrl = opts.sessionUrl ?? new URL('/api/webchat/sessions', this.hubUrl).href;
    this.serviceIdentifier = opts.serviceIdentifier ?? 'webchat';
    this.identityToken = opts.identityToken;
    const title = opts.title ?? 'Chat with us';
    const titleId = `hub-webchat-title-${Math.random().toString(36).slice(2, 8)}`;

    this.launcher = h('button', { type: 'button', className: 'hw-launcher', attrs: { 'aria-expanded': 'false', 'aria-controls': 'hub-webchat-panel' } }, title);
    this.status = h('p', { className: 'hw-status', attrs: { role: 'status', 'aria-live': 'polite' } });
    this.alert = h('p', { className: 'hw-alert', hidden: true, attrs: { role: 'alert' } });
    this.queue = h('p', { className: 'hw-queue', hidden: true, attrs: { role: 'status', 'aria-live': 'polite' } });
    this.endButton = h('button', { type: 'button', className: 'hw-end', hidden: true }, 'End chat');
    const closeButton = h('button', { type: 'button', className: 'hw-close', attrs: { 'aria-label': 'Minimise chat' } }, '–');
    this.body = h('div', { className: 'hw-body' });
    this.panel = h(
      'section',
      { id: 'hub-webchat-panel', className: 'hw-panel', hidden: true, attrs: { role: 'dialog', 'aria-labelledby': titleId } },
      h('header', { className: 'hw-header' }, h('h2', { id: titleId }, title), this.endButton, closeButton),
      this.status,
      this.alert,
      this.queue,
      this.body,
    );
    append(host, this.launcher, this.panel);

    this.launcher.addEventListener('click', () => this.setOpen(this.panel.hidden));
    closeButton.addEventListener('click', () => this.setOpen(false));
    this.panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.setOpen(false);
    });
    this.endButton.addEventListener('click', () => void this.endChat());

    const saved = savedSession();
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

  /**
   * The host page vouches for its signed-in user (`window.HubWebchat.identify(token)`): the next
   * session is verified, and a chat going on anonymously moves to a verified session now.
   */
  async identify(identityToken: string): Promise<void> {
    this.identityToken = identityToken;
    if (!this.session || this.session.verified) return;
    await this.openSession(this.session.name ?? '', '');
  }

  private showForm(error?: string): void {
    this.stopChat();
    this.setState('form');
    prechatForm(this.body, (name, email) => this.openSession(name, email));
    this.setStatus('');
    this.showError(error);
  }

  private async openSession(name: string, email: string): Promise<void> {
    this.showError();
    this.setStatus('Connecting…');
    try {
      await this.start(await openSession(this.sessionUrl, this.serviceIdentifier, name, email, this.identityToken));
    } catch (err) {
      this.setStatus('');
      this.showError(`Could not start the chat: ${errorText(err)}`);
    }
  }

  /** The channel is closed: its next opening and the form whose message starts the chat. */
  private showOffline(saved: SavedSession): void {
    this.stopChat();
    this.session = saved;
    this.setState('closed');
    this.setStatus('');
    offlineForm(this.body, { ...(saved.closed?.nextOpeningAt ? { nextOpeningAt: saved.closed.nextOpeningAt } : {}), name: saved.name ?? '', email: saved.closed?.email ?? '' }, (name, email, message) =>
      this.leaveMessage(saved, offlineMessageText(name, email, message)),
    );
  }

  /** The offline form's message is the chat's first: the hub keeps it for the opening. */
  private async leaveMessage(saved: SavedSession, text: string): Promise<void> {
    const { closed: _closed, ...open } = saved;
    saveSession(open);
    await this.start(open);
    if (this.chat && this.session === open) this.chat.sendText(text);
  }

  private async start(saved: SavedSession): Promise<void> {
    if (saved.closed) return this.showOffline(saved);
    this.stopChat();
    this.session = saved;
    const client = customerClient(this.hubUrl, saved);
    this.client = client;
    setAttachmentToken(() => saved.token); // uploads and hub-stored files are fetched with it
    this.chat = new ChatView(client, saved.customerId, this.body, (id) => (this.panel.dataset.conversationId = id), this.hubUrl);
    this.queueLine = new QueueLine(client, this.queue);
    this.endButton.hidden = false;
    this.setState('connecting');
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
    if (!this.panel.hidden) this.chat.focus();
    try {
      await client.connect();
      this.setStatus('');
      this.setState('connected');
    } catch (err) {
      forgetSession();
      this.showForm(`Could not connect: ${errorText(err)}`);
    }
  }

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
    forgetSession();
    this.stopChat();
    this.setState('ended');
    endedScreen(this.body, () => this.showForm());
  }

  /** Closes the client and empties the body: back to no chat. */
  private stopChat(): void {
    this.chat?.dispose();
    this.chat = undefined;
    this.queueLine?.dispose();
    this.queueLine = undefined;
    this.client?.close();
    this.client = undefined;
    this.session = undefined;
    this.endButton.hidden = true;
    this.endButton.disabled = false;
    clear(this.body);
  }

  private setState(state: State): void {
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

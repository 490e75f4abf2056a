/**
 * The desk's sidebar forms: availability (`agent.state`), offers (`task.offered` → Accept /
 * Reject), pull queues (`queue.list`, `task.queued`, `task.pull`) and joining by id (supervisors).
 */
import type { HubClient } from '@conversation-hub/client-sdk';
import type { AgentTask, TaskOffered } from '@conversation-hub/client-sdk/contract';
import { append, clear, clock, h, setStatus } from '../ui/dom.js';
import { short } from '../ui/names.js';
import type { DeskContext } from './context.js';
import { channelsSummary, customerName, lastMessage, splitList } from './render.js';

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the desk page has no #${id}`);
  return el as T;
}

export class WorkPanel {
  private readonly offers = new Map<string, HTMLElement>();
  private queueListId?: string;
  private readonly el = {
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
  };

  constructor(private readonly desk: DeskContext) {
    const onSubmit = (form: HTMLFormElement, fn: () => Promise<void>) =>
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        void fn();
      });
    onSubmit(this.el.presence, () => this.setPresence());
    onSubmit(this.el.queueForm, () => this.showQueue(this.el.queueList.value.trim()));
    onSubmit(this.el.joinForm, () => this.join(this.el.joinId.value.trim()));
  }

  /** Listens to a new client's offers and queue pushes; `role` shows availability to agents only. */
  attach(client: HubClient, role: string | undefined): void {
    client.on('task.offered', (o) => this.onOffer(o));
    client.on('task.revoked', (r) => this.removeOffer(r.taskId, `Offer withdrawn (${r.reason}).`));
    client.on('task.queued', ({ task }) => {
      if (!this.queueListId || task.listId === this.queueListId) this.addQueued(task);
    });
    this.el.presence.hidden = role !== 'agent';
  }

  reset(): void {
    this.offers.clear();
    this.queueListId = undefined;
    clear(this.el.offers);
    clear(this.el.queue);
  }

  private async setPresence(): Promise<void> {
    const state = this.el.presenceState.value === 'ready' ? 'ready' : 'not_ready';
    const capacity = Number.parseInt(this.el.capacity.value, 10);
    const lists = splitList(this.el.lists.value);
    const res = await this.desk.attempt(this.el.presenceStatus, 'agent.state', (c) =>
      c.call('agent.state', { state, ...(Number.isFinite(capacity) ? { capacity } : {}), ...(lists.length ? { lists } : {}) }),
    );
    if (res) setStatus(this.el.presenceStatus, res.state === 'ready' ? 'You are ready for conversations.' : 'You are not ready.');
  }

  private onOffer(o: TaskOffered): void {
    this.removeOffer(o.task.id);
    const accept = h('button', { type: 'button', className: 'primary' }, 'Accept');
    const reject = h('button', { type: 'button' }, 'Reject');
    const status = h('span', { className: 'status', attrs: { role: 'status' } });
    const li = h(
      'li',
      { className: 'offer', attrs: { 'data-task-id': o.task.id } },
      h('strong', {}, customerName(o.conversation)),
      h('span', { className: 'meta' }, ` · ${channelsSummary(o.conversation.channelSessions)} · expires ${clock(o.expiresAt)}`),
      lastMessage(o.conversation),
      h('span', { className: 'actions' }, accept, reject),
      status,
    );
    const answer = async (call: 'task.accept' | 'task.reject') => {
      accept.disabled = reject.disabled = true;
      const res = await this.desk.attempt(status, call, (c) => c.call(call, { taskId: o.task.id }));
      if (!res) return void (accept.disabled = reject.disabled = false);
      this.removeOffer(o.task.id);
      if ('conversation' in res) this.desk.open(res.conversation, true);
    };
    accept.addEventListener('click', () => void answer('task.accept'));
    reject.addEventListener('click', () => void answer('task.reject'));
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
    const res = await this.desk.attempt(this.el.queueStatus, 'queue.list', (c) => c.call('queue.list', { listId }));
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
      const res = await this.desk.attempt(status, 'task.pull', (c) => c.call('task.pull', { taskId: task.id }));
      if (!res) return void (pull.disabled = false);
      li.remove();
      this.desk.open(res.conversation, true);
    });
    this.el.queue.appendChild(li);
  }

  private async join(conversationId: string): Promise<void> {
    if (!conversationId) return setStatus(this.el.joinStatus, 'Enter a conversation id.', true);
    const res = await this.desk.attempt(this.el.joinStatus, 'conversation.join', (c) => c.call('conversation.join', { conversationId }));
    if (!res) return;
    this.el.joinId.value = '';
    this.desk.open(res.conversation, true);
  }
}

/**
 * The supervisor's view of the floor (PROTOCOL.md §3.2 `supervisor.watch`, §4 `dashboard`): queues
 * (waiting, oldest wait, today's service level), agents (state, reason, load, since) with "Force
 * not ready", and live conversations with "Monitor" (a silent join) and "Reassign" (to an agent or
 * a list). The hub pushes a new dashboard at most once a second; each push redraws the tables.
 */
import type { HubClient } from '@conversation-hub/client-sdk';
import type { Dashboard, DashboardAgent, DashboardConversation, DashboardQueue } from '@conversation-hub/client-sdk/contract';
import { clear, clock, h, setStatus } from '../ui/dom.js';
import { short } from '../ui/names.js';
import type { DeskContext } from './context.js';

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the desk page has no #${id}`);
  return el as T;
}

/** "2 min 5 s" for a wait. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m} min ${seconds % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export class FloorPanel {
  private readonly el = {
    floor: byId<HTMLElement>('floor'),
    at: byId<HTMLElement>('floor-at'),
    status: byId<HTMLElement>('floor-status'),
    reason: byId<HTMLInputElement>('force-reason'),
    queues: byId<HTMLTableSectionElement>('floor-queues'),
    agents: byId<HTMLTableSectionElement>('floor-agents'),
    conversations: byId<HTMLTableSectionElement>('floor-conversations'),
  };

  constructor(private readonly desk: DeskContext) {}

  /** For a supervisor: watch now and after every reconnect (a new socket is in no room). */
  attach(client: HubClient, role: string | undefined): void {
    this.el.floor.hidden = role !== 'supervisor';
    if (role !== 'supervisor') return;
    client.on('dashboard', (d) => this.render(d));
    client.socket.on('connect', () => void this.watch());
  }

  reset(): void {
    this.el.floor.hidden = true;
    for (const body of [this.el.queues, this.el.agents, this.el.conversations]) clear(body);
    this.el.at.textContent = '';
  }

  private async watch(): Promise<void> {
    const res = await this.desk.attempt(this.el.status, 'supervisor.watch', (c) => c.call('supervisor.watch', {}));
    if (res) this.render(res.dashboard);
  }

  render(d: Dashboard): void {
    this.el.floor.dataset.at = d.at;
    this.el.at.textContent = `Updated ${clock(d.at)}`;
    this.fill(this.el.queues, d.queues.map((q) => this.queueRow(q)), 4, 'Nothing waiting, no lists served.');
    this.fill(this.el.agents, d.agents.map((a) => this.agentRow(a)), 5, 'No agents known.');
    // A push redraws the rows: what a supervisor is typing into a reassign box survives it.
    const typed = new Map<string, string>();
    const focused = (document.activeElement as HTMLElement | null)?.closest('tr')?.dataset.conversationId;
    for (const input of this.el.conversations.querySelectorAll<HTMLInputElement>('tr[data-conversation-id] input')) {
      if (input.value) typed.set(input.closest('tr')!.dataset.conversationId!, input.value);
    }
    this.agentIds(d.agents);
    this.fill(this.el.conversations, d.conversations.map((c) => this.conversationRow(c, typed.get(c.conversationId) ?? '')), 6, 'No live conversations.');
    if (focused) this.el.conversations.querySelector<HTMLInputElement>(`tr[data-conversation-id="${CSS.escape(focused)}"] input`)?.focus();
  }

  private fill(body: HTMLTableSectionElement, rows: HTMLTableRowElement[], columns: number, empty: string): void {
    clear(body);
    if (rows.length === 0) body.appendChild(h('tr', {}, h('td', { colSpan: columns, className: 'meta' }, empty)));
    for (const r of rows) body.appendChild(r);
  }

  private queueRow(q: DashboardQueue): HTMLTableRowElement {
    const sl = q.serviceLevel;
    const level = sl.percent === null ? '—' : `${sl.percent}% (${sl.answeredWithin}/${sl.offered} within ${sl.thresholdSeconds} s)`;
    return h(
      'tr',
      { attrs: { 'data-list-id': q.listId ?? '' } },
      h('td', {}, q.listId ?? '(no list)'),
      h('td', { className: 'num' }, q.waiting),
      h('td', { className: 'num' }, q.waiting ? duration(q.oldestWaitSeconds) : '—'),
      h('td', {}, level),
    );
  }

  private agentRow(a: DashboardAgent): HTMLTableRowElement {
    const state = a.state === 'ready' ? 'Ready' : `Not ready${a.reason ? ` (${a.reason})` : ''}`;
    const force = h('button', { type: 'button', disabled: a.state === 'not_ready' }, 'Force not ready');
    force.addEventListener('click', async () => {
      force.disabled = true;
      const reason = this.el.reason.value.trim();
      const res = await this.desk.attempt(this.el.status, `Force ${a.agentId} not ready`, (c) =>
        c.call('supervisor.agent.state', { agentId: a.agentId, state: 'not_ready', ...(reason ? { reason } : {}) }),
      );
      if (!res) force.disabled = false;
    });
    return h(
      'tr',
      { attrs: { 'data-agent-id': a.agentId, 'data-state': a.state } },
      h('td', {}, a.agentId, a.connected ? '' : h('span', { className: 'meta' }, ' · away')),
      h('td', { className: 'agent-state' }, state),
      h('td', { className: 'num' }, `${a.load}/${a.capacity}`),
      h('td', {}, h('time', { dateTime: a.since }, clock(a.since))),
      h('td', {}, force),
    );
  }

  private conversationRow(c: DashboardConversation, typed: string): HTMLTableRowElement {
    const monitor = h('button', { type: 'button' }, 'Monitor');
    monitor.addEventListener('click', async () => {
      const res = await this.desk.attempt(this.el.status, 'conversation.join', (cl) => cl.call('conversation.join', { conversationId: c.conversationId }));
      if (res) this.desk.open(res.conversation, true);
    });
    // A target: an agent of the floor or a list (typed as list:<id>).
    const target = h('input', { type: 'text', placeholder: 'agent id or list:<id>', value: typed, attrs: { 'aria-label': `Reassign ${short(c.conversationId)} to`, list: 'floor-agent-ids' } });
    const reassign = h('button', { type: 'button' }, 'Reassign');
    reassign.addEventListener('click', async () => {
      const value = target.value.trim();
      if (!value) return setStatus(this.el.status, 'Name an agent, or list:<id>.', true);
      const to = value.startsWith('list:') ? { listId: value.slice(5) } : { agentId: value };
      const res = await this.desk.attempt(this.el.status, 'conversation.reassign', (cl) => cl.call('conversation.reassign', { conversationId: c.conversationId, to }));
      if (res) setStatus(this.el.status, `Conversation ${short(c.conversationId)} reassigned.`);
    });
    return h(
      'tr',
      { attrs: { 'data-conversation-id': c.conversationId } },
      h('td', { title: c.conversationId }, short(c.conversationId)),
      h('td', {}, c.state),
      h('td', {}, c.serviceIdentifier ?? '—'),
      h('td', { className: 'num' }, c.waitingSeconds ? duration(c.waitingSeconds) : '—'),
      h('td', {}, c.agentIds.join(', ') || '—'),
      h('td', { className: 'floor-actions' }, monitor, target, reassign),
    );
  }

  /** The agents' ids as suggestions for the reassign inputs. */
  private agentIds(agents: DashboardAgent[]): void {
    let list = document.getElementById('floor-agent-ids');
    if (!list) {
      list = h('datalist', { id: 'floor-agent-ids' });
      this.el.floor.appendChild(list);
    }
    clear(list);
    for (const a of agents) list.appendChild(h('option', { value: a.agentId }));
  }
}

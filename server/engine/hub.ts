import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  Limits,
  type Activity,
  type ActivityDraft,
  type AgentTask,
  type CallInput,
  type Channel,
  type ChannelData,
  type ConversationView,
  type ParticipantRole,
  type SessionCloseReason,
} from '@conversation-hub/client-sdk/contract';
import type { Actor } from '../auth/tokens.js';
import { controllerRules, type ControllerAction, type ControllerEvent } from '../domain/controller-rules.js';
import {
  canSee,
  closedActivity,
  closeSession,
  CONTROLLER,
  draft,
  fromOf,
  join,
  leave,
  markClosed,
  openSession,
  participant,
  toConversation,
  type ConversationDoc,
} from '../domain/conversation.js';
import { isJoinable } from '../domain/conversation-state.js';
import { badRequest, conflict, forbidden, HubError, notFound } from '../domain/errors.js';
import { isOpen, isPending } from '../domain/routing-rules.js';
import type { RoutingStore } from '../routing/routing-store.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { connectorTargets, type Committed, type ConnectorTarget, type ConversationStore } from '../store/conversation-store.js';
import type { Archive, ChannelDirectory, CustomerDirectory, Fanout } from './ports.js';
import { TaskRouting, type OfferTimerData } from './task-routing.js';

export interface HubDeps {
  store: ConversationStore;
  routing: RoutingStore;
  scheduler: Scheduler;
  channels: ChannelDirectory;
  customers: CustomerDirectory;
  archive: Archive;
  fanout: Fanout;
  log: Logger;
  /** Capacity of an agent who names none. */
  agentCapacity: number;
  /** How long an agent with no socket keeps its offers. */
  agentGraceSeconds: number;
  /** Overrides every channel's inactivity timeout (tests, demos). */
  inactivityOverrideSeconds?: number;
}

/** Where a customer socket is: cached by the transport, refreshed by the engine when it moves. */
export interface CustomerPlace {
  conversationId: string;
  channelSessionId: string;
}

interface ConversationRef {
  conversationId: string;
}

/** How many recent activities the `conversation` push carries. */
const VIEW_ACTIVITIES = 50;

const nowIso = () => new Date().toISOString();

/**
 * The hub's use cases, independent of the network listener: the transport authenticates and
 * validates, then calls these with the actor. Every change goes through the store as one atomic
 * step; what it committed is then fanned out, and the Controller's rules decide what follows.
 */
export class Hub {
  private readonly tasks: TaskRouting;

  constructor(private readonly d: HubDeps) {
    this.tasks = new TaskRouting({
      routing: d.routing,
      scheduler: d.scheduler,
      fanout: d.fanout,
      log: d.log,
      view: (id) => this.view(id, 'agent'),
      offerTimeoutSeconds: async (id) => (await this.channelOf(id))?.offerTimeoutSeconds ?? 30,
    });
    d.scheduler.handle<ConversationRef>('inactivity', (t) => this.onInactivity(t.key, t.data));
    d.scheduler.handle<OfferTimerData>('offer', (t) => this.onOfferExpired(t.key, t.data.agentId));
    d.scheduler.handle<ConversationRef>('wrapup', (t) => this.onWrapUpExpired(t.data.conversationId));
    d.scheduler.handle<Record<string, never>>('agent-grace', (t) => this.onAgentGone(t.key));
    // The archive waits out a database outage: retried with backoff, the live state kept meanwhile.
    d.scheduler.handle<ConversationRef>('archive', (t) => this.onArchive(t.data.conversationId), {
      attempts: 1_000,
      backoffMs: 500,
      maxBackoffMs: 30_000,
    });
  }

  // ---- customers ------------------------------------------------------------------------

  /** A customer socket connected: open (or reuse) their session and join their conversation. */
  async connectCustomer(actor: Actor, channelData: ChannelData): Promise<{ place: CustomerPlace; view: ConversationView }> {
    const place = await this.openCustomerSession(actor, actor.serviceIdentifier!, channelData);
    return { place, view: await this.view(place.conversationId, 'customer') };
  }

  /** Opens the customer's session on a channel, in their open conversation or a new one. */
  async openCustomerSession(customer: { id: string; name?: string }, serviceIdentifier: string, channelData: ChannelData): Promise<CustomerPlace> {
    const channel = await this.d.channels.byServiceIdentifier(serviceIdentifier);
    if (!channel) throw notFound(`channel ${serviceIdentifier}`);
    const c = await this.d.store.updateForCustomer(
      customer.id,
      openSession({
        newConversationId: randomUUID(),
        customer,
        serviceIdentifier,
        channelType: channel.channelType,
        channelData,
        wrapUp: channel.wrapUp,
        now: nowIso(),
      }),
    );
    const { channelSession, sessionCreated, conversationCreated } = c.result;
    await this.d.fanout.join(customer.id, c.doc.id, false);
    if (sessionCreated) {
      const timeout = this.d.inactivityOverrideSeconds ?? channel.customerInactivityTimeoutSeconds;
      await this.d.scheduler.set<ConversationRef>('inactivity', channelSession.id, Date.parse(channelSession.openedAt) + timeout * 1000, {
        conversationId: c.doc.id,
      });
    }
    await this.afterCommit(c);
    if (sessionCreated) {
      if (channel.botId) await this.inviteBot(c.doc.id, channel.botId);
      const hasOpenTask = (await this.d.routing.tasksOf(c.doc.id)).some(isOpen);
      await this.control(c.doc, channel, { type: 'session.started', sessionId: channelSession.id, firstSession: conversationCreated, hasOpenTask });
    }
    return { conversationId: c.doc.id, channelSessionId: channelSession.id };
  }

  /**
   * A customer's message, on the hot path: one append when their session is open; when it has
   * closed (inactivity) or the conversation has moved on, the session is opened again first.
   */
  async customerMessage(actor: Actor, place: CustomerPlace, input: CallInput<'message.send'>): Promise<Activity> {
    if (input.conversationId && input.conversationId !== place.conversationId) throw forbidden('not your conversation');
    return this.customerAppend(actor, actor.serviceIdentifier!, place, input);
  }

  /** Appends a customer message through their session, reopening it once when it had closed. */
  private async customerAppend(
    customer: { id: string; name?: string },
    serviceIdentifier: string,
    place: CustomerPlace,
    input: { text: string; clientMessageId: string; attachments?: CallInput<'message.send'>['attachments'] },
    channelData: ChannelData = {},
  ): Promise<Activity> {
    const payload = input.attachments ? { text: input.text, attachments: input.attachments } : { text: input.text };
    for (let attempt = 0; ; attempt++) {
      const d = draft(place.conversationId, 'message', 'all', fromOf({ ...customer, role: 'customer' }), payload, nowIso(), {
        clientMessageId: input.clientMessageId,
        channelSessionId: place.channelSessionId,
      });
      try {
        const r = await this.d.store.append(place.conversationId, d, { sessionId: place.channelSessionId });
        if (!r.duplicate) this.publish([r.activity], r.connectors, true);
        return r.activity;
      } catch (err) {
        if (attempt > 0 || !isMovedOn(err)) throw err;
        Object.assign(place, await this.openCustomerSession(customer, serviceIdentifier, channelData));
        // Every tab of the customer moves to the (maybe new) conversation.
        this.d.fanout.toParticipant(customer.id, 'conversation', await this.view(place.conversationId, 'customer'));
      }
    }
  }

  /** `session.end`: the customer leaves this channel. */
  async endSession(place: CustomerPlace): Promise<void> {
    await this.closeChannelSession(place.conversationId, place.channelSessionId, 'customer_left');
  }

  // ---- connectors -----------------------------------------------------------------------

  /** A message from a channel connector (WhatsApp, SMS...): the customer is resolved by their identifier on that channel. */
  async connectorInbound(actor: Actor, input: CallInput<'connector.inbound'>): Promise<{ conversationId: string; channelSessionId: string; activity: Activity }> {
    const channel = await this.servedChannel(actor, input.serviceIdentifier);
    const customer = await this.d.customers.resolve(channel.channelType, input.customer.identifier, input.customer.name);
    const who = { id: customer.id, ...((input.customer.name ?? customer.name) ? { name: input.customer.name ?? customer.name } : {}) };
    const channelData = { ...input.channelData, customerIdentifier: input.customer.identifier };
    const place = await this.placeOf(customer.id, channel.serviceIdentifier, channelData);
    const activity = await this.customerAppend(who, channel.serviceIdentifier, place, input.message, channelData);
    return { conversationId: place.conversationId, channelSessionId: place.channelSessionId, activity };
  }

  async connectorSessionEnd(actor: Actor, input: CallInput<'connector.session.end'>): Promise<void> {
    const channel = await this.servedChannel(actor, input.serviceIdentifier);
    const customer = await this.d.customers.resolve(channel.channelType, input.customerIdentifier);
    const id = await this.d.store.openConversationOf(customer.id);
    const stored = id ? await this.d.store.get(id) : null;
    const session = stored?.doc.channelSessions.find((s) => s.state === 'open' && s.serviceIdentifier === channel.serviceIdentifier);
    if (!stored || !session) throw notFound('open channel session');
    await this.closeChannelSession(stored.doc.id, session.id, 'connector');
  }

  private async servedChannel(actor: Actor, serviceIdentifier: string): Promise<Channel> {
    if (!actor.channels?.includes(serviceIdentifier)) throw forbidden(`this connector does not serve ${serviceIdentifier}`);
    const channel = await this.d.channels.byServiceIdentifier(serviceIdentifier);
    if (!channel) throw notFound(`channel ${serviceIdentifier}`);
    return channel;
  }

  /** The customer's open session on a channel, opened when there is none. */
  private async placeOf(customerId: string, serviceIdentifier: string, channelData: ChannelData): Promise<CustomerPlace> {
    const id = await this.d.store.openConversationOf(customerId);
    const stored = id ? await this.d.store.get(id) : null;
    const open = stored?.doc.channelSessions.find((s) => s.state === 'open' && s.serviceIdentifier === serviceIdentifier);
    if (stored && open) return { conversationId: stored.doc.id, channelSessionId: open.id };
    return this.openCustomerSession({ id: customerId }, serviceIdentifier, channelData);
  }

  // ---- participants ---------------------------------------------------------------------

  /** A participant (not a customer) sends a message: they must be in the conversation. */
  async participantMessage(actor: Actor, input: CallInput<'message.send'>): Promise<Activity> {
    if (!input.conversationId) throw badRequest('conversationId: required', { field: 'conversationId' });
    const role = participantRole(actor);
    const payload = input.attachments ? { text: input.text, attachments: input.attachments } : { text: input.text };
    // The participant check is inside the append: one round trip on the hot path.
    return this.appendOne(
      draft(input.conversationId, 'message', 'all', fromOf({ ...actor, role }), payload, nowIso(), { clientMessageId: input.clientMessageId }),
      actor.id,
    );
  }

  async whisper(actor: Actor, input: CallInput<'whisper.send'>): Promise<Activity> {
    return this.appendOne(draft(input.conversationId, 'whisper', 'agents', fromOf({ ...actor, role: participantRole(actor) }), { text: input.text }, nowIso()), actor.id);
  }

  async suggestion(actor: Actor, input: CallInput<'suggestion.send'>): Promise<Activity> {
    const payload = input.confidence === undefined ? { text: input.text } : { text: input.text, confidence: input.confidence };
    return this.appendOne(draft(input.conversationId, 'suggestion', 'agents', fromOf({ ...actor, role: 'bot' }), payload, nowIso()), actor.id);
  }

  async custom(actor: Actor, input: CallInput<'custom.send'>): Promise<Activity> {
    return this.appendOne(draft(input.conversationId, 'custom', input.visibility, fromOf({ ...actor, role: participantRole(actor) }), input.payload, nowIso()), actor.id);
  }

  /** A bot hands over to a human: the handoff (transcript, intent, sentiment) for the agents, then a task. */
  async handoff(actor: Actor, input: CallInput<'handoff.request'>): Promise<AgentTask> {
    const doc = await this.requireParticipant(input.conversationId, actor.id);
    const tasks = await this.d.routing.tasksOf(input.conversationId);
    if (tasks.some(isPending)) throw conflict('a task for this conversation is already waiting');
    const stored = await this.d.store.get(input.conversationId);
    const { conversationId: _c, listId: _l, ...rest } = input;
    await this.appendOne(draft(input.conversationId, 'handoff', 'agents', fromOf({ ...actor, role: 'bot' }), { ...rest, transcriptSeq: stored?.lastSeq ?? 0 }, nowIso()));
    const channel = await this.channelOf(input.conversationId);
    const created = await this.control(doc, channel, { type: 'handoff.requested', hasOpenTask: tasks.some(isOpen), ...(input.listId ? { listId: input.listId } : {}) });
    if (!created) throw conflict('the conversation needs no agent (the customer has gone or an agent has it)');
    return created;
  }

  /** Supervisors and apps join to monitor: they see everything, customers see that they joined. */
  async join(actor: Actor, conversationId: string): Promise<ConversationView> {
    const role = participantRole(actor);
    const now = nowIso();
    const c = await this.d.store.update(conversationId, join(participant(actor.id, role, actor.name, now), undefined, now));
    await this.d.fanout.join(actor.id, conversationId, canSee(role, 'agents'));
    await this.afterCommit(c);
    return this.view(conversationId, role);
  }

  async leave(actor: Actor, conversationId: string, reason?: string): Promise<void> {
    const left = await this.removeParticipant(conversationId, actor.id, reason, true);
    if (!left) throw notFound('participant in conversation');
  }

  /** Typing is relayed, never stored. */
  async typing(actor: Actor, conversationId: string, typing: boolean): Promise<void> {
    if (actor.role !== 'customer') await this.requireParticipant(conversationId, actor.id);
    this.d.fanout.typing({ conversationId, from: fromOf({ ...actor, role: participantRole(actor) }), typing });
  }

  /** Activities after a seq that this actor may see; live first, then the archive. */
  async since(actor: Actor, input: CallInput<'activities.since'>): Promise<{ activities: Activity[]; lastSeq: number }> {
    const role = participantRole(actor);
    const stored = await this.d.store.get(input.conversationId);
    if (!stored) {
      const archived = await this.d.archive.find(input.conversationId);
      if (!archived || !wasIn(archived, actor.id)) throw notFound('conversation');
      const activities = archived.activities.filter((a) => a.seq > input.afterSeq && canSee(role, a.visibility));
      return { activities: activities.slice(0, input.limit ?? Limits.sinceLimitDefault), lastSeq: archived.lastSeq };
    }
    if (!stored.doc.participants.some((p) => p.id === actor.id) && stored.doc.customerId !== actor.id) throw notFound('conversation');
    return this.visibleSince(input.conversationId, role, input.afterSeq, input.limit ?? Limits.sinceLimitDefault);
  }

  /** An agent or supervisor reads the customer's conversations, archived ones included, newest first. */
  async customerHistory(input: CallInput<'customer.history'>): Promise<ConversationView[]> {
    const limit = input.limit ?? 10;
    const archived = await this.d.archive.history(input.customerId, limit);
    const liveId = await this.d.store.openConversationOf(input.customerId);
    const live = liveId ? [await this.view(liveId, 'agent')] : [];
    return [...live, ...archived].slice(0, limit);
  }

  /** The conversations a (re)connecting participant is in, each as the `conversation` push. */
  async viewsFor(actor: Actor): Promise<ConversationView[]> {
    const role = participantRole(actor);
    const ids = role === 'customer' ? [await this.d.store.openConversationOf(actor.id)] : await this.d.store.conversationsOf(actor.id);
    const views: ConversationView[] = [];
    for (const id of ids) {
      if (!id) continue;
      await this.d.fanout.join(actor.id, id, canSee(role, 'agents'));
      views.push(await this.view(id, role));
    }
    return views;
  }

  // ---- agents and tasks -----------------------------------------------------------------

  async agentState(actor: Actor, input: CallInput<'agent.state'>): Promise<'ready' | 'not_ready'> {
    const before = await this.d.routing.getAgent(actor.id);
    const capacity = input.capacity ?? (before ? undefined : this.d.agentCapacity);
    const status = await this.d.routing.setAgentState(actor.id, { state: input.state, ...(capacity ? { capacity } : {}), ...(input.lists ? { lists: input.lists } : {}) }, Date.now());
    const was = new Set(before?.lists ?? []);
    await this.d.fanout.setLists(actor.id, status.lists.filter((l) => !was.has(l)), [...was].filter((l) => !status.lists.includes(l)));
    if (status.state === 'ready') await this.tasks.fill(actor.id);
    return status.state;
  }

  /** An agent's first socket (on any node) is up: offers may come again. */
  async agentConnected(actor: Actor): Promise<void> {
    await this.d.scheduler.cancel('agent-grace', actor.id);
    const before = await this.d.routing.getAgent(actor.id);
    await this.d.routing.setConnected(actor.id, true, Date.now());
    if (before?.lists.length) await this.d.fanout.setLists(actor.id, before.lists, []);
    await this.tasks.fill(actor.id);
  }

  /** A socket of the agent went away: if it was the last one anywhere, its offers go after a grace period. */
  async agentSocketClosed(actor: Actor): Promise<void> {
    if (await this.d.fanout.isConnected(actor.id)) return;
    await this.d.routing.setConnected(actor.id, false, Date.now());
    await this.d.scheduler.set('agent-grace', actor.id, Date.now() + this.d.agentGraceSeconds * 1000, {});
  }

  async acceptTask(actor: Actor, taskId: string): Promise<ConversationView> {
    const task = await this.d.routing.accept(taskId, actor.id, Date.now());
    await this.d.scheduler.cancel('offer', taskId);
    return this.assign(actor, task);
  }

  async rejectTask(actor: Actor, taskId: string): Promise<void> {
    const { task } = await this.d.routing.reject(taskId, actor.id, Date.now());
    await this.tasks.requeued(task, actor.id, null);
  }

  async queue(listId: string): Promise<AgentTask[]> {
    return this.d.routing.queued(listId);
  }

  /** Pull mode: of agents racing for one task, the routing store lets exactly one win. */
  async pullTask(actor: Actor, taskId: string): Promise<ConversationView> {
    const task = await this.d.routing.pull(taskId, actor.id, Date.now());
    if (task.listId) this.d.fanout.toList(task.listId, 'task.revoked', { taskId, reason: 'taken' });
    return this.assign(actor, task);
  }

  /** Hands the conversation on: a new task for the agent or list; the current agent leaves it to them. */
  async transfer(actor: Actor, input: CallInput<'conversation.transfer'>): Promise<AgentTask> {
    await this.requireParticipant(input.conversationId, actor.id);
    const channel = await this.channelOf(input.conversationId);
    const to = input.to;
    const { task } = await this.d.routing.createTask(
      'agentId' in to
        ? { id: randomUUID(), conversationId: input.conversationId, mode: 'push', targetAgentId: to.agentId }
        : { id: randomUUID(), conversationId: input.conversationId, mode: channel?.routingMode ?? 'push', listId: to.listId },
      Date.now(),
    );
    await this.appendOne(draft(input.conversationId, 'task.created', 'agents', fromOf({ ...actor, role: 'agent' }), { task }, nowIso()));
    // Leaving for a transfer is not "the last agent left": no survey, no closing.
    await this.removeParticipant(input.conversationId, actor.id, 'transferred', false);
    await this.tasks.route(task, 'agentId' in to ? 'push' : (channel?.routingMode ?? 'push'));
    return task;
  }

  async submitWrapUp(actor: Actor, input: CallInput<'wrapup.submit'>): Promise<void> {
    const doc = await this.requireParticipant(input.conversationId, actor.id);
    const payload = input.note === undefined ? { codes: input.codes ?? [] } : { codes: input.codes ?? [], note: input.note };
    await this.appendOne(draft(input.conversationId, 'wrapup', 'agents', fromOf({ ...actor, role: 'agent' }), payload, nowIso()));
    await this.control(doc, await this.channelOf(doc.id), { type: 'wrapup.submitted', agentId: actor.id });
  }

  /** The agent takes the conversation: joins it, sees it all, and the room learns who has it. */
  private async assign(actor: Actor, task: AgentTask): Promise<ConversationView> {
    const now = nowIso();
    let c: Committed<{ joined: boolean }>;
    try {
      c = await this.d.store.update(task.conversationId, join(participant(actor.id, 'agent', actor.name, now), 'task', now));
    } catch (err) {
      // The conversation closed between the offer and the answer.
      await this.closeTasks(task.conversationId);
      throw err instanceof HubError && err.code === 'not_found' ? conflict('the conversation has closed') : err;
    }
    await this.d.fanout.join(actor.id, task.conversationId, true);
    this.publish(c.activities);
    await this.appendOne(draft(task.conversationId, 'task.assigned', 'agents', CONTROLLER, { task }, now));
    await this.afterCommit({ ...c, activities: [] });
    return this.view(task.conversationId, 'agent');
  }

  // ---- timers ---------------------------------------------------------------------------

  /** Inactivity: closes the session unless the customer spoke since the timer was set. */
  private async onInactivity(sessionId: string, data: ConversationRef): Promise<void | { rearmAt: number }> {
    const stored = await this.d.store.get(data.conversationId);
    const session = stored?.doc.channelSessions.find((s) => s.id === sessionId);
    if (!stored || !session || session.state !== 'open') return;
    const channel = await this.d.channels.byServiceIdentifier(session.serviceIdentifier);
    const timeoutMs = (this.d.inactivityOverrideSeconds ?? channel?.customerInactivityTimeoutSeconds ?? 900) * 1000;
    const dueAt = (stored.sessionActivity[sessionId] ?? Date.parse(session.openedAt)) + timeoutMs;
    if (dueAt > Date.now() + 5) return { rearmAt: dueAt };
    // The close runs inside this timer's own job: no cancel of it (BullMQ could not remove a running job anyway).
    const actions = controllerRules(controllerConfig(channel), stored.doc, { type: 'inactivity.expired', sessionId });
    await this.runActions(stored.doc.id, channel, actions, { fromInactivityTimer: true });
  }

  private async onOfferExpired(taskId: string, agentId: string): Promise<void> {
    const requeued = await this.d.routing.expire(taskId, agentId, Date.now());
    if (requeued) await this.tasks.requeued(requeued.task, agentId, 'expired');
  }

  private async onWrapUpExpired(conversationId: string): Promise<void> {
    const stored = await this.d.store.get(conversationId);
    if (!stored || stored.doc.state !== 'wrap_up') return;
    await this.control(stored.doc, await this.channelOf(conversationId), { type: 'wrapup.expired' });
  }

  /** The agent stayed away past the grace period: its offers go to others. */
  private async onAgentGone(agentId: string): Promise<void> {
    const agent = await this.d.routing.getAgent(agentId);
    if (!agent || agent.connected) return;
    for (const taskId of agent.offeredTaskIds) {
      const requeued = await this.d.routing.expire(taskId, agentId, Date.now());
      if (requeued) await this.tasks.requeued(requeued.task, agentId, 'expired');
    }
  }

  /**
   * Closing: the archive gets everything, the final `closed` activity included, before the live
   * state goes; if Postgres is away this throws, the job retries and the live state stays.
   * Nothing can be appended in `closing`, so the `closed` activity's seq is lastSeq + 1.
   */
  private async onArchive(conversationId: string): Promise<void> {
    const stored = await this.d.store.get(conversationId);
    if (!stored) return; // another node finished it
    if (stored.doc.state !== 'closing' && stored.doc.state !== 'closed') return;
    await this.closeTasks(conversationId);
    const activities = await this.d.store.all(conversationId);
    const lastSeq = activities.length;
    const closing = closedActivity(stored.doc, nowIso());
    const final = stored.doc.state === 'closed' ? [] : [{ ...closing, seq: lastSeq + 1 } as Activity];
    const conversation = { ...toConversation(stored.doc, lastSeq + final.length), state: 'closed' as const };
    await this.d.archive.save(conversation, [...activities, ...final], await this.d.routing.tasksOf(conversationId));
    const c = await this.d.store.update(conversationId, markClosed(closing));
    this.publish(c.activities);
    await this.d.store.remove(conversationId);
    await this.d.routing.forgetConversation(conversationId, Date.now());
    this.d.log.debug({ conversationId, activities: lastSeq + final.length }, 'conversation archived');
  }

  // ---- the Controller -------------------------------------------------------------------

  /** Asks the controller's rules about an event and runs what they say; answers the task a `create.task` made. */
  private async control(doc: ConversationDoc, channel: Channel | null, event: ControllerEvent): Promise<AgentTask | undefined> {
    return this.runActions(doc.id, channel, controllerRules(controllerConfig(channel), doc, event));
  }

  private async runActions(
    conversationId: string,
    channel: Channel | null,
    actions: ControllerAction[],
    how: { fromInactivityTimer?: boolean } = {},
  ): Promise<AgentTask | undefined> {
    let created: AgentTask | undefined;
    for (const a of actions) {
      switch (a.type) {
        case 'send.message':
          await this.appendOne(draft(conversationId, 'message', 'all', CONTROLLER, { text: a.text }, nowIso()));
          break;
        case 'close.session':
          await this.closeChannelSession(conversationId, a.sessionId, a.reason, { channel, keepTimer: how.fromInactivityTimer === true });
          break;
        case 'create.task':
          created = await this.createTask(conversationId, channel, a.listId);
          break;
        case 'close.tasks':
          await this.closeTasks(conversationId);
          break;
        case 'remove.participant':
          await this.removeParticipant(conversationId, a.participantId, a.reason, true);
          break;
      }
    }
    return created;
  }

  private async createTask(conversationId: string, channel: Channel | null, listId?: string): Promise<AgentTask | undefined> {
    const mode = channel?.routingMode ?? 'push';
    const { task, created } = await this.d.routing.createTask(
      { id: randomUUID(), conversationId, mode, unlessPending: true, ...(listId ? { listId } : {}) },
      Date.now(),
    );
    if (!created) return task;
    await this.appendOne(draft(conversationId, 'task.created', 'agents', CONTROLLER, { task }, nowIso()));
    await this.tasks.route(task, mode);
    return task;
  }

  private async closeTasks(conversationId: string): Promise<void> {
    for (const t of await this.d.routing.tasksOf(conversationId)) {
      if (!isOpen(t)) continue;
      const closed = await this.d.routing.closeTask(t.id, Date.now());
      if (!closed.changed) continue;
      await this.d.scheduler.cancel('offer', t.id);
      if (closed.revokedAgentId) this.d.fanout.toParticipant(closed.revokedAgentId, 'task.revoked', { taskId: t.id, reason: 'closed' });
      if (t.state === 'queued' && t.listId) this.d.fanout.toList(t.listId, 'task.revoked', { taskId: t.id, reason: 'closed' });
      await this.appendOne(draft(conversationId, 'task.closed', 'agents', CONTROLLER, { task: closed.task }, nowIso())).catch(() => undefined);
      if (closed.freedAgentId) await this.tasks.fill(closed.freedAgentId);
    }
  }

  /** Takes a participant out; an agent's task for the conversation closes and its slot frees. */
  private async removeParticipant(conversationId: string, participantId: string, reason: string | undefined, consultController: boolean): Promise<boolean> {
    const c = await this.d.store.update(conversationId, leave(participantId, reason, nowIso()));
    if (!c.result.left) return false;
    const left = c.activities.find((a) => a.type === 'participant.left');
    const role = left?.type === 'participant.left' ? left.payload.participant.role : undefined;
    await this.afterCommit(c);
    await this.d.fanout.leave(participantId, conversationId);
    if (role === 'agent') {
      for (const t of await this.d.routing.tasksOf(conversationId)) {
        if (t.agentId === participantId && t.state === 'accepted') {
          const closed = await this.d.routing.closeTask(t.id, Date.now());
          if (closed.changed) await this.appendOne(draft(conversationId, 'task.closed', 'agents', CONTROLLER, { task: closed.task }, nowIso())).catch(() => undefined);
        }
      }
      await this.d.routing.releaseAgent(participantId, conversationId, Date.now());
      await this.tasks.fill(participantId);
    }
    if (consultController && role && c.doc.state !== 'closing') {
      await this.control(c.doc, await this.channelOf(conversationId), { type: 'participant.left', participantId, role });
    } else if (role === 'agent' && c.doc.state === 'closing') {
      await this.closeTasks(conversationId);
    }
    return true;
  }

  private async inviteBot(conversationId: string, botId: string): Promise<void> {
    const now = nowIso();
    const c = await this.d.store.update(conversationId, join(participant(botId, 'bot', undefined, now), 'channel bot', now));
    if (!c.result.joined) return;
    await this.d.fanout.join(botId, conversationId, true);
    await this.afterCommit(c);
    this.d.fanout.toParticipant(botId, 'conversation', await this.view(conversationId, 'bot'));
  }

  // ---- shared steps ---------------------------------------------------------------------

  /** `channel`: the caller knows it already; `keepTimer`: called from the session's own inactivity timer. */
  async closeChannelSession(
    conversationId: string,
    sessionId: string,
    reason: SessionCloseReason,
    how: { channel?: Channel | null; keepTimer?: boolean } = {},
  ): Promise<void> {
    const c = await this.d.store.update(conversationId, closeSession(sessionId, reason, nowIso()));
    if (!c.result.closed) return;
    if (!how.keepTimer) await this.d.scheduler.cancel('inactivity', sessionId);
    await this.afterCommit(c);
    if (c.doc.state !== 'closing') {
      const channel = how.channel !== undefined ? how.channel : await this.channelOf(conversationId);
      await this.control(c.doc, channel, { type: 'session.closed', sessionId, reason });
    } else await this.closeTasks(conversationId);
  }

  /** Appends one activity and tells the room (and connectors); with `sender`, only a participant may. */
  private async appendOne(d: ActivityDraft, sender?: string): Promise<Activity> {
    const r = await this.d.store.append(d.conversationId, d, sender === undefined ? {} : { participantId: sender });
    if (!r.duplicate) this.publish([r.activity], r.connectors, sender !== undefined);
    return r.activity;
  }

  /** What every committed change does next: tell the room; start the wrap-up timer or the archive. */
  private async afterCommit(c: Committed<unknown>): Promise<void> {
    this.publish(c.activities, connectorTargets(c.doc));
    const moved = c.activities.some((a) => a.type === 'state.changed');
    if (!moved) return;
    if (c.doc.state === 'closing') await this.d.scheduler.set<ConversationRef>('archive', c.doc.id, Date.now(), { conversationId: c.doc.id });
    if (c.doc.state === 'wrap_up') {
      await this.d.scheduler.set<ConversationRef>('wrapup', c.doc.id, Date.now() + c.doc.wrapUp.timeoutSeconds * 1000, { conversationId: c.doc.id });
    }
  }

  /**
   * Activities to the rooms, and those a customer may see to the connector of each open session a
   * connector serves (the customer is on WhatsApp, not on a socket). `skipCaller`: the activity
   * goes back in the caller's acknowledgement, so its own socket is not sent a second copy.
   */
  private publish(list: Activity[], connectors: ConnectorTarget[] = [], skipCaller = false): void {
    if (list.length === 0) return;
    this.d.fanout.activities(list, skipCaller);
    for (const target of connectors) {
      for (const activity of list) {
        if (activity.visibility !== 'all' || activity.from.role === 'customer') continue;
        this.d.fanout.connectorOutbound({ ...target, activity });
      }
    }
  }

  private async requireParticipant(conversationId: string, participantId: string): Promise<ConversationDoc> {
    const stored = await this.d.store.get(conversationId);
    if (!stored || !isJoinable(stored.doc.state)) throw notFound('conversation');
    if (!stored.doc.participants.some((p) => p.id === participantId)) throw forbidden('not a participant of this conversation');
    return stored.doc;
  }

  /** The channel the customer came in on last: its controller settings and timeouts apply. */
  private async channelOf(conversationId: string): Promise<Channel | null> {
    const stored = await this.d.store.get(conversationId);
    const last = stored?.doc.channelSessions.at(-1);
    return last ? this.d.channels.byServiceIdentifier(last.serviceIdentifier) : null;
  }

  async view(conversationId: string, role: ParticipantRole): Promise<ConversationView> {
    const stored = await this.d.store.get(conversationId);
    if (!stored) throw notFound('conversation');
    const from = Math.max(0, stored.lastSeq - VIEW_ACTIVITIES);
    const { activities } = await this.d.store.since(conversationId, from, VIEW_ACTIVITIES);
    return { ...toConversation(stored.doc, stored.lastSeq), activities: activities.filter((a) => canSee(role, a.visibility)) };
  }

  private async visibleSince(conversationId: string, role: ParticipantRole, afterSeq: number, limit: number) {
    const out: Activity[] = [];
    let cursor = afterSeq;
    for (;;) {
      const page = await this.d.store.since(conversationId, cursor, Limits.sinceLimitMax);
      for (const a of page.activities) if (canSee(role, a.visibility) && out.length < limit) out.push(a);
      const last = page.activities.at(-1);
      if (!last || out.length >= limit || last.seq >= page.lastSeq) return { activities: out, lastSeq: page.lastSeq };
      cursor = last.seq;
    }
  }
}

/** The role a token speaks as inside a conversation. */
export function participantRole(actor: Actor): ParticipantRole {
  if (actor.role === 'connector') return 'customer';
  return actor.role;
}

function controllerConfig(channel: Channel | null) {
  const c = channel ?? { controller: { closeOnAgentLeave: false }, routingMode: 'push' as const, wrapUp: { enabled: false, timeoutSeconds: 60 } };
  return {
    ...c.controller,
    routingMode: c.routingMode,
    wrapUp: c.wrapUp,
    ...('botId' in c && c.botId ? { botId: c.botId } : {}),
    ...('listId' in c && c.listId ? { listId: c.listId } : {}),
  };
}

function wasIn(view: ConversationView, participantId: string): boolean {
  return (
    view.customerId === participantId ||
    view.participants.some((p) => p.id === participantId) ||
    view.activities.some((a) => a.type === 'participant.joined' && a.payload.participant.id === participantId)
  );
}

/** The customer's session closed or their conversation is closing: open again and retry. */
function isMovedOn(err: unknown): boolean {
  return err instanceof HubError && (err.code === 'not_found' || (err.code === 'conflict' && (err.details as { reason?: string } | undefined)?.reason === 'session_closed'));
}

import type { ActivityDraft, Channel } from '@conversation-hub/client-sdk/contract';
import { agentsLeft, controllerEvents, customerWrote, needsDoc, needsOpenTask, tasksTouched, roomJoins, roomLeaves, timersImplied, type EventSeed } from '../domain/after-write.js';
import { receiptTargets } from '../domain/receipts.js';
import { connectorTargets } from '../domain/connector-targets.js';
import { controllerConfig, controllerRules, type ControllerAction, type ControllerEvent } from '../domain/controller-rules.js';
import type { ConversationDoc, Transition } from '../domain/conversation.js';
import { HubError } from '../domain/errors.js';
import { armBotTurns } from './bot-turns.js';
import { isOpen } from '../domain/routing-rules.js';
import type { AppendOptions, AppendResult, Committed } from '../ports.js';
import type { Actions } from './actions.js';
import type { ConversationRef, EngineDeps, RunContext } from './context.js';
import type { Reads } from './reads.js';
import type { Outcome, Step, Write, Written } from './steps.js';
import type { TaskRouting } from './task-routing.js';

/** How many steps one run may take: the controller's rules settle in a handful; more is a bug, not a workload. */
export const MAX_STEPS = 200;

/**
 * The after-write pipeline: every change to a conversation goes through here, and nothing else
 * publishes, moves timers or asks the Controller. For each write, in this order:
 *   1. commit      the store's one atomic step (when it fails, nothing below happens);
 *   2. rooms in    sockets of who joined enter the rooms, so they see their own joining;
 *   3. publish     the activities to the rooms by visibility, customer-visible ones to connectors;
 *   4. rooms out   sockets of who left leave the rooms, after seeing their own leaving;
 *   5. timers      inactivity armed or cancelled, wrap-up and archive armed, a hub-run bot's turn;
 *   6. routing     an agent who left frees its task and slot; tasks created, taken or closed
 *                  get their report rows and their queue's places told;
 *   7. controller  the events the change produced go to the Controller's rules.
 * The rules' actions are queued and run in turn, their writes coming back to step 1: a queue, not
 * recursion, bounded by MAX_STEPS. A follow-up that fails is logged and the rest still runs; the
 * first such failure is then thrown to the caller (whose own write did commit).
 */
export class Pipeline {
  constructor(
    private readonly d: EngineDeps,
    private readonly actions: Actions,
    private readonly tasks: TaskRouting,
    private readonly reads: Reads,
  ) {}

  /** Appends one activity. `acked`: the caller's acknowledgement carries it, so its socket is skipped. */
  async append(ctx: RunContext, draft: ActivityDraft, opts: { options?: AppendOptions; acked?: boolean; events?: EventSeed[]; via?: string } = {}): Promise<AppendResult & Outcome> {
    const { written, outcome } = await this.run(ctx, {
      kind: 'write',
      write: { type: 'append', draft, ...(opts.options ? { options: opts.options } : {}) },
      ...(opts.acked && ctx.socketId ? { skipSocket: ctx.socketId } : {}),
      ...(opts.events ? { events: opts.events } : {}),
      ...(opts.via ? { via: opts.via } : {}),
    });
    return { ...(written!.result as AppendResult), ...outcome };
  }

  /** Runs a pure transition on the conversation; `then` adds steps that depend on what was committed. */
  async update<R>(ctx: RunContext, conversationId: string, tx: Transition<ConversationDoc, R>, opts: { then?: (w: Written) => Step[] } = {}): Promise<Committed<R> & Outcome> {
    const { written, outcome } = await this.run(ctx, { kind: 'write', write: { type: 'update', conversationId, tx }, ...(opts.then ? { then: opts.then } : {}) });
    return { ...(written!.result as Committed<R>), ...outcome };
  }

  /** Runs a pure transition on the customer's open conversation (null: none, the transition makes one). */
  async forCustomer<R>(ctx: RunContext, customerId: string, tx: Transition<ConversationDoc | null, R>): Promise<Committed<R> & Outcome> {
    const { written, outcome } = await this.run(ctx, { kind: 'write', write: { type: 'forCustomer', customerId, tx } });
    return { ...(written!.result as Committed<R>), ...outcome };
  }

  /** An event that is not a write (a timer fired): the rules decide, the actions run. */
  async react(ctx: RunContext, doc: ConversationDoc, event: EventSeed): Promise<Outcome> {
    return (await this.run(ctx, { kind: 'control', conversationId: doc.id, doc, event })).outcome;
  }

  /** Actions a use case needs without an event (close the tasks of a conversation that closed under it). */
  async act(ctx: RunContext, conversationId: string, list: ControllerAction[], channel: Channel | null = null): Promise<Outcome> {
    const tasks = [];
    for (const action of list) tasks.push(...(await this.run(ctx, { kind: 'action', conversationId, channel, action })).outcome.tasks);
    return { tasks };
  }

  private async run(ctx: RunContext, first: Step): Promise<{ written?: Written; outcome: Outcome }> {
    const outcome: Outcome = { tasks: [] };
    const queue: Step[] = [];
    // The first step's failure is the caller's: nothing was committed, nothing follows.
    const written = await this.step(ctx, first, queue, outcome);
    let failure: unknown;
    for (let n = 1; queue.length > 0; n++) {
      if (n > MAX_STEPS) {
        this.d.log.error({ ...about(first), first: describe(first), left: queue.length }, 'after-write pipeline stopped: too many steps');
        break;
      }
      const step = queue.shift()!;
      try {
        await this.step(ctx, step, queue, outcome);
      } catch (err) {
        this.d.log.warn({ err, ...about(step), step: describe(step) }, 'after-write step failed');
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
    return { ...(written ? { written } : {}), outcome };
  }

  private async step(ctx: RunContext, s: Step, queue: Step[], outcome: Outcome): Promise<Written | undefined> {
    switch (s.kind) {
      case 'write': {
        let w: Written;
        try {
          w = await this.commit(s.write);
        } catch (err) {
          if (!s.optional || !(err instanceof HubError) || err.code !== 'not_found') throw err;
          this.d.log.debug({ ...about(s), reason: s.optional }, 'optional write skipped');
          return undefined;
        }
        this.d.metrics?.activities(w.activities); // what this node committed, each once (a duplicate committed nothing)
        await this.afterCommit(ctx, s, w, queue);
        if (s.then) queue.push(...s.then(w));
        return w;
      }
      case 'control': {
        const event: ControllerEvent = needsOpenTask(s.event) ? ({ ...s.event, hasOpenTask: (await this.d.routing.tasksOf(s.conversationId)).some(isOpen) } as ControllerEvent) : (s.event as ControllerEvent);
        const channel = await this.reads.channelOfDoc(s.doc);
        for (const action of controllerRules(controllerConfig(channel), s.doc, event, (this.d.now ?? Date.now)())) queue.push({ kind: 'action', conversationId: s.conversationId, channel, action });
        return undefined;
      }
      case 'action':
        queue.push(...(await this.actions.perform(s.conversationId, s.channel, s.action, outcome)));
        return undefined;
      case 'release':
        queue.push(...(await this.actions.release(s.conversationId, s.agentId)));
        return undefined;
      case 'route':
        await this.tasks.route(s.task, s.mode, s.channel);
        return undefined;
      case 'fill':
        await this.tasks.fill(s.agentId);
        return undefined;
      case 'push.view':
        this.d.fanout.toParticipant(s.participantId, 'conversation', await this.reads.view(s.conversationId, s.role));
        return undefined;
      case 'push.receipt':
        for (const id of receiptTargets(s.doc, s.receipt.participantId)) this.d.fanout.toParticipant(id, 'receipt', s.receipt);
        return undefined;
    }
  }

  /** 1. commit */
  private async commit(w: Write): Promise<Written> {
    switch (w.type) {
      case 'append': {
        const r = await this.d.store.append(w.draft.conversationId, w.draft, w.options ?? {});
        // A duplicate (the same clientMessageId again) changed nothing: nothing follows.
        return { conversationId: w.draft.conversationId, activities: r.duplicate ? [] : [r.activity], result: r };
      }
      case 'update': {
        const c = await this.d.store.update(w.conversationId, w.tx);
        return { conversationId: c.doc.id, doc: c.doc, activities: c.activities, result: c };
      }
      case 'forCustomer': {
        const c = await this.d.store.updateForCustomer(w.customerId, w.tx);
        return { conversationId: c.doc.id, doc: c.doc, activities: c.activities, result: c };
      }
    }
  }

  /** 2–7 */
  private async afterCommit(ctx: RunContext, s: Step & { kind: 'write' }, w: Written, queue: Step[]): Promise<void> {
    const { activities, conversationId } = w;
    if (activities.length === 0 && !s.events?.length) return;
    this.d.dashboard?.committed(activities);
    const seeds = s.events ?? [];
    let doc = w.doc ?? (needsDoc(activities) || seeds.length ? (await this.d.store.get(conversationId))?.doc : undefined);
    if (doc) for (const j of roomJoins(doc, activities)) await this.d.fanout.join(j.participantId, conversationId, j.seesAgents);
    // Nothing is awaited between a plain append's commit and its publish: two messages of one sender
    // committed in order are published in order (the bench saw a reorder when a read came between).
    this.publish(w, s.skipSocket, doc);
    for (const id of roomLeaves(activities)) await this.d.fanout.leave(id, conversationId);
    if (doc) await this.timers(ctx, doc, w);
    if (s.via) await armBotTurns(this.d, s.via, activities, (this.d.now ?? Date.now)());
    for (const agentId of agentsLeft(activities)) queue.push({ kind: 'release', conversationId, agentId });
    await this.tasks.tasksChanged(tasksTouched(activities));
    const wrote = customerWrote(activities, (w.result as Partial<AppendResult>).state);
    if (wrote.length) doc ??= (await this.d.store.get(conversationId))?.doc;
    if (doc) for (const event of [...controllerEvents(doc, activities), ...seeds, ...wrote]) queue.push({ kind: 'control', conversationId, doc, event });
  }

  /** 3. Activities to the rooms; to connectors, those a customer may see and did not send. */
  private publish(w: Written, skipSocket: string | undefined, doc: ConversationDoc | undefined): void {
    if (w.activities.length === 0) return;
    this.d.fanout.activities(w.activities, skipSocket);
    const targets = doc ? connectorTargets(doc) : ((w.result as Partial<AppendResult>).connectors ?? []);
    for (const target of targets) {
      for (const activity of w.activities) {
        if (activity.visibility !== 'all' || activity.from.role === 'customer') continue;
        this.d.fanout.connectorOutbound({ ...target, activity });
      }
    }
  }

  /** 5. The timers the change implies. */
  private async timers(ctx: RunContext, doc: ConversationDoc, w: Written): Promise<void> {
    const starts = w.activities.some((a) => a.type === 'session.started');
    const inactivitySeconds = starts ? await this.reads.inactivitySeconds(doc) : 0;
    const ops = timersImplied(doc, w.activities, { now: (this.d.now ?? Date.now)(), inactivitySeconds, ...(ctx.timer ? { firedBy: ctx.timer } : {}) });
    for (const op of ops) {
      if (op.op === 'cancel') await this.d.scheduler.cancel(op.kind, op.key);
      else await this.d.scheduler.set<ConversationRef>(op.kind, op.key, op.dueAt, { conversationId: op.conversationId });
    }
  }
}

/** The conversation (and participant) a step is about, for its log lines. */
function about(s: Step): { conversationId?: string; participantId?: string; customerId?: string } {
  switch (s.kind) {
    case 'write':
      if (s.write.type === 'append') return { conversationId: s.write.draft.conversationId, participantId: s.write.draft.from.id };
      return s.write.type === 'update' ? { conversationId: s.write.conversationId } : { customerId: s.write.customerId };
    case 'route':
      return { conversationId: s.task.conversationId };
    case 'fill':
      return { participantId: s.agentId };
    case 'release':
      return { conversationId: s.conversationId, participantId: s.agentId };
    case 'push.view':
      return { conversationId: s.conversationId, participantId: s.participantId };
    case 'push.receipt':
      return { conversationId: s.conversationId, participantId: s.receipt.participantId };
    default:
      return { conversationId: s.conversationId };
  }
}

function describe(s: Step): string {
  if (s.kind === 'write') return `write:${s.write.type}`;
  if (s.kind === 'action') return `action:${s.action.type}`;
  if (s.kind === 'control') return `control:${s.event.type}`;
  return s.kind;
}

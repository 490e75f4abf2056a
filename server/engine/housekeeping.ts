import { setTimeout as sleep } from 'node:timers/promises';
import type { TimerOutcome } from '../ports.js';
import { controllerConfig } from '../domain/controller-rules.js';
import { repairs, type Repair } from '../domain/housekeeping.js';
import type { ConversationRef, OfferTimerData, RunContext } from './context.js';
import type { EngineCore } from './core.js';

const SWEEP = { kind: 'housekeeping', key: 'sweep' } as const;
/** Conversations repaired between two pauses of a sweep. */
const SWEEP_CHUNK = 25;

/** A repair that failed, with the conversation or agent it was about. */
type Failure = { conversationId: string; err: unknown } | { participantId: string; err: unknown };

/**
 * The housekeeping timer: one job for the whole hub (a BullMQ job in cluster mode, so it runs on
 * one node at a time and outlives any node), firing every `periodSeconds`. Each run re-derives the
 * after-write follow-ups of every live conversation from its committed state and applies what is
 * missing (domain/housekeeping.ts says why and what). A node's death between a commit and its
 * follow-ups delays them by at most one period.
 */
export class Housekeeping {
  constructor(
    private readonly e: EngineCore,
    private readonly deadLettered: () => Promise<Set<string>>,
    private readonly periodSeconds: number,
  ) {}

  register(): void {
    this.e.d.scheduler.handle<Record<string, never>>('housekeeping', () => this.sweep());
  }

  /** Every node arms it at start; only the first one's arming counts. */
  start(): Promise<void> {
    return this.e.d.scheduler.ensure(SWEEP.kind, SWEEP.key, this.e.now() + this.periodSeconds * 1000, {});
  }

  /** One pass over the live conversations; fires again a period later. */
  async sweep(): Promise<TimerOutcome> {
    const ids = await this.e.d.store.listIds();
    const dead = await this.deadLettered();
    let repaired = 0;
    const failed: Failure[] = [];
    // Paced over half the period: a sweep of thousands of conversations at once held the node and
    // Redis long enough to show in every message's p99 (the bench's idle nodes spent a third of a
    // core each sweep). A chunk, then a pause; at most 100 ms, so small sweeps stay quick.
    const chunks = Math.ceil(ids.length / SWEEP_CHUNK);
    const pauseMs = chunks > 1 ? Math.min(100, (this.periodSeconds * 500) / chunks) : 0;
    for (let i = 0; i < ids.length; i++) {
      if (i > 0 && i % SWEEP_CHUNK === 0 && pauseMs > 0) await sleep(pauseMs);
      const id = ids[i]!;
      try {
        repaired += await this.repair(id, dead.has(id));
      } catch (err) {
        failed.push({ conversationId: id, err });
      }
    }
    repaired += await this.sweepAgents(failed);
    // One line per sweep: during an outage every conversation fails the same way.
    if (failed.length > 0) this.e.d.log.warn({ ...failed[0]!, failed: failed.length }, 'housekeeping: repairs failed; the next sweep tries again');
    if (repaired > 0) this.e.d.log.info({ conversations: ids.length, repaired }, 'housekeeping: follow-ups restored');
    return { rearmAt: this.e.now() + this.periodSeconds * 1000 };
  }

  /**
   * Agents whose presence disagrees with their sockets (a close that raced a reconnect on another
   * node, a node killed half-way): set right, the away ones through the grace timer, which looks
   * again. A ready agent is offered what waits for it (an offer lost with a node). Counts fixes.
   */
  private async sweepAgents(failed: Failure[]): Promise<number> {
    let fixed = 0;
    const now = this.e.now();
    for (const a of await this.e.d.routing.listAgents()) {
      try {
        const live = await this.e.d.fanout.isConnected(a.agentId);
        if (live && !a.connected) {
          await this.e.d.scheduler.cancel('agent-grace', a.agentId);
          await this.e.d.routing.setConnected(a.agentId, true, now);
          fixed++;
        } else if (!live && a.connected) {
          await this.e.d.routing.setConnected(a.agentId, false, now);
          await this.e.d.scheduler.ensure('agent-grace', a.agentId, now + this.e.d.agentGraceSeconds * 1000, {});
          fixed++;
        }
        if (live && a.state === 'ready') await this.e.tasks.fill(a.agentId);
      } catch (err) {
        failed.push({ participantId: a.agentId, err });
      }
    }
    return fixed;
  }

  /** How many lost controller actions it ran (an ensured timer or a routing pass is not counted: neither says whether it changed anything). */
  private async repair(id: string, deadLettered: boolean): Promise<number> {
    const stored = await this.e.d.store.get(id);
    if (!stored) return 0;
    const channel = await this.e.reads.channelOfDoc(stored.doc);
    const config = controllerConfig(channel);
    const facts = {
      now: this.e.now(),
      sessionActivity: stored.sessionActivity,
      inactivitySeconds: await this.e.reads.inactivitySeconds(stored.doc),
      offerTimeoutSeconds: channel?.offerTimeoutSeconds ?? 30,
      tasks: await this.e.d.routing.tasksOf(id),
      deadLettered,
      botEverJoined: true,
    };
    let list = repairs(config, stored.doc, facts);
    // Only a conversation with nobody serving it needs its log read: was the bot ever in it?
    if (config.botId !== undefined && list.some((r) => r.type === 'controller')) {
      const log = await this.e.d.store.all(id);
      const botEverJoined = log.some((a) => a.type === 'participant.joined' && a.payload.participant.id === config.botId);
      list = repairs(config, stored.doc, { ...facts, botEverJoined });
    }
    let changed = 0;
    for (const r of list) changed += await this.apply(id, r, channel);
    return changed;
  }

  private async apply(id: string, r: Repair, channel: Awaited<ReturnType<EngineCore['reads']['channelOfDoc']>>): Promise<number> {
    const run: RunContext = { timer: SWEEP };
    switch (r.type) {
      case 'ensure.timer':
        await this.e.d.scheduler.ensure<ConversationRef>(r.kind, r.key, r.dueAt, { conversationId: id });
        return 0;
      case 'ensure.offer':
        await this.e.d.scheduler.ensure<OfferTimerData>('offer', r.taskId, r.dueAt, { agentId: r.agentId });
        return 0;
      case 'route':
        // Pull mode announces a task once; agents pull it from the queue (queue.list) meanwhile.
        // A refused task nobody took keeps its retry timer (lost with a node otherwise).
        if ((channel?.routingMode ?? 'push') === 'push' && !(await this.e.tasks.route(r.task, 'push', channel))) {
          await this.e.d.scheduler.ensure<ConversationRef>('offer-retry', r.task.id, this.e.now() + (channel?.offerRetrySeconds ?? 30) * 1000, { conversationId: id });
        }
        return 0;
      case 'controller':
        this.e.d.log.info({ conversationId: id, action: r.action.type }, 'housekeeping: a lost controller follow-up runs');
        await this.e.pipeline.act(run, id, [r.action], channel);
        return 1;
    }
  }
}

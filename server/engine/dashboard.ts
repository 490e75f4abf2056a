import type { Logger } from 'pino';
import type { ActivityType, Dashboard } from '@conversation-hub/client-sdk/contract';
import { buildDashboard, dashboardLists, SERVICE_LEVEL_THRESHOLD_SECONDS, type ServiceLevelRow } from '../domain/dashboard.js';
import type { ConversationDoc } from '../domain/conversation.js';
import type { Scheduler } from '../ports.js';
import type { DashboardMarks, EngineDeps } from './context.js';

/** The one hub-wide timer that pushes the dashboard: armed by the first change, fired once, on one node. */
export const DASHBOARD_TIMER = { kind: 'dashboard', key: 'hub' } as const;
/**
 * A second push a second after each one: a change marked while the first timer's handler ran found
 * it armed (BullMQ leaves an active job alone) and would otherwise wait for the next change.
 */
const TRAILING_KEY = 'trailing';
/** At most one push a second: changes within it are carried by the same push. */
export const DASHBOARD_INTERVAL_MS = 1000;

/**
 * The EngineDeps `dashboard` of a running hub: a change arms the timer unless it is armed (BullMQ:
 * on any node, once), so a burst of changes makes one push a second later. Not awaited: the
 * after-write pipeline does not wait on the dashboard, and a lost mark is made good by the next.
 */
export function dashboardMarks(scheduler: Scheduler, log: Logger, now: () => number = Date.now): DashboardMarks {
  const changed = () => {
    scheduler.ensure(DASHBOARD_TIMER.kind, DASHBOARD_TIMER.key, now() + DASHBOARD_INTERVAL_MS, {}).catch((err: unknown) => log.debug({ err }, 'dashboard: change not marked'));
  };
  return {
    changed,
    committed(activities) {
      if (activities.some((a) => DASHBOARD_TYPES.has(a.type))) changed();
    },
  };
}

/** Committed activities the dashboard shows: states, tasks, who serves what. */
const DASHBOARD_TYPES: ReadonlySet<ActivityType> = new Set<ActivityType>(['state.changed', 'task.created', 'task.assigned', 'task.closed', 'participant.joined', 'participant.left']);

/** Live conversations read at once, so a snapshot of hundreds takes a few round trips, not hundreds. */
const READ_BATCH = 50;

/** Builds the dashboard from the stores and pushes it to its watchers. */
export class DashboardFeed {
  constructor(
    private readonly d: EngineDeps,
    private readonly now: () => number,
  ) {}

  register(): void {
    this.d.scheduler.handle<Record<string, never>>(DASHBOARD_TIMER.kind, async (timer) => {
      if (!(await this.push())) return;
      if (timer.key === DASHBOARD_TIMER.key) await this.d.scheduler.ensure(DASHBOARD_TIMER.kind, TRAILING_KEY, this.now() + DASHBOARD_INTERVAL_MS, {});
    });
  }

  /** The timer fired: one snapshot to every watcher on every node (the adapter carries it). False when nobody watches. */
  async push(): Promise<boolean> {
    // A node that does not answer the count (dying) must not stop the pushes: count it as watching.
    if (!(await this.d.fanout.hasWatchers().catch(() => true))) return false;
    this.d.fanout.toWatchers('dashboard', await this.snapshot());
    return true;
  }

  async snapshot(): Promise<Dashboard> {
    const { routing, store } = this.d;
    const [agents, lengths, ids, serviceLevel] = await Promise.all([routing.listAgents(), routing.queueLengths(), store.listIds(), this.serviceLevel()]);
    const lists = dashboardLists(agents, lengths);
    const waiting = await Promise.all(lists.map(async (listId) => ({ listId, tasks: await routing.waiting(listId) })));
    const conversations: ConversationDoc[] = [];
    for (let i = 0; i < ids.length; i += READ_BATCH) {
      const batch = await Promise.all(ids.slice(i, i + READ_BATCH).map((id) => store.get(id)));
      for (const s of batch) if (s) conversations.push(s.doc);
    }
    return buildDashboard({ now: this.now(), agents, waiting, conversations, serviceLevel });
  }

  /** Null when the reports cannot say: the dashboard still shows the floor. */
  private async serviceLevel(): Promise<ServiceLevelRow[] | null> {
    if (!this.d.serviceLevelToday) return null;
    try {
      return await this.d.serviceLevelToday(SERVICE_LEVEL_THRESHOLD_SECONDS);
    } catch (err) {
      this.d.log.warn({ err }, 'dashboard: service level unavailable');
      return null;
    }
  }
}

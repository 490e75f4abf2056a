import pino from 'pino';
import type { Activity, Channel, ChannelInput, ConnectorOutbound, Customer, ServerToClientEvents, TypingPush } from '@conversation-hub/client-sdk/contract';
import { ChannelInput as ChannelSchema } from '@conversation-hub/client-sdk/contract';
import type { EngineDeps } from '../../server/engine/context.js';
import { dashboardMarks } from '../../server/engine/dashboard.js';
import { Hub } from '../../server/engine/hub.js';
import type { Archive, ChannelDirectory, CustomerDirectory, Fanout, Scheduler, TimerHandler, TimerKind, RetryPolicy } from '../../server/ports.js';
import { MemoryRoutingStore } from '../../server/routing/memory-routing-store.js';
import { LocalScheduler } from '../../server/scheduler/local-scheduler.js';
import { MemoryConversationStore } from '../../server/store/memory-store.js';

/** One line of what the engine did, in order: commits, room changes, publishes, pushes, timers. */
export type Trace = string;

/** A Fanout that records instead of sending: the engine tested without sockets. */
export class RecordingFanout implements Fanout {
  readonly published: Activity[] = [];
  readonly pushes: { to: string; event: string; args: unknown[] }[] = [];
  constructor(private readonly trace: Trace[]) {}
  activities(list: readonly Activity[], skipSocket?: string): void {
    for (const a of list) {
      this.published.push(a);
      this.trace.push(`publish ${a.type}${skipSocket ? ` skip:${skipSocket}` : ''}`);
    }
  }
  async join(participantId: string, _c: string, seesAgents: boolean): Promise<void> {
    this.trace.push(`join ${participantId}${seesAgents ? ' +agents' : ''}`);
  }
  async leave(participantId: string): Promise<void> {
    this.trace.push(`leave ${participantId}`);
  }
  toParticipant<E extends keyof ServerToClientEvents>(participantId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.pushes.push({ to: participantId, event, args });
    this.trace.push(`push ${event} to ${participantId}`);
  }
  typing(_push: TypingPush): void {}
  toList<E extends keyof ServerToClientEvents>(listId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.pushes.push({ to: `list:${listId}`, event, args });
  }
  async setLists(): Promise<void> {}
  async isConnected(): Promise<boolean> {
    return true;
  }
  readonly watchers = new Set<string>();
  async watchDashboard(socketId: string, on: boolean): Promise<void> {
    if (on) this.watchers.add(socketId);
    else this.watchers.delete(socketId);
  }
  async hasWatchers(): Promise<boolean> {
    return this.watchers.size > 0;
  }
  toWatchers<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.pushes.push({ to: 'dashboard', event, args });
  }
  connectorOutbound(o: ConnectorOutbound): void {
    this.trace.push(`outbound ${o.activity.type} to ${o.serviceIdentifier}`);
  }
}

/** The local scheduler, recorded; a test may also run a timer's handler at once with `fire`. */
export class RecordingScheduler implements Scheduler {
  private readonly inner = new LocalScheduler();
  private readonly handlers = new Map<TimerKind, TimerHandler>();
  readonly armed = new Map<string, number>();
  constructor(private readonly trace: Trace[]) {}
  handle<D>(kind: TimerKind, handler: TimerHandler<D>, retry?: RetryPolicy): void {
    this.handlers.set(kind, handler as TimerHandler);
    this.inner.handle(kind, handler, retry);
  }
  start(): Promise<void> {
    return this.inner.start();
  }
  async set<D>(kind: TimerKind, key: string, dueAt: number, data: D): Promise<void> {
    this.trace.push(`timer set ${kind}`);
    this.armed.set(`${kind}:${key}`, dueAt);
    // Far in the future: the test fires what it wants with `fire`.
    await this.inner.set(kind, key, dueAt + 3_600_000, data);
  }
  async ensure<D>(kind: TimerKind, key: string, dueAt: number, data: D): Promise<void> {
    if (this.armed.has(`${kind}:${key}`)) return;
    await this.set(kind, key, dueAt, data);
  }
  async cancel(kind: TimerKind, key: string): Promise<void> {
    this.trace.push(`timer cancel ${kind}`);
    this.armed.delete(`${kind}:${key}`);
    await this.inner.cancel(kind, key);
  }
  async fire<D>(kind: TimerKind, key: string, data: D) {
    return this.handlers.get(kind)!({ kind, key, data, dueAt: Date.now(), attempt: 1 });
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A conversation store that notes each commit in the trace. */
class TracedStore extends MemoryConversationStore {
  constructor(private readonly trace: Trace[]) {
    super();
  }
  override async update<R>(...args: Parameters<MemoryConversationStore['update']>) {
    const c = await super.update<R>(...(args as [string, never]));
    this.trace.push(`commit ${c.activities.map((a) => a.type).join(',') || '-'}`);
    return c;
  }
  override async updateForCustomer<R>(...args: Parameters<MemoryConversationStore['updateForCustomer']>) {
    const c = await super.updateForCustomer<R>(...(args as [string, never]));
    this.trace.push(`commit ${c.activities.map((a) => a.type).join(',') || '-'}`);
    return c;
  }
  override async append(...args: Parameters<MemoryConversationStore['append']>) {
    const r = await super.append(...args);
    this.trace.push(`commit ${r.activity.type}${r.duplicate ? ' (duplicate)' : ''}`);
    return r;
  }
}

/** What a test adds to the engine: `dashboard` wires the dashboard's marks (off by default, so traces stay as they were). */
export interface HarnessOptions {
  dashboard?: boolean;
  serviceLevelToday?: EngineDeps['serviceLevelToday'];
}

/** The engine on memory parts, with in-memory directories: no sockets, no database. */
export function engineHarness(channels: ChannelInput[] = [{ serviceIdentifier: 'webchat', name: 'Web', channelType: 'webchat' }], opts: HarnessOptions = {}) {
  const trace: Trace[] = [];
  const byId = new Map<string, Channel>(channels.map((c) => [c.serviceIdentifier, { ...withoutConnector(ChannelSchema.parse(c)), id: c.serviceIdentifier, identitySecretSet: false }]));
  const customers = new Map<string, Customer>();
  const archived = new Map<string, { activities: Activity[] }>();
  const channelDirectory: ChannelDirectory = { byServiceIdentifier: async (si) => byId.get(si) ?? null };
  const customerDirectory: CustomerDirectory = {
    async resolve(channelType, identifier, name) {
      const id = `${channelType}:${identifier}`;
      const c = customers.get(id) ?? { id, identifiers: [{ channelType, value: identifier }], known: false, attributes: {}, ...(name ? { name } : {}) };
      customers.set(id, c);
      return c;
    },
    async resolveVerified({ namespace, subject, name }) {
      return this.resolve(namespace, subject, name);
    },
    async get(id) {
      return customers.get(id) ?? null;
    },
  };
  const archive: Archive = {
    async save(conversation, activities) {
      archived.set(conversation.id, { activities });
    },
    async find() {
      return null;
    },
    async history() {
      return [];
    },
  };
  const store = new TracedStore(trace);
  const routing = new MemoryRoutingStore({ defaultCapacity: 3 }); // the hub's agentCapacity below
  const fanout = new RecordingFanout(trace);
  const scheduler = new RecordingScheduler(trace);
  const log = pino({ level: 'silent' });
  const hub = new Hub({
    store,
    routing,
    scheduler,
    channels: channelDirectory,
    customers: customerDirectory,
    archive,
    fanout,
    log,
    agentCapacity: 3,
    agentGraceSeconds: 10,
    ...(opts.dashboard ? { dashboard: dashboardMarks(scheduler, log) } : {}),
    ...(opts.serviceLevelToday ? { serviceLevelToday: opts.serviceLevelToday } : {}),
  });
  return { hub, trace, store, routing, fanout, scheduler, archived };
}

function withoutConnector<T extends { connector?: unknown }>(c: T): Omit<T, 'connector'> {
  const { connector: _connector, ...rest } = c;
  return rest;
}

import { Actions } from './actions.js';
import { ArchiveFailures } from './archive-failures.js';
import { Agents } from './agents.js';
import { Connectors } from './connectors.js';
import type { EngineDeps } from './context.js';
import type { EngineCore } from './core.js';
import { CustomerSessions } from './customers.js';
import { Outbound } from './outbound.js';
import { Participants } from './participants.js';
import { Pipeline } from './pipeline.js';
import { Reads } from './reads.js';
import { Receipts } from './receipts.js';
import { ConversationData } from './conversation-data.js';
import { TaskRouting } from './task-routing.js';
import { Tasks } from './tasks.js';
import { Housekeeping } from './housekeeping.js';
import { Supervisors } from './supervisors.js';
import { BotDriver } from './bot-driver.js';
import { RoutingTimers } from './routing-timers.js';
import { Timers } from './timers.js';
import { MemoryArchiveFailures } from '../store/archive-failures.js';

/**
 * The hub's use cases, independent of the network listener: a thin front that the transport
 * calls with a call context. Every change to a conversation goes through the one after-write
 * pipeline (pipeline.ts); the use cases live in files by role.
 */
export class Hub {
  readonly customers: CustomerSessions;
  readonly connectors: Connectors;
  readonly outbound: Outbound;
  readonly participants: Participants;
  readonly tasks: Tasks;
  readonly agents: Agents;
  readonly supervisors: Supervisors;
  readonly reads: Reads;
  /** Read horizons and receipts; `fromChannel` is the connectors' (WhatsApp statuses). */
  readonly receipts: Receipts;
  readonly data: ConversationData;
  /** Dead-lettered archives: the admin API lists and retries them. */
  readonly archiveFailures: ArchiveFailures;
  /** The sweep that restores lost follow-ups; `start()` arms it once the scheduler runs. */
  readonly housekeeping: Housekeeping;
  private readonly bots: BotDriver;

  constructor(d: EngineDeps) {
    const now = d.now ?? Date.now;
    const reads = new Reads(d);
    const routing = new TaskRouting({
      routing: d.routing,
      scheduler: d.scheduler,
      fanout: d.fanout,
      log: d.log,
      now,
      ...(d.reports ? { reports: d.reports } : {}),
      view: (id) => reads.view(id, 'agent', { whole: true }),
      channelOf: (id) => reads.channelOf(id),
    });
    const actions = new Actions(d, routing);
    const core: EngineCore = {
      d,
      reads,
      tasks: routing,
      actions,
      pipeline: new Pipeline(d, actions, routing, reads),
      now,
      iso: () => new Date(now()).toISOString(),
    };
    this.reads = reads;
    this.receipts = new Receipts(core);
    this.data = new ConversationData(core);
    this.customers = new CustomerSessions(core);
    this.connectors = new Connectors(core, this.customers);
    this.outbound = new Outbound(core);
    this.participants = new Participants(core);
    this.tasks = new Tasks(core);
    this.agents = new Agents(core);
    this.supervisors = new Supervisors(core, this.tasks);
    this.archiveFailures = new ArchiveFailures(d, d.archiveFailures ?? new MemoryArchiveFailures(), now);
    new Timers(core, this.archiveFailures).register();
    new RoutingTimers(core).register();
    this.bots = new BotDriver(core, this.participants);
    this.bots.register();
    const deadLettered = async () => new Set((await this.archiveFailures.store.list()).map((f) => f.conversationId));
    this.housekeeping = new Housekeeping(core, deadLettered, d.housekeepingSeconds ?? 30);
    this.housekeeping.register();
  }

  /** Lets go of what the engine holds outside the parts (hub-run bots' clients); the parts close apart. */
  close(): Promise<void> {
    return this.bots.close();
  }
}

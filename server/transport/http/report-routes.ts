import { z } from 'zod';
import { ReportRange, ServiceLevelQuery } from '@conversation-hub/client-sdk/contract';
import type { AdminDirectory } from '../../ports.js';
import { agentTaskRows, serviceLevel, type AgentTaskReportRow, type ServiceLevelRow } from '../../reporting/queries.js';
import { toCsv } from './csv.js';
import { routesFor, type HttpRoute } from './route-table.js';

export interface ReportRouteDeps {
  /** The record: reports read Postgres (`agent_tasks`, `task_offers`), filled by the reports flush. */
  admin: AdminDirectory;
  adminKey: string;
}

const isoDate = z.string().meta({ format: 'date-time', description: 'ISO 8601 date-time (UTC)' });
const seconds = z.number().nullable();

const TaskOfferReportSchema = z.object({
  agentId: z.string(),
  offeredAt: isoDate,
  outcome: z.enum(['accepted', 'rejected', 'expired', 'revoked']).nullable().meta({ description: 'null while the offer is open' }),
  endedAt: isoDate.nullable(),
  answerSeconds: seconds.meta({ description: 'How long the offer was open' }),
});
export const AgentTaskReportSchema = z
  .object({
    id: z.string(),
    conversationId: z.string(),
    reason: z.string().nullable(),
    channelId: z.string().nullable(),
    listId: z.string().nullable(),
    agentId: z.string().nullable(),
    state: z.string(),
    createdAt: isoDate,
    offeredAt: isoDate.nullable(),
    acceptedAt: isoDate.nullable(),
    closedAt: isoDate.nullable(),
    waitSeconds: seconds.meta({ description: 'Created to accepted' }),
    handleSeconds: seconds.meta({ description: 'Accepted to closed' }),
    offers: z.array(TaskOfferReportSchema),
  })
  .meta({ id: 'AgentTaskReport' });
export const ServiceLevelRowSchema = z
  .object({
    channelId: z.string().nullable(),
    listId: z.string().nullable(),
    offered: z.number().int().meta({ description: 'Tasks created in the range' }),
    answeredWithin: z.number().int().meta({ description: 'Accepted within `thresholdSeconds` of their creation' }),
    abandoned: z.number().int().meta({ description: 'Closed without ever being accepted' }),
    averageWaitSeconds: seconds.meta({ description: 'Created to accepted, over those accepted' }),
    averageHandleSeconds: seconds.meta({ description: 'Accepted to closed, over those closed after being accepted' }),
  })
  .meta({ id: 'ServiceLevelRow' });

// The answers' schemas and the queries' types must not drift apart (compile-time, both ways).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type ReportSchemaChecks = [
  Same<z.output<typeof AgentTaskReportSchema>, AgentTaskReportRow> extends true ? true : never,
  Same<z.output<typeof ServiceLevelRowSchema>, ServiceLevelRow> extends true ? true : never,
];
const checks: ReportSchemaChecks = [true, true];
void checks;

/** The CSV export's columns: one line per task, its offers in one cell (`agent outcome seconds; ...`). */
const taskColumns: { header: string; cell: (t: AgentTaskReportRow) => string | number | null }[] = [
  ...(['id', 'conversationId', 'reason', 'channelId', 'listId', 'agentId', 'state', 'createdAt', 'offeredAt', 'acceptedAt', 'closedAt', 'waitSeconds', 'handleSeconds'] as const).map(
    (k) => ({ header: k, cell: (t: AgentTaskReportRow) => t[k] }),
  ),
  { header: 'offerCount', cell: (t) => t.offers.length },
  { header: 'offers', cell: (t) => t.offers.map((o) => [o.agentId, o.outcome ?? 'open', o.answerSeconds ?? ''].join(' ').trim()).join('; ') },
];

const route = routesFor<ReportRouteDeps>();

/** Reports (PROTOCOL.md §6.6): admins and supervisors; what the reports flush has written so far. */
export const reportRouteTable: HttpRoute<ReportRouteDeps>[] = [
  route({
    auth: 'supervisor', method: 'get', path: '/api/reports/agent-tasks', operationId: 'reportAgentTasks', tag: 'reports',
    summary: 'Tasks created in [from, to), with their durations and offers',
    description: 'Oldest first. `Accept: text/csv` answers CSV (RFC 4180), one line per task.',
    query: ReportRange,
    ok: {
      status: 200, description: 'The tasks', schema: z.object({ tasks: z.array(AgentTaskReportSchema) }),
      renders: { 'text/csv': { description: 'The tasks as CSV, a header line first', render: (answer) => toCsv(taskColumns, answer.tasks) } },
    },
    handler: async ({ deps, query }) => ({ tasks: await agentTaskRows(deps.admin.db, query) }),
  }),
  route({
    auth: 'supervisor', method: 'get', path: '/api/reports/service-level', operationId: 'reportServiceLevel', tag: 'reports',
    summary: 'Service level per channel and list of the tasks created in [from, to)',
    description: '`thresholdSeconds` (default 20): a task answered within it counts in `answeredWithin`.',
    query: ServiceLevelQuery,
    ok: { status: 200, description: 'One row per (channel, list) with tasks', schema: z.object({ rows: z.array(ServiceLevelRowSchema) }) },
    handler: async ({ deps, query }) => ({ rows: await serviceLevel(deps.admin.db, query) }),
  }),
];

import type { AgentTask } from '@conversation-hub/client-sdk/contract';

/**
 * What the engine reports while conversations are live (issue 12's "reporting as it happens").
 * Each event becomes or updates one row; replaying an event (a retried flush) changes nothing.
 */
export type ReportEvent =
  /** The task's latest version: upserts its `agent_tasks` row (reason, list, channel, times, state). */
  | { type: 'task'; task: AgentTask; channelId?: string }
  /** An offer made: a row of `task_offers`, named by (taskId, agentId, offeredAt). */
  | { type: 'offer.made'; taskId: string; conversationId: string; agentId: string; listId?: string; channelId?: string; offeredAt: string }
  /** That offer's end: accepted, rejected, expired, or revoked (the task closed or was taken meanwhile). */
  | { type: 'offer.ended'; taskId: string; agentId: string; offeredAt: string; outcome: 'accepted' | 'rejected' | 'expired' | 'revoked'; endedAt: string }
  /** An agent's state change: a row of `agent_states`; `id` is made once, when the change happens. */
  | { type: 'agent.state'; id: string; agentId: string; state: 'ready' | 'not_ready'; reason?: string; at: string };

/**
 * Where the engine puts report events: a durable outbox (memory in embedded mode, a Redis list in
 * a cluster), drained into Postgres by the `reports` timer. `record` must not wait for Postgres.
 */
export interface ReportSink {
  record(events: ReportEvent[]): Promise<void>;
}

import type { AgentTask, AgentTaskState, TaskReason } from '@conversation-hub/client-sdk/contract';
import type { AgentStatus, ClosedTask } from '../ports.js';

/*
 * The routing scripts' replies (see lua/routing_lib.lua's header) turned into the port's objects.
 */

/** A hash as HGETALL returns it inside a script reply (RESP2): field, value, field, value... */
export type Flat = string[];

export const iso = (ms: number) => new Date(ms).toISOString();

export function hashOf(flat: Flat): Record<string, string> {
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
  return h;
}

const optionalTaskFields = ['agentId', 'listId', 'offeredAt', 'acceptedAt', 'closedAt'] as const;

/** The wire AgentTask from the task hash: routing's own fields (mode, excluded, notes...) stay behind. */
export function taskFromHash(h: Record<string, string>): AgentTask {
  const task: AgentTask = { id: h.id!, conversationId: h.conversationId!, state: h.state as AgentTaskState, createdAt: h.createdAt! };
  for (const field of optionalTaskFields) if (h[field] !== undefined) task[field] = h[field];
  if (h.reason !== undefined) task.reason = h.reason as TaskReason;
  if (h.requiredSkills !== undefined) task.requiredSkills = JSON.parse(h.requiredSkills) as string[];
  return task;
}

export function taskOf(flat: Flat): AgentTask {
  return taskFromHash(hashOf(flat));
}

export function agentFromHash(agentId: string, h: Record<string, string>): AgentStatus {
  const conversationIds = JSON.parse(h.convs ?? '[]') as string[];
  const offeredTaskIds = JSON.parse(h.offers ?? '[]') as string[];
  const agent: AgentStatus = {
    agentId,
    state: h.state === 'ready' ? 'ready' : 'not_ready',
    connected: h.connected === '1',
    capacity: Number(h.capacity),
    load: conversationIds.length,
    pendingOffers: offeredTaskIds.length,
    lists: JSON.parse(h.lists ?? '[]') as string[],
    skills: JSON.parse(h.skills ?? '[]') as string[],
    idleSince: Number(h.idleSince),
    stateSince: Number(h.stateSince ?? h.idleSince),
    conversationIds,
    offeredTaskIds,
  };
  if (h.reason !== undefined) agent.notReadyReason = h.reason;
  return agent;
}

export function agentOf(agentId: string, flat: Flat): AgentStatus {
  return agentFromHash(agentId, hashOf(flat));
}

/** A ClosedTask as the scripts answer it: the task hash, changed "1"|"0", then revoked, freed and revokedOfferedAt ("" or "1" + value). */
export type ClosedReply = [Flat, string, string, string, string];

export function closedOf([flat, changed, revoked, freed, revokedAt]: ClosedReply): ClosedTask {
  const out: ClosedTask = { task: taskOf(flat), changed: changed === '1' };
  if (revoked !== '') out.revokedAgentId = revoked.slice(1);
  if (revokedAt !== '') out.revokedOfferedAt = revokedAt.slice(1);
  if (freed !== '') out.freedAgentId = freed.slice(1);
  return out;
}

import type { CallName, TokenRole } from '@conversation-hub/client-sdk/contract';

/**
 * How the caller stands to what a call names (a conversation, a customer, a channel, a list):
 * - `own`:         a customer's own conversation; a connector's served channel; an agent's own list
 * - `participant`: in the conversation now (for reads: in it now or at some time)
 * - `offered`:     an agent a task of the conversation (or of the customer's) was offered to or taken by
 * - `channel-app`: an app that the conversation's channel names in `apps`
 * - `other`:       none of these
 */
export type Relation = 'own' | 'participant' | 'offered' | 'channel-app' | 'other';
export const RELATIONS: readonly Relation[] = ['own', 'participant', 'offered', 'channel-app', 'other'];

/** `self`: the call names nothing but the caller (its state, its session). */
export type Rule = 'self' | readonly Relation[];

const ALL: readonly Relation[] = RELATIONS;
const IN: readonly Relation[] = ['participant'];
const OWN: readonly Relation[] = ['own'];

/**
 * The one authorization policy: role × call × relation. A role not listed for a call may not make
 * it at all (the transport refuses it, `forbidden`); a listed role may make it when its relation
 * to what the call names is one of those listed (the engine checks, `forbidden` or `not_found`).
 * The controller is the hub itself: it has no calls. Tests enumerate this table.
 */
export const POLICY: { readonly [C in CallName]: Partial<Record<TokenRole, Rule>> } = {
  'message.send': { customer: OWN, agent: IN, supervisor: IN, bot: IN, app: IN },
  typing: { customer: OWN, agent: IN, supervisor: IN },
  // A connector catches up the conversations of the channels it serves (own).
  'activities.since': { customer: OWN, agent: IN, supervisor: IN, bot: IN, app: IN, connector: OWN },
  'session.end': { customer: 'self' },
  'whisper.send': { agent: IN, supervisor: IN, bot: IN },
  'custom.send': { agent: IN, supervisor: IN, bot: IN, app: IN },
  'suggestion.send': { bot: IN },
  'handoff.request': { bot: IN },
  'agent.state': { agent: 'self' },
  'task.accept': { agent: ['offered'] },
  'task.reject': { agent: ['offered'] },
  'queue.list': { agent: OWN },
  'task.pull': { agent: OWN },
  'conversation.transfer': { agent: IN },
  'wrapup.submit': { agent: IN },
  // Agents read the history of customers they serve or were offered; supervisors read all.
  'customer.history': { agent: ['participant', 'offered'], supervisor: ALL },
  'connector.inbound': { connector: OWN },
  'connector.session.end': { connector: OWN },
  // Supervisors may monitor any conversation; apps only those of channels that name them.
  'conversation.join': { supervisor: ALL, app: ['channel-app'] },
  'conversation.leave': { agent: IN, supervisor: IN, bot: IN, app: IN },
  // Ending and reassigning: the agent serving it, or any supervisor (they run the floor).
  'conversation.end': { agent: IN, supervisor: ALL },
  'conversation.reassign': { supervisor: ALL },
  'supervisor.watch': { supervisor: 'self' },
  'supervisor.unwatch': { supervisor: 'self' },
  // Names an agent; every agent is a supervisor's to set not ready.
  'supervisor.agent.state': { supervisor: ALL },
  // Issue 14: every participant moves its own read horizon; data is kept by the hub's side.
  'read.update': { customer: OWN, agent: IN, supervisor: IN, bot: IN, app: IN },
  'conversation.data.set': { agent: IN, supervisor: IN, bot: IN, app: IN },
  // Outbound: an agent writes first through a channel whose list it serves (own); supervisors through any.
  'conversation.start': { agent: OWN, supervisor: ALL },
  'template.send': { agent: IN, supervisor: IN, bot: IN },
};

/** Whether the role may make the call at all. */
export function mayCall(call: CallName, role: TokenRole): boolean {
  return POLICY[call][role] !== undefined;
}

/** Whether the role may make the call on something it stands to as `relation`. */
export function allows(call: CallName, role: TokenRole, relation: Relation): boolean {
  const rule = POLICY[call][role];
  if (rule === undefined) return false;
  return rule === 'self' || rule.includes(relation);
}

/** The roles that may make a call (for the transport's refusal message and the docs). */
export function rolesFor(call: CallName): TokenRole[] {
  return Object.keys(POLICY[call]) as TokenRole[];
}

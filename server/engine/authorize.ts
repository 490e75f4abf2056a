import type { CallName } from '@conversation-hub/client-sdk/contract';
import type { Actor } from '../domain/actor.js';
import { forbidden, notFound } from '../domain/errors.js';
import { allows, type Relation } from '../domain/policy.js';

/**
 * The engine's side of the one policy (server/domain/policy.ts): the caller's relation to what the
 * call names, worked out by the use case, must be one the policy lists. `hide`: answer as if the
 * conversation did not exist, so a stranger learns nothing of it.
 */
export function authorize(call: CallName, actor: Actor, relation: Relation, how: { hide?: string } = {}): void {
  if (allows(call, actor.role, relation)) return;
  throw how.hide ? notFound(how.hide) : forbidden(`${call}: a ${actor.role} may not do this here`);
}

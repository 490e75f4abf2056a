import { describe, expect, test } from '@jest/globals';
import { CallSchemas, TokenRole } from '@conversation-hub/client-sdk/contract';
import { allows, mayCall, POLICY, RELATIONS, rolesFor } from '../../server/domain/policy.js';

const CALLS = Object.keys(CallSchemas) as (keyof typeof CallSchemas)[];

describe('the authorization policy', () => {
  test('covers exactly the calls of the contract, each with at least one role', () => {
    expect(Object.keys(POLICY).sort()).toEqual([...CALLS].sort());
    for (const call of CALLS) expect(rolesFor(call).length).toBeGreaterThan(0);
  });

  test('the controller (the hub itself) has no calls', () => {
    for (const call of CALLS) expect(mayCall(call, 'controller')).toBe(false);
  });

  test('a role not listed for a call is refused whatever its relation', () => {
    for (const call of CALLS)
      for (const role of TokenRole.options)
        for (const rel of RELATIONS) if (!mayCall(call, role)) expect(allows(call, role, rel)).toBe(false);
  });

  test('nobody but a supervisor acts on a conversation they have nothing to do with', () => {
    for (const call of CALLS) {
      const strangers = TokenRole.options.filter((role) => allows(call, role, 'other') && POLICY[call][role] !== 'self');
      expect(strangers.every((r) => r === 'supervisor')).toBe(true);
    }
  });

  test('the decisions of the issue', () => {
    expect(allows('customer.history', 'agent', 'participant')).toBe(true);
    expect(allows('customer.history', 'agent', 'offered')).toBe(true);
    expect(allows('customer.history', 'agent', 'other')).toBe(false);
    expect(allows('customer.history', 'supervisor', 'other')).toBe(true);
    expect(allows('conversation.join', 'app', 'channel-app')).toBe(true);
    expect(allows('conversation.join', 'app', 'other')).toBe(false);
    expect(allows('conversation.join', 'supervisor', 'other')).toBe(true);
    expect(allows('conversation.join', 'agent', 'other')).toBe(false);
    expect(allows('task.accept', 'agent', 'offered')).toBe(true);
    expect(allows('task.accept', 'agent', 'other')).toBe(false);
    expect(allows('message.send', 'customer', 'own')).toBe(true);
    expect(allows('message.send', 'customer', 'other')).toBe(false);
    expect(allows('activities.since', 'agent', 'other')).toBe(false);
  });
});

import { describe, expect, test } from '@jest/globals';
import type { Activity, AgentTask } from '@conversation-hub/client-sdk/contract';
import { customerWrote, tasksTouched } from '../../server/domain/after-write.js';

const at = '2026-11-22T10:00:00.000Z';
const message = (role: 'customer' | 'agent'): Activity => ({ id: 'a', conversationId: 'c', seq: 1, type: 'message', visibility: 'all', from: { id: role, role }, at, payload: { text: 'hi' } });
const task: AgentTask = { id: 't', conversationId: 'c', state: 'queued', reason: 'new', listId: 'l', createdAt: at };
const taskActivity = (type: 'task.created' | 'task.assigned' | 'task.closed'): Activity => ({ id: type, conversationId: 'c', seq: 2, type, visibility: 'agents', from: { id: 'controller', role: 'controller' }, at, payload: { task } });

describe('what a committed change implies for routing', () => {
  test('a customer message in an inactive conversation (its agent left) is heard by the Controller; nothing else', () => {
    expect(customerWrote([message('customer')], 'inactive')).toEqual([{ type: 'message.received' }]);
    for (const state of ['created', 'active', 'customer_left', 'wrap_up', undefined] as const) expect(customerWrote([message('customer')], state)).toEqual([]);
    expect(customerWrote([message('agent')], 'inactive')).toEqual([]);
  });
  test('task activities name their tasks (report rows, queue places); other activities none', () => {
    expect(tasksTouched([taskActivity('task.created'), message('customer'), taskActivity('task.closed')])).toEqual([task, task]);
    expect(tasksTouched([message('agent')])).toEqual([]);
  });
});

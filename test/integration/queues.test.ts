import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { BusinessHours, ChannelInput, QueuePosition } from '@conversation-hub/client-sdk/contract';
import type { HubClient } from '@conversation-hub/client-sdk';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { offered, readyAgent, routedChannel } from '../helpers/routing-fixtures.js';
import { nextActivity, waitFor } from '../helpers/wait.js';

// Issue 12: queue positions, the waiting limit and its overflow, business hours, skills. In both
// modes. Business hours are real ones a few seconds ahead (times take seconds), never a faked clock.

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

const channel = (overrides: Partial<ChannelInput> = {}) => routedChannel(hub, overrides);
const agent = (listId: string, opts: { id?: string } = {}) => readyAgent(hub, listId, { ...opts, capacity: 1 });

/** An agent with a user record naming its lists and skills (skills come only from the record). */
async function skilled(listId: string, skills: string[]) {
  const username = `u${randomUUID().slice(0, 8)}`;
  const res = await hub.admin('POST', '/api/users', { username, password: 'correct horse battery', role: 'agent', name: username, lists: [listId], skills, capacity: 1 });
  expect(res.status).toBe(201);
  return agent(listId, { id: res.body.id as string });
}

const position = (c: HubClient, n: number, ms = 8_000) => waitFor<QueuePosition>((fn) => c.on('queue.position', fn), (p) => p.position === n, ms, `queue.position ${n}`);

describe('queues', () => {
  test('two waiting customers are told positions 1 and 2; the second is told 1 when the first is taken', async () => {
    const ch = await channel();
    let p1!: Promise<QueuePosition>;
    await hub.customer({ serviceIdentifier: ch.serviceIdentifier, before: (c) => (p1 = position(c, 1)) });
    expect((await p1).estimatedWaitSeconds).toBeNull(); // no wait on this queue yet
    let p2!: Promise<QueuePosition>;
    let moved!: Promise<QueuePosition>;
    const seen: number[] = [];
    await hub.customer({
      serviceIdentifier: ch.serviceIdentifier,
      before: (c) => {
        c.on('queue.position', (p) => seen.push(p.position));
        p2 = position(c, 2);
        moved = position(c, 1);
      },
    });
    await p2;

    const a = await agent(ch.listId);
    const { task } = await a.firstOffer;
    await a.call('task.accept', { taskId: task.id });
    const p = await moved;
    expect(seen).toEqual([2, 1]);
    // One wait is known now: the estimate is the recent average times the position.
    expect(p.estimatedWaitSeconds).not.toBeNull();
  });

  test('at maxWaitSeconds the task moves to the overflow list (reason overflow)', async () => {
    const overflowList = `overflow-${randomUUID().slice(0, 6)}`;
    const ch = await channel({ queue: { maxWaitSeconds: 1, overflowListId: overflowList } });
    const backup = await agent(overflowList);
    const offer = offered(backup);
    const customer = await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    const started = Date.now();
    const { task } = await offer;
    expect(task).toMatchObject({ listId: overflowList, reason: 'overflow' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    const { conversation } = await backup.call('task.accept', { taskId: task.id });
    expect(conversation.participants.map((p) => p.id)).toContain(backup.id);
    void customer;
  });

  test('without an overflow list the customer is told the overflow message and the session closes', async () => {
    const ch = await channel({ queue: { maxWaitSeconds: 1, overflowMessage: 'Everyone is busy, sorry' } });
    const customer = await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    const told = nextActivity(customer, (a) => a.type === 'message' && a.from.role === 'controller' && a.payload.text === 'Everyone is busy, sorry', 8_000);
    const closed = nextActivity(customer, (a) => a.type === 'session.closed', 8_000);
    await told;
    expect((await closed).payload).toMatchObject({ reason: 'controller' });
  });
});

describe('business hours', () => {
  test('closed: the customer gets the closed message, and the task is offered at the opening', async () => {
    // Opens 3 s from now (UTC), until the end of that day: closed now, open then.
    const opening = new Date(Math.ceil((Date.now() + 3_000) / 1000) * 1000);
    const day = (['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const)[opening.getUTCDay()]!;
    const open = opening.toISOString().slice(11, 19);
    const hours: BusinessHours = { timezone: 'UTC', weekly: [{ day, open, close: '24:00' }], closedMessage: 'We are closed; we will answer at the opening.' };
    const ch = await channel({ businessHours: hours });
    const a = await agent(ch.listId);
    const offer = offered(a, 15_000);
    let told!: Promise<unknown>;
    const customer = await hub.customer({
      serviceIdentifier: ch.serviceIdentifier,
      before: (c) => (told = nextActivity(c, (x) => x.type === 'message' && x.from.role === 'controller' && x.payload.text === hours.closedMessage, 8_000)),
    });
    await told;
    await customer.send('I need help with my order');
    const { task } = await offer;
    expect(Date.now()).toBeGreaterThanOrEqual(opening.getTime() - 50);
    expect(task.reason).toBe('new');
  });
});

describe('skills', () => {
  test("push routing offers a channel's task only to an agent with every required skill", async () => {
    const ch = await channel({ requiredSkills: ['french', 'billing'] });
    const partial = await skilled(ch.listId, ['french']); // ready first: idle longest, but lacks billing
    const full = await skilled(ch.listId, ['billing', 'french', 'german']);
    let wrong = false;
    partial.on('task.offered', () => (wrong = true));
    const offer = offered(full);
    await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    expect((await offer).task).toMatchObject({ agentId: full.id, requiredSkills: ['french', 'billing'] });
    expect(wrong).toBe(false);
  });

  test('pull lists show a task needing skills only to agents who have them', async () => {
    const ch = await channel({ routingMode: 'pull', requiredSkills: ['spanish'] });
    const without = await skilled(ch.listId, []);
    const withIt = await skilled(ch.listId, ['spanish']);
    const announced = waitFor<{ task: { conversationId: string } }>((fn) => withIt.on('task.queued', fn), () => true, 8_000, 'task.queued');
    const customer = await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    await announced;
    expect((await withIt.call('queue.list', { listId: ch.listId })).tasks).toHaveLength(1);
    expect((await without.call('queue.list', { listId: ch.listId })).tasks).toHaveLength(0);
    const { tasks } = await withIt.call('queue.list', { listId: ch.listId });
    await expect(without.call('task.pull', { taskId: tasks[0]!.id })).rejects.toMatchObject({ code: 'forbidden' });
    void customer;
  });
});

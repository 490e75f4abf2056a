import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ChannelInput, TaskOffered } from '@conversation-hub/client-sdk/contract';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { offered, readyAgent, routedChannel } from '../helpers/routing-fixtures.js';
import { nextActivity, waitFor } from '../helpers/wait.js';

// Issue 12, "never stranded": every way a customer used to wait for nobody. In both modes (the
// integration-cluster project runs it on two nodes, agents and customers on different ones).

let hub: TestHub;
beforeAll(async () => {
  // An agent that names no capacity (and has no user record saying one) takes HUB_AGENT_CAPACITY.
  hub = await startTestHub({ HUB_AGENT_CAPACITY: '2' });
});
afterAll(() => hub.close());

const channel = (overrides: Partial<ChannelInput> = {}) => routedChannel(hub, overrides);
const agent = (listId: string, opts: { capacity?: number } = {}) => readyAgent(hub, listId, opts);

describe('never stranded', () => {
  test('the agent leaves, the customer writes, and a ready agent gets an offer (reason reroute)', async () => {
    const ch = await channel();
    const first = await agent(ch.listId, { capacity: 1 });
    const offer = offered(first);
    const customer = await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    const { task } = await offer;
    expect(task.reason).toBe('new');
    const { conversation } = await first.call('task.accept', { taskId: task.id });
    const inactive = nextActivity(customer, (a) => a.type === 'state.changed' && a.payload.to === 'inactive');
    await first.call('conversation.leave', { conversationId: conversation.id });
    await inactive;

    // Nobody serves it now; the customer writes and the ready agent (the same one) is offered it.
    const again = offered(first);
    await customer.send('hello? anyone?');
    const re = await again;
    expect(re.task).toMatchObject({ conversationId: conversation.id, reason: 'reroute', state: 'offered', agentId: first.id });
    expect(re.task.id).not.toBe(task.id);
  });

  test('a transfer its target rejects goes to another agent of the channel, not back to the one who transferred', async () => {
    const ch = await channel();
    const a = await agent(ch.listId, { capacity: 1 });
    const offer = offered(a);
    await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    const { conversation } = await a.call('task.accept', { taskId: (await offer).task.id });

    const target = await agent(`elsewhere-${randomUUID().slice(0, 6)}`);
    const toTarget = offered(target);
    const { task } = await a.call('conversation.transfer', { conversationId: conversation.id, to: { agentId: target.id } });
    expect(task.reason).toBe('transfer');
    expect((await toTarget).task.id).toBe(task.id);

    const other = await agent(ch.listId);
    const toOther = offered(other);
    let aOffered = false;
    a.on('task.offered', () => (aOffered = true));
    await target.call('task.reject', { taskId: task.id });
    const got = await toOther;
    expect(got.task).toMatchObject({ id: task.id, agentId: other.id, listId: ch.listId, reason: 'transfer' });
    expect(aOffered).toBe(false);
  });

  test('a task every agent rejected is offered again after offerRetrySeconds, earliest refusal first', async () => {
    const ch = await channel({ offerRetrySeconds: 1 });
    const a = await agent(ch.listId);
    const b = await agent(ch.listId);
    const offers: { agent: string; at: number }[] = [];
    for (const c of [a, b]) c.on('task.offered', (o) => offers.push({ agent: o.task.agentId!, at: Date.now() }));
    const firstOffer = waitFor<TaskOffered>(
      (fn) => {
        const offA = a.on('task.offered', fn);
        const offB = b.on('task.offered', fn);
        return () => (offA(), offB());
      },
      () => true,
      8_000,
      'first offer',
    );
    await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    const first = await firstOffer;
    const [refuser1, refuser2] = first.task.agentId === a.id ? [a, b] : [b, a];
    const second = offered(refuser2);
    await refuser1.call('task.reject', { taskId: first.task.id });
    await second;
    const retried = offered(refuser1);
    const rejectedAt = Date.now();
    await refuser2.call('task.reject', { taskId: first.task.id });
    const again = await retried;
    expect(again.task).toMatchObject({ id: first.task.id, agentId: refuser1.id });
    expect(Date.now() - rejectedAt).toBeGreaterThanOrEqual(900);
    expect(offers.map((o) => o.agent)).toEqual([refuser1.id, refuser2.id, refuser1.id]);
  });

  test('conversation.end closes the customer sessions with a controller message, then the conversation closes', async () => {
    const ch = await channel();
    const a = await agent(ch.listId);
    const offer = offered(a);
    const customer = await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    const { conversation } = await a.call('task.accept', { taskId: (await offer).task.id });
    const told = nextActivity(customer, (x) => x.type === 'message' && x.from.role === 'controller' && x.payload.text === 'Thanks, goodbye');
    const closed = nextActivity(a, (x) => x.type === 'session.closed');
    await a.call('conversation.end', { conversationId: conversation.id, reason: 'Thanks, goodbye' });
    await told;
    expect((await closed).payload).toMatchObject({ reason: 'controller' });
    const archived = await hub.archived(conversation.id, 15_000);
    expect(archived.channelSessions.every((s) => s.state === 'closed')).toBe(true);
    // An agent not in it may not end it; a closed one cannot be ended again.
    const stranger = await agent(ch.listId);
    await expect(stranger.call('conversation.end', { conversationId: conversation.id })).rejects.toMatchObject({ code: expect.stringMatching(/forbidden|not_found|conflict/) });
  });

  test('HUB_AGENT_CAPACITY is the capacity of an agent that names none', async () => {
    const ch = await channel();
    const a = await agent(ch.listId);
    const seen: string[] = [];
    const two = waitFor<TaskOffered>((fn) => a.on('task.offered', fn), (o) => (seen.push(o.task.id), seen.length === 2), 8_000, 'two offers');
    await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    await hub.customer({ serviceIdentifier: ch.serviceIdentifier });
    await two;
    expect(new Set(seen).size).toBe(2);
  });
});

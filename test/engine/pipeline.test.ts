import { describe, expect, test } from '@jest/globals';
import type { CustomerActor, StaffActor } from '../../server/domain/actor.js';
import { HubError } from '../../server/domain/errors.js';
import { engineHarness } from '../helpers/engine-harness.js';

const customer: CustomerActor = { id: 'cust-1', role: 'customer', serviceIdentifier: 'webchat' };
const agent: StaffActor = { id: 'agent-1', role: 'agent', name: 'Ann' };
const stranger: StaffActor = { id: 'sup-9', role: 'supervisor' };

describe('the after-write pipeline', () => {
  test('a new session: commit, rooms, publish, timers, then the controller; each action once', async () => {
    const e = engineHarness([{ serviceIdentifier: 'webchat', name: 'Web', channelType: 'webchat', controller: { greeting: 'Hi!', closeOnAgentLeave: false } }]);
    const { place } = await e.hub.customers.connect({ actor: customer, socketId: 'sock-1' }, {});
    expect(e.trace).toEqual([
      'commit session.started',
      'join cust-1',
      'publish session.started',
      'timer set inactivity',
      // The controller: the greeting, then a task for the agents (no bot on this channel).
      'commit message',
      'publish message',
      'commit task.created',
      'publish task.created',
      // The task's queue: its customers are told their places (a timer, at most once a second).
      'timer set queue-positions',
    ]);
    expect(e.fanout.published.filter((a) => a.type === 'message')).toHaveLength(1);
    expect(await e.routing.tasksOf(place.conversationId)).toHaveLength(1);
  });

  test("the caller's own message skips its socket: the acknowledgement carries it", async () => {
    const e = engineHarness();
    const { place } = await e.hub.customers.connect({ actor: customer, socketId: 'sock-1' }, {});
    e.trace.length = 0;
    const { activity } = await e.hub.customers.message({ actor: customer, socketId: 'sock-1', place }, { text: 'hello', clientMessageId: 'm1' });
    expect(activity.type).toBe('message');
    expect(e.trace).toEqual(['commit message', 'publish message skip:sock-1']);
    // The same clientMessageId again: the first activity, nothing published again.
    e.trace.length = 0;
    const again = await e.hub.customers.message({ actor: customer, socketId: 'sock-1', place }, { text: 'hello', clientMessageId: 'm1' });
    expect(again.activity.seq).toBe(activity.seq);
    expect(e.trace).toEqual(['commit message (duplicate)']);
  });

  test('nothing is published, no timer moves and no rule runs when the commit fails', async () => {
    const e = engineHarness();
    const { place } = await e.hub.customers.connect({ actor: customer, socketId: 'sock-1' }, {});
    const before = { published: e.fanout.published.length, trace: e.trace.length };
    const refused = e.hub.participants.message({ actor: stranger, socketId: 'sock-2' }, { conversationId: place.conversationId, text: 'hi', clientMessageId: 'x' });
    await expect(refused).rejects.toMatchObject({ code: 'forbidden' });
    await expect(e.hub.participants.leave({ actor: stranger }, 'no-such-conversation')).rejects.toBeInstanceOf(HubError);
    expect(e.fanout.published).toHaveLength(before.published);
    expect(e.trace).toHaveLength(before.trace);
  });

  test('the channel bot joins before the greeting and is sent its view; no task while it serves', async () => {
    const e = engineHarness([{ serviceIdentifier: 'webchat', name: 'Web', channelType: 'webchat', botId: 'bot-1', controller: { greeting: 'Hi!', closeOnAgentLeave: false } }]);
    const { place } = await e.hub.customers.connect({ actor: customer }, {});
    expect(e.trace.slice(4)).toEqual(['commit participant.joined', 'join bot-1 +agents', 'publish participant.joined', 'commit message', 'publish message', 'push conversation to bot-1']);
    expect(await e.routing.tasksOf(place.conversationId)).toHaveLength(0);
  });

  test("an inactivity close made by the session's own timer does not cancel that timer; the archive is armed once", async () => {
    const e = engineHarness([{ serviceIdentifier: 'webchat', name: 'Web', channelType: 'webchat', customerInactivityTimeoutSeconds: 0.001 }]);
    const { place } = await e.hub.customers.connect({ actor: customer }, {});
    await new Promise<void>((resolve) => setImmediate(resolve)); // the 1 ms deadline is behind us
    e.trace.length = 0;
    await e.scheduler.fire('inactivity', place.channelSessionId, { conversationId: place.conversationId });
    expect(e.trace).not.toContain('timer cancel inactivity');
    expect(e.trace.filter((t) => t === 'publish session.closed')).toHaveLength(1);
    expect(e.trace.filter((t) => t === 'timer set archive')).toHaveLength(1);
    // The task the controller made for the customer closed with them.
    expect((await e.routing.tasksOf(place.conversationId)).every((t) => t.state === 'closed')).toBe(true);
  });

  test('an agent who accepts joins the rooms before the room hears it; leaving frees the slot before the controller runs', async () => {
    const e = engineHarness([{ serviceIdentifier: 'webchat', name: 'Web', channelType: 'webchat', controller: { survey: 'Rate us', closeOnAgentLeave: false } }]);
    const { place } = await e.hub.customers.connect({ actor: customer }, {});
    await e.hub.agents.connected(agent);
    await e.hub.agents.setState({ actor: agent }, { state: 'ready' });
    const offer = e.fanout.pushes.find((p) => p.event === 'task.offered' && p.to === agent.id);
    expect(offer).toBeDefined();
    const [task] = await e.routing.tasksOf(place.conversationId);
    e.trace.length = 0;
    await e.hub.tasks.accept({ actor: agent, socketId: 'a-sock' }, task!.id);
    expect(e.trace.slice(0, 3)).toEqual(['timer cancel offer', 'commit participant.joined,state.changed', 'join agent-1 +agents']);
    expect((await e.routing.getAgent(agent.id))!.conversationIds).toEqual([place.conversationId]);

    e.trace.length = 0;
    await e.hub.participants.leave({ actor: agent }, place.conversationId);
    const order = ['publish participant.left', 'leave agent-1', 'commit task.closed', 'commit message'];
    expect(order.map((t) => e.trace.indexOf(t))).toEqual([...order.map((t) => e.trace.indexOf(t))].sort((a, b) => a - b));
    expect(order.every((t) => e.trace.includes(t))).toBe(true);
    expect((await e.routing.getAgent(agent.id))!.conversationIds).toEqual([]);
    expect(e.fanout.published.filter((a) => a.type === 'message' && a.payload.text === 'Rate us')).toHaveLength(1);
  });
});

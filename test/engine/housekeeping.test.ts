/**
 * The housekeeping sweep on the engine alone: a follow-up lost after its commit (a timer never
 * armed, a task never created) comes back on the next sweep; a second sweep changes nothing.
 */
import { describe, expect, test } from '@jest/globals';
import type { CustomerActor } from '../../server/domain/actor.js';
import { engineHarness } from '../helpers/engine-harness.js';

const customer: CustomerActor = { id: 'cust-1', role: 'customer', serviceIdentifier: 'webchat' };

describe('housekeeping sweep', () => {
  test('a lost inactivity timer is armed again, once, at its due time; the sweep fires again a period later', async () => {
    const e = engineHarness();
    const { place, view } = await e.hub.customers.connect({ actor: customer, socketId: 'sock-1' }, {});
    const key = `inactivity:${place.channelSessionId}`;
    const due = e.scheduler.armed.get(key);
    expect(due).toBe(Date.parse(view.channelSessions[0]!.openedAt) + 900_000);
    await e.scheduler.cancel('inactivity', place.channelSessionId); // the node died before arming it
    const before = Date.now();
    const outcome = await e.hub.housekeeping.sweep();
    expect(e.scheduler.armed.get(key)).toBe(due);
    expect(outcome).toEqual({ rearmAt: expect.any(Number) });
    expect((outcome as { rearmAt: number }).rearmAt).toBeGreaterThanOrEqual(before + 30_000);
    e.trace.length = 0;
    await e.hub.housekeeping.sweep();
    expect(e.trace.filter((t) => t.startsWith('timer') || t.startsWith('commit'))).toEqual([]);
  });

  test('a waiting customer whose task was lost gets one, once', async () => {
    const e = engineHarness([{ serviceIdentifier: 'webchat', name: 'Web', channelType: 'webchat', listId: 'sales' }]);
    const { place } = await e.hub.customers.connect({ actor: customer, socketId: 'sock-1' }, {});
    const [first] = await e.routing.tasksOf(place.conversationId);
    await e.routing.closeTask(first!.id, Date.now()); // as if its creation had never happened
    await e.hub.housekeeping.sweep();
    await e.hub.housekeeping.sweep();
    const open = (await e.routing.tasksOf(place.conversationId)).filter((t) => t.state !== 'closed');
    expect(open).toEqual([expect.objectContaining({ state: 'queued', listId: 'sales' })]);
  });

  test('a closing conversation whose archive timer was lost is archived', async () => {
    const e = engineHarness();
    const { place } = await e.hub.customers.connect({ actor: customer, socketId: 'sock-1' }, {});
    await e.hub.customers.end({ actor: customer, socketId: 'sock-1', place });
    expect((await e.store.get(place.conversationId))?.doc.state).toBe('closing');
    await e.scheduler.cancel('archive', place.conversationId);
    await e.hub.housekeeping.sweep();
    expect(e.scheduler.armed.has(`archive:${place.conversationId}`)).toBe(true);
    await e.scheduler.fire('archive', place.conversationId, { conversationId: place.conversationId });
    expect(await e.store.get(place.conversationId)).toBeNull();
    expect(e.archived.has(place.conversationId)).toBe(true);
  });
});

describe('an accept cut off after the routing store committed it', () => {
  test('the agent retrying it joins the conversation, once; another agent still gets conflict', async () => {
    const agent = { id: 'agent-1', role: 'agent' as const, name: 'Ann' };
    const other = { id: 'agent-2', role: 'agent' as const, name: 'Bob' };
    const e = engineHarness();
    const { place } = await e.hub.customers.connect({ actor: customer }, {});
    await e.hub.agents.connected(agent);
    await e.hub.agents.setState({ actor: agent }, { state: 'ready' });
    const [task] = await e.routing.tasksOf(place.conversationId);
    expect(task!.state).toBe('offered');
    // The first try: the routing store's step committed, then the node died before the join.
    await e.routing.accept(task!.id, agent.id, Date.now());
    await expect(e.hub.tasks.accept({ actor: other }, task!.id)).rejects.toMatchObject({ code: 'conflict' });
    const view = await e.hub.tasks.accept({ actor: agent, socketId: 'a-sock' }, task!.id);
    expect(view.participants.map((p) => p.id)).toContain(agent.id);
    await e.hub.tasks.accept({ actor: agent, socketId: 'a-sock' }, task!.id);
    const log = await e.store.all(place.conversationId);
    expect(log.filter((a) => a.type === 'participant.joined' && a.from.id === agent.id)).toHaveLength(1);
    expect(log.filter((a) => a.type === 'task.assigned')).toHaveLength(1);
  });
});

describe('an agent marked away while connected', () => {
  test('its next agent.state through a socket marks it here again and offers it the waiting task', async () => {
    const agent = { id: 'agent-1', role: 'agent' as const, name: 'Ann' };
    const e = engineHarness();
    await e.hub.agents.connected(agent);
    await e.hub.agents.setState({ actor: agent, socketId: 'a-sock' }, { state: 'ready' });
    // A close on a draining node that raced the agent's reconnect elsewhere.
    await e.routing.setConnected(agent.id, false, Date.now());
    const { place } = await e.hub.customers.connect({ actor: customer }, {});
    expect((await e.routing.tasksOf(place.conversationId))[0]!.state).toBe('queued');
    await e.hub.agents.setState({ actor: agent, socketId: 'a-sock' }, { state: 'ready' });
    expect((await e.routing.getAgent(agent.id))?.connected).toBe(true);
    expect((await e.routing.tasksOf(place.conversationId))[0]).toMatchObject({ state: 'offered', agentId: agent.id });
  });
});

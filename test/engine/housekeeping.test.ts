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

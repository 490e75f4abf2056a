import { describe, expect, test } from '@jest/globals';
import type { Dashboard, TaskOffered } from '@conversation-hub/client-sdk/contract';
import type { CustomerActor, StaffActor } from '../../server/domain/actor.js';
import { engineHarness } from '../helpers/engine-harness.js';

const customer: CustomerActor = { id: 'cust-1', role: 'customer', serviceIdentifier: 'webchat' };
const ann: StaffActor = { id: 'agent-ann', role: 'agent', name: 'Ann' };
const bob: StaffActor = { id: 'agent-bob', role: 'agent', name: 'Bob' };
const sam: StaffActor = { id: 'sup-sam', role: 'supervisor', name: 'Sam' };
const web = [{ serviceIdentifier: 'webchat', name: 'Web', channelType: 'webchat', listId: 'support' }];

/** A customer served by Ann; Bob ready on the same list. */
async function served(opts: Parameters<typeof engineHarness>[1] = {}) {
  const e = engineHarness(web, opts);
  for (const a of [ann, bob]) await e.hub.agents.connected(a);
  await e.hub.agents.setState({ actor: ann }, { state: 'ready', lists: ['support'] });
  const { place } = await e.hub.customers.connect({ actor: customer }, {});
  const offer = e.fanout.pushes.find((p) => p.event === 'task.offered' && p.to === ann.id)!.args[0] as TaskOffered;
  await e.hub.tasks.accept({ actor: ann }, offer.task.id);
  await e.hub.agents.setState({ actor: bob }, { state: 'ready', lists: ['support'] });
  return { e, conversationId: place.conversationId, annTask: offer.task };
}

describe('supervisors', () => {
  test('watch answers the floor now; a change arms one push a second later, which carries it to the watchers', async () => {
    const { e, conversationId } = await served({ dashboard: true, serviceLevelToday: async () => [{ listId: 'support', offered: 4, answeredWithin: 3 }] });
    const snap = await e.hub.supervisors.watch({ actor: sam, socketId: 'sam-1' });
    expect(snap.agents.map((a) => [a.agentId, a.state, a.load])).toEqual([
      [ann.id, 'ready', 1],
      [bob.id, 'ready', 0],
    ]);
    expect(snap.conversations).toEqual([{ conversationId, state: 'active', serviceIdentifier: 'webchat', waitingSeconds: 0, agentIds: [ann.id] }]);
    expect(snap.queues).toEqual([{ listId: 'support', waiting: 0, oldestWaitSeconds: 0, serviceLevel: { thresholdSeconds: 20, offered: 4, answeredWithin: 3, percent: 75 } }]);
    expect(e.fanout.watchers.has('sam-1')).toBe(true);

    // Marks since the start armed the one timer; once it fired, the next change arms it again.
    expect(e.scheduler.armed.has('dashboard:hub')).toBe(true);
    await e.scheduler.cancel('dashboard', 'hub');
    await e.hub.agents.setState({ actor: bob }, { state: 'not_ready', reason: 'lunch' });
    expect(e.scheduler.armed.get('dashboard:hub')).toBeGreaterThan(Date.now());
    const armedTwice = e.trace.filter((t) => t === 'timer set dashboard').length;
    await e.hub.agents.setState({ actor: bob }, { state: 'not_ready', reason: 'lunch' });
    expect(e.trace.filter((t) => t === 'timer set dashboard')).toHaveLength(armedTwice);

    await e.scheduler.fire('dashboard', 'hub', {});
    const pushed = e.fanout.pushes.filter((p) => p.to === 'dashboard');
    expect(pushed).toHaveLength(1);
    const board = pushed[0]!.args[0] as Dashboard;
    expect(board.agents.find((a) => a.agentId === bob.id)).toMatchObject({ state: 'not_ready', reason: 'lunch' });
    // A trailing push a second later carries what changed while this one was being built.
    expect(e.scheduler.armed.has('dashboard:trailing')).toBe(true);
    await e.scheduler.fire('dashboard', 'trailing', {});
    expect(e.fanout.pushes.filter((p) => p.to === 'dashboard')).toHaveLength(2);
    await e.scheduler.cancel('dashboard', 'trailing');

    // Nobody watching: the timer builds nothing and pushes nothing.
    await e.hub.supervisors.unwatch({ actor: sam, socketId: 'sam-1' });
    await e.scheduler.fire('dashboard', 'hub', {});
    expect(e.fanout.pushes.filter((p) => p.to === 'dashboard')).toHaveLength(2);
    expect(e.scheduler.armed.has('dashboard:trailing')).toBe(false);
  });

  test('a failing service level shows zeros; the floor still shows', async () => {
    const { e } = await served({
      serviceLevelToday: async () => {
        throw new Error('postgres away');
      },
    });
    const snap = await e.hub.supervisors.watch({ actor: sam });
    expect(snap.queues[0]!.serviceLevel).toEqual({ thresholdSeconds: 20, offered: 0, answeredWithin: 0, percent: null });
    expect(snap.agents).toHaveLength(2);
  });

  test('agent.state keeps the not-ready reason; ready drops it', async () => {
    const e = engineHarness(web);
    await e.hub.agents.setState({ actor: ann }, { state: 'not_ready', reason: 'training' });
    expect(await e.routing.getAgent(ann.id)).toMatchObject({ state: 'not_ready', notReadyReason: 'training' });
    await e.hub.agents.setState({ actor: ann }, { state: 'ready', reason: 'ignored' });
    expect((await e.routing.getAgent(ann.id))!.notReadyReason).toBeUndefined();
  });

  test('force not ready: the agent keeps its conversation, gets no new offer; an unknown agent is not_found', async () => {
    const { e, conversationId } = await served();
    await e.hub.agents.setState({ actor: bob }, { state: 'not_ready' });
    await e.hub.supervisors.forceNotReady({ actor: sam }, { agentId: ann.id, state: 'not_ready', reason: 'coaching' });
    const status = await e.routing.getAgent(ann.id);
    expect(status).toMatchObject({ state: 'not_ready', notReadyReason: 'coaching', conversationIds: [conversationId] });
    expect((await e.store.get(conversationId))!.doc.participants.some((p) => p.id === ann.id)).toBe(true);

    // A second customer waits: Ann is not offered it.
    const offersBefore = e.fanout.pushes.filter((p) => p.event === 'task.offered').length;
    await e.hub.customers.connect({ actor: { ...customer, id: 'cust-2' } }, {});
    expect(e.fanout.pushes.filter((p) => p.event === 'task.offered')).toHaveLength(offersBefore);

    await expect(e.hub.supervisors.forceNotReady({ actor: sam }, { agentId: 'nobody', state: 'not_ready' })).rejects.toMatchObject({ code: 'not_found' });
  });

  test('reassign to an agent: the agent serving it leaves (reassigned) and is told its task was revoked; the new task (transfer) goes to the target', async () => {
    const { e, conversationId, annTask } = await served();
    const task = await e.hub.supervisors.reassign({ actor: sam }, { conversationId, to: { agentId: bob.id } });
    expect(task).toMatchObject({ reason: 'transfer', conversationId });
    expect(e.fanout.pushes).toContainEqual({ to: ann.id, event: 'task.revoked', args: [{ taskId: annTask.id, reason: 'reassigned' }] });
    const offer = e.fanout.pushes.find((p) => p.event === 'task.offered' && p.to === bob.id);
    expect((offer!.args[0] as TaskOffered).task.id).toBe(task.id);

    const { doc } = (await e.store.get(conversationId))!;
    expect(doc.participants.map((p) => p.id)).toEqual([customer.id]);
    // Handed on, not ended: the customer's session stays open.
    expect(doc.channelSessions.every((s) => s.state === 'open')).toBe(true);
    const left = e.fanout.published.find((a) => a.type === 'participant.left');
    expect(left?.type === 'participant.left' && left.payload.reason).toBe('reassigned');
    expect((await e.routing.getAgent(ann.id))!.conversationIds).toEqual([]);
    expect((await e.routing.getTask(annTask.id))!.state).toBe('closed');

    await e.hub.tasks.accept({ actor: bob }, task.id);
    expect((await e.store.get(conversationId))!.doc.participants.map((p) => p.id)).toEqual([customer.id, bob.id]);
  });

  test('reassign to a list: those it is taken from are not offered it', async () => {
    const { e, conversationId } = await served();
    await e.hub.agents.setState({ actor: bob }, { state: 'not_ready' });
    const task = await e.hub.supervisors.reassign({ actor: sam }, { conversationId, to: { listId: 'support' } });
    expect(task).toMatchObject({ listId: 'support', reason: 'transfer' });
    expect(e.fanout.pushes.some((p) => p.event === 'task.offered' && p.to === ann.id && (p.args[0] as TaskOffered).task.id === task.id)).toBe(false);
    await e.hub.agents.setState({ actor: bob }, { state: 'ready' });
    expect(e.fanout.pushes.some((p) => p.event === 'task.offered' && p.to === bob.id && (p.args[0] as TaskOffered).task.id === task.id)).toBe(true);
  });

  test('a stuck customer nobody serves gets the task; the one that waited closes, so one task waits', async () => {
    const e = engineHarness(web);
    const { place } = await e.hub.customers.connect({ actor: customer }, {});
    const [waiting] = await e.routing.tasksOf(place.conversationId);
    expect(waiting!.state).toBe('queued');
    await e.hub.agents.connected(bob);
    await e.hub.agents.setState({ actor: bob }, { state: 'not_ready', lists: ['support'] });
    const task = await e.hub.supervisors.reassign({ actor: sam }, { conversationId: place.conversationId, to: { agentId: bob.id } });
    const tasks = await e.routing.tasksOf(place.conversationId);
    expect(new Map(tasks.map((t) => [t.id, t.state]))).toEqual(
      new Map([
        [waiting!.id, 'closed'],
        [task.id, 'queued'],
      ]),
    );
    await expect(e.hub.supervisors.reassign({ actor: sam }, { conversationId: 'nope', to: { agentId: bob.id } })).rejects.toMatchObject({ code: 'not_found' });
    // An unknown agent changes nothing: the new task still waits.
    await expect(e.hub.supervisors.reassign({ actor: sam }, { conversationId: place.conversationId, to: { agentId: 'typo' } })).rejects.toMatchObject({ code: 'not_found' });
    expect((await e.routing.getTask(task.id))!.state).toBe('queued');
  });
});

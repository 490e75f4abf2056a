import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Dashboard } from '@conversation-hub/client-sdk/contract';
import type { HubClient } from '@conversation-hub/client-sdk';
import { startCluster, type Cluster, type HubNode } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';

// Two real hub processes: the dashboard's timer fires on one node (BullMQ) and its push reaches
// watchers on every node through the Redis adapter.
let cluster: Cluster;
let A: HubNode;
let B: HubNode;
beforeAll(async () => {
  cluster = await startCluster(2);
  [A, B] = cluster.nodes as [HubNode, HubNode];
}, 60_000);
afterAll(() => cluster?.stop(), 30_000);

const dashboard = (c: HubClient, match: (d: Dashboard) => boolean, what: string) => waitFor<Dashboard>((fn) => c.on('dashboard', fn), match, 8_000, what);

describe('the supervisor dashboard across nodes', () => {
  test("a supervisor's dashboard push after an agent changes state on another node", async () => {
    const agentId = `agent-${randomUUID().slice(0, 8)}`;
    const agent = await cluster.client(A, { id: agentId, role: 'agent', name: agentId });
    await agent.call('agent.state', { state: 'ready', lists: ['floor'] });
    const onB = await cluster.client(B, { id: `sup-${randomUUID().slice(0, 6)}`, role: 'supervisor' });
    const onA = await cluster.client(A, { id: `sup-${randomUUID().slice(0, 6)}`, role: 'supervisor' });
    const { dashboard: snap } = await onB.call('supervisor.watch', {});
    await onA.call('supervisor.watch', {});
    expect(snap.agents.find((a) => a.agentId === agentId)).toMatchObject({ state: 'ready', connected: true });

    const atLunch = (d: Dashboard) => d.agents.some((a) => a.agentId === agentId && a.state === 'not_ready' && a.reason === 'lunch');
    const pushes = [dashboard(onB, atLunch, 'dashboard on B'), dashboard(onA, atLunch, 'dashboard on A')];
    await agent.call('agent.state', { state: 'not_ready', reason: 'lunch' });
    const [fromB, fromA] = await Promise.all(pushes);
    // One timer run made both: the same snapshot on both nodes.
    expect(fromA).toEqual(fromB);

    // A supervisor on B forces the agent on A not ready: the watchers see the new reason.
    const coached = dashboard(onA, (d) => d.agents.some((a) => a.agentId === agentId && a.reason === 'coaching'), 'forced state on A');
    await onB.call('supervisor.agent.state', { agentId, state: 'not_ready', reason: 'coaching' });
    await coached;
  });
});

import { randomUUID } from 'node:crypto';
import { expect } from '@jest/globals';
import type { ChannelInput, TaskOffered } from '@conversation-hub/client-sdk/contract';
import type { HubClient } from '@conversation-hub/client-sdk';
import type { TestHub } from './start-hub.js';
import { waitFor } from './wait.js';

/** A channel of its own with a list of its own, so one test's agents are never offered another's tasks. */
export async function routedChannel(hub: TestHub, overrides: Partial<ChannelInput> = {}) {
  const id = randomUUID().slice(0, 8);
  const body: ChannelInput = { serviceIdentifier: `chan-${id}`, name: `Channel ${id}`, channelType: 'webchat', listId: `list-${id}`, ...overrides };
  const res = await hub.admin('POST', '/api/channels', body);
  expect(res.status).toBe(201);
  return res.body as { id: string; serviceIdentifier: string; listId: string };
}

/** The next `task.offered` the agent gets. */
export const offered = (c: HubClient, ms = 8_000) => waitFor<TaskOffered>((fn) => c.on('task.offered', fn), () => true, ms, 'task.offered');

/** A ready agent serving `listId`; `firstOffer` listens from before it is ready (an offer may come with `agent.state`). */
export async function readyAgent(hub: TestHub, listId: string, opts: { id?: string; capacity?: number } = {}) {
  const id = opts.id ?? `agent-${randomUUID().slice(0, 8)}`;
  const c = await hub.client({ id, role: 'agent', name: id });
  const firstOffer = offered(c);
  firstOffer.catch(() => {}); // not every test waits for it
  await c.call('agent.state', { state: 'ready', lists: [listId], ...(opts.capacity ? { capacity: opts.capacity } : {}) });
  return Object.assign(c, { id, firstOffer });
}

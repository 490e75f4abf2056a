import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import pino from 'pino';
import { Adapter } from 'socket.io-adapter';
import type { Activity } from '@conversation-hub/client-sdk/contract';
import { draft } from '../../server/domain/conversation.js';
import { embeddedParts } from '../../server/parts/embedded.js';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { collect, nextActivity, until } from '../helpers/wait.js';

// HubClient on `resync` (PROTOCOL.md §4): it catches up every conversation it follows, without a
// later activity to reveal the gap. An embedded hub whose adapter hands the test its namespace:
// an activity is committed to the store without its push (as when the adapter's subscriber is
// away), then the hub sends `resync` to its sockets, as server/transport/resync.ts does.

interface Namespace {
  local: { emit(event: 'resync', push: Record<string, never>): boolean };
}
let nsp: Namespace | undefined;
let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({}, {
    parts: async (config) => ({
      ...(await embeddedParts(config, pino({ level: 'silent' }))),
      // A function, not an arrow: Socket.IO calls it with `new`.
      adapter: function capturing(n: unknown) {
        nsp = n as Namespace;
        return new Adapter(n as never);
      },
    }),
  });
});
afterAll(() => hub?.close());

test('HubClient catches up every conversation it follows on `resync`, each activity once and in order', async () => {
  const customer = await hub.customer();
  const { id: conversationId } = await customer.conversation();
  const supervisor = await hub.client({ id: `sup-${randomUUID().slice(0, 6)}`, role: 'supervisor' });
  await supervisor.call('conversation.join', { conversationId });
  const atSupervisor = collect(supervisor);
  const atCustomer = collect(customer);
  const m1 = await customer.send('pushed as usual');
  await until(supervisor, () => atSupervisor.some((a) => a.id === m1.id));

  // Committed, and never pushed.
  const from = { id: (await customer.conversation()).customerId, role: 'customer' as const };
  const lost: Activity[] = [];
  for (const text of ['lost 1', 'lost 2']) {
    const { activity } = await hub.parts.store.append(conversationId, draft(conversationId, 'message', 'all', from, { text }, new Date().toISOString()));
    lost.push(activity);
  }
  const ids = (list: Activity[]) => list.filter((a) => a.type === 'message').map((a) => a.id);
  expect(ids(atSupervisor)).toEqual([m1.id]);

  // Twice: the second catch-up finds nothing new.
  const last = lost.at(-1)!;
  const supervisorCaughtUp = nextActivity(supervisor, (a) => a.id === last.id);
  const customerCaughtUp = nextActivity(customer, (a) => a.id === last.id);
  nsp!.local.emit('resync', {});
  nsp!.local.emit('resync', {});
  await Promise.all([supervisorCaughtUp, customerCaughtUp]);

  // Later traffic flows as before, with nothing delivered twice.
  const m2 = await supervisor.send('still here', { conversationId });
  await until(customer, () => atCustomer.some((a) => a.id === m2.id));
  expect(ids(atSupervisor)).toEqual([m1.id, ...lost.map((a) => a.id), m2.id]);
  expect(ids(atCustomer)).toEqual([m1.id, ...lost.map((a) => a.id), m2.id]);
});

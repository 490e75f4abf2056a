import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { nextActivity, nextConversation } from '../helpers/wait.js';

// A 2 s customer inactivity timeout, set through configuration.
let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ HUB_INACTIVITY_OVERRIDE_SECONDS: '2' });
});
afterAll(() => hub.close());

test('the inactivity timeout closes a silent session within a second of its time', async () => {
  const customer = await hub.customer();
  const view = await customer.conversation();
  const supervisor = await hub.client({ id: 'sup-inactive-1', role: 'supervisor' });
  await supervisor.call('conversation.join', { conversationId: view.id });
  const closed = await nextActivity(supervisor, (a) => a.type === 'session.closed', 6_000);
  const openedAt = Date.parse(view.channelSessions[0]!.openedAt);
  expect(closed.payload).toMatchObject({ reason: 'inactivity' });
  const lateness = Date.parse(closed.at) - (openedAt + 2_000);
  expect(lateness).toBeGreaterThanOrEqual(0);
  expect(lateness).toBeLessThan(1_000);
});

test('a customer message in between postpones the timeout', async () => {
  const customer = await hub.customer();
  const view = await customer.conversation();
  const supervisor = await hub.client({ id: 'sup-inactive-2', role: 'supervisor' });
  await supervisor.call('conversation.join', { conversationId: view.id });
  const closed = nextActivity(supervisor, (a) => a.type === 'session.closed', 8_000);
  await delay(1_200); // the scenario: the customer speaks 1.2 s into a 2 s timeout
  const message = await customer.send('still here');
  const at = Date.parse((await closed).at);
  const openedAt = Date.parse(view.channelSessions[0]!.openedAt);
  expect(at - (openedAt + 2_000)).toBeGreaterThan(900); // not at the original time
  const lateness = at - (Date.parse(message.at) + 2_000);
  expect(lateness).toBeGreaterThanOrEqual(0);
  expect(lateness).toBeLessThan(1_000);
});

test('a customer who writes after their conversation closed starts a new one; the old one is archived', async () => {
  const customer = await hub.customer();
  const view = await customer.conversation();
  const supervisor = await hub.client({ id: 'sup-inactive-3', role: 'supervisor' });
  await supervisor.call('conversation.join', { conversationId: view.id });
  // No agent ever joined (a supervisor is not one): the closed session takes the conversation to closing.
  await nextActivity(supervisor, (a) => a.type === 'state.changed' && a.payload.to === 'closing', 6_000);
  const next = nextConversation(customer, (v) => v.id !== view.id);
  const msg = await customer.send('back again');
  expect(msg.conversationId).not.toBe(view.id);
  expect((await next).channelSessions.map((s) => s.state)).toEqual(['open']);
  const archived = await hub.archived(view.id);
  expect(archived.state).toBe('closed');
  expect(archived.activities.map((a) => a.seq)).toEqual(archived.activities.map((_, i) => i + 1));
});

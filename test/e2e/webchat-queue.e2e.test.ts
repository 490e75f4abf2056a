/**
 * The widget's waiting states in a real browser (Debian's Chromium through playwright-core), served
 * from the build, on another site embedding it for a channel of its own: the queue line from the
 * hub's `queue.position` pushes (hidden once an agent joins), and the closed screen when the
 * channel's business hours are closed (its message becomes the chat's first, with name and email).
 * Every wait is on an event or a selector; the timeouts are failure guards.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { TaskOffered } from '@conversation-hub/client-sdk/contract';
import type { HubClient } from '@conversation-hub/client-sdk';
import { waitFor } from '../helpers/wait.js';
import { freshContext, otherSite, watchErrors } from './browser.js';
import { pagesHub } from './pages-hub.js';

const world = pagesHub();

async function channel(extra: Record<string, unknown> = {}): Promise<{ id: string; serviceIdentifier: string; listId: string }> {
  const id = randomUUID().slice(0, 8);
  const res = await world.hub.admin('POST', '/api/channels', { serviceIdentifier: `e2e-${id}`, name: `E2E ${id}`, channelType: 'webchat', listId: `e2e-list-${id}`, ...extra });
  expect(res.status).toBe(201);
  return res.body;
}

/** A page of another site with the widget open on `serviceIdentifier`. */
async function visitor(serviceIdentifier: string): Promise<{ page: Page; errors: string[] }> {
  const site = await otherSite(world.hub.url, { 'service-identifier': serviceIdentifier, title: 'Chat with Gamma', open: true, 'session-url': '/api/webchat/sessions' });
  world.sites.push(site);
  const page = await (await freshContext(world.browser)).newPage();
  const errors = watchErrors(page);
  await page.goto(`${site.url}/`);
  return { page, errors };
}

const offered = (c: HubClient) => waitFor<TaskOffered>((fn) => c.on('task.offered', fn), () => true, 10_000, 'task.offered');

/** An agent that gets ready on `listId` and accepts the first task it is offered. */
async function agentTakes(listId: string): Promise<void> {
  const agent = await world.hub.client({ id: `agent-${randomUUID().slice(0, 8)}`, role: 'agent', name: 'Avery' });
  const offer = offered(agent); // before it is ready: the offer may come with the answer
  await agent.call('agent.state', { state: 'ready', lists: [listId], capacity: 1 });
  await agent.call('task.accept', { taskId: (await offer).task.id });
}

describe('the widget while waiting', () => {
  test('shows its place in the queue from the hub’s push and hides it when an agent joins', async () => {
    const ch = await channel();
    const { page, errors } = await visitor(ch.serviceIdentifier);
    await page.getByLabel('Name').fill('Hedy Lamarr');
    await page.getByRole('button', { name: 'Start chat' }).click();
    const line = page.locator('.hw-queue');
    // No wait on this queue is known yet: no estimate.
    await line.filter({ hasText: /^You are number 1 in the queue$/ }).waitFor({ timeout: 10_000 });

    await agentTakes(ch.listId);
    await page.locator('.hw-system', { hasText: 'Avery joined the chat.' }).waitFor({ timeout: 10_000 });
    await page.locator('.hw-queue[hidden]').waitFor({ state: 'attached' });
    expect(await line.textContent()).toBe('');
    expect(errors).toEqual([]);
  }, 60_000);

  test('moves up with an estimate once a wait on the queue is known', async () => {
    const ch = await channel();
    await world.hub.customer({ serviceIdentifier: ch.serviceIdentifier }); // someone is already waiting
    const { page, errors } = await visitor(ch.serviceIdentifier);
    await page.getByLabel('Name').fill('Grace Hopper');
    await page.getByRole('button', { name: 'Start chat' }).click();
    const line = page.locator('.hw-queue');
    await line.filter({ hasText: /^You are number 2 in the queue$/ }).waitFor({ timeout: 10_000 });
    await agentTakes(ch.listId); // the first customer: its wait of seconds is "about 1 min"
    await line.filter({ hasText: /^You are number 1 in the queue — about 1 min$/ }).waitFor({ timeout: 10_000 });
    await agentTakes(ch.listId);
    await page.locator('.hw-queue[hidden]').waitFor({ state: 'attached' });
    expect(errors).toEqual([]);
  }, 60_000);

  test('a closed channel shows "We’re closed" with its next opening; the offline form’s message starts the chat', async () => {
    // Open only on the weekday after tomorrow (UTC), so closed now whatever the time.
    const later = new Date(Date.now() + 2 * 86_400_000);
    const day = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][later.getUTCDay()];
    const ch = await channel({ businessHours: { timezone: 'UTC', weekly: [{ day, open: '09:00', close: '17:00' }], closedMessage: 'We are closed right now.' } });

    const { page, errors } = await visitor(ch.serviceIdentifier);
    await page.getByLabel('Name').fill('Katherine Johnson');
    await page.getByLabel(/^Email/).fill('kj@example.com');
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/webchat/sessions'));
    await page.getByRole('button', { name: 'Start chat' }).click();
    expect(await (await answer).json()).toMatchObject({ open: false, nextOpeningAt: `${later.toISOString().slice(0, 10)}T09:00:00.000Z` });

    await page.locator('.hw-panel[data-state="closed"]').waitFor({ timeout: 10_000 });
    await page.getByRole('heading', { name: 'We’re closed' }).waitFor();
    const opening = page.locator('.hw-opening');
    expect(await opening.textContent()).toMatch(/^We open again .+\.$/);
    // Shown in the reader's locale and zone: the same instant as the hub said.
    const shown = await page.evaluate((iso) => new Date(iso).toLocaleString(undefined, { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' }), `${later.toISOString().slice(0, 10)}T09:00:00.000Z`);
    expect(await opening.textContent()).toBe(`We open again ${shown}.`);
    // The form has what the pre-chat form took; no chat yet.
    expect(await page.locator('#hw-off-name').inputValue()).toBe('Katherine Johnson');
    expect(await page.locator('#hw-off-email').inputValue()).toBe('kj@example.com');
    expect(await page.locator('.hw-log').count()).toBe(0);

    await page.getByLabel('Your message').fill('Please call me back about my mortgage.');
    await page.getByRole('button', { name: 'Leave a message' }).click();
    const panel = page.locator('.hw-panel[data-state="connected"][data-conversation-id]');
    await panel.waitFor({ timeout: 10_000 });
    const own = page.locator('.hw-msg.hw-own[data-seq]');
    await own.waitFor({ timeout: 10_000 });
    const text = 'Please call me back about my mortgage.\n\n— Katherine Johnson <kj@example.com> (left while we were closed)';
    expect(await own.locator('.hw-text').textContent()).toBe(text);

    // The hub has it as the conversation's first customer message, for the task at the opening.
    const id = (await panel.getAttribute('data-conversation-id'))!;
    const view = await world.hub.admin('GET', `/api/conversations/${id}`);
    const messages = view.body.activities.filter((a: { type: string; from: { role: string } }) => a.type === 'message' && a.from.role === 'customer');
    expect(messages.map((a: { payload: { text: string } }) => a.payload.text)).toEqual([text]);

    // A reload goes back into the chat, not to the closed screen.
    await page.reload();
    await panel.waitFor({ timeout: 10_000 });
    expect(await page.locator('.hw-offline').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);
});

import { randomUUID } from 'node:crypto';
import { expect } from '@jest/globals';
import type { Page } from 'playwright-core';
import { freshContext, signInDesk, watchErrors } from './browser.js';
import type { PagesHub } from './pages-hub.js';

export interface DeskAgent {
  page: Page;
  /** The page's console errors and failed requests so far (watchErrors). */
  errors: string[];
  serviceIdentifier: string;
  listId: string;
}

/**
 * A channel of its own (`channel` adds fields, e.g. a bot) and an agent account serving its list,
 * signed in to the desk in a fresh browser context and ready: what every desk test starts from.
 */
export async function readyDeskAgent(world: PagesHub, prefix: string, channel: Record<string, unknown> = {}): Promise<DeskAgent> {
  const id = randomUUID().slice(0, 8);
  const listId = `e2e-${prefix}-${id}`;
  const ch = await world.hub.admin('POST', '/api/channels', { serviceIdentifier: listId, name: `E2E ${prefix} ${id}`, channelType: 'webchat', listId, ...channel });
  expect(ch.status).toBe(201);
  const username = `${prefix}-${Date.now().toString(36)}${id.slice(0, 4)}`;
  const password = 'Sam the agent has a long password';
  expect((await world.hub.admin('POST', '/api/users', { username, password, name: 'Sam', role: 'agent', lists: [listId] })).status).toBe(201);
  const page = await (await freshContext(world.browser)).newPage();
  const errors = watchErrors(page);
  await signInDesk(page, world.hub.url, { username, password, name: 'Sam', role: 'agent' });
  await page.getByLabel('State').selectOption('ready');
  await page.getByLabel('Lists (comma-separated)').fill(listId);
  await page.locator('#presence').getByRole('button', { name: 'Apply' }).click();
  await page.locator('#presence-status', { hasText: 'You are ready for conversations.' }).waitFor({ timeout: 10_000 });
  return { page, errors, serviceIdentifier: ch.body.serviceIdentifier as string, listId };
}

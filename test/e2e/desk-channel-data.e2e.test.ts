/**
 * Channel data as it changes, on the desk in a real browser: an agent accepts a webchat customer's
 * conversation; the customer reconnects with new channel data; the pane's channel card shows the
 * merged data and the log a session.updated line. Every wait is on a selector; timeouts are failure guards.
 */
import { describe, expect, test } from '@jest/globals';
import { readyDeskAgent } from './desk-agent.js';
import { pagesHub } from './pages-hub.js';

const world = pagesHub();

describe('the desk’s channel pane follows channel data', () => {
  test('a reconnection with new channel data updates the session card', async () => {
    const { page, errors, serviceIdentifier } = await readyDeskAgent(world, 'cd');

    const first = await world.hub.customer({ serviceIdentifier, channelData: { page: '/home' } });
    const conversationId = (await first.conversation()).id;
    await page.locator('#offers .offer').getByRole('button', { name: 'Accept' }).click({ timeout: 10_000 });
    const pane = page.locator(`.pane[data-conversation-id="${conversationId}"]:not([hidden])`);
    await pane.locator('.channels dd', { hasText: '/home' }).waitFor({ timeout: 10_000 });

    await world.hub.customer({ serviceIdentifier, visitorToken: first.visitorToken, channelData: { page: '/pricing' } });
    await pane.locator('.channels dd', { hasText: '/pricing' }).waitFor({ timeout: 10_000 });
    expect(await pane.locator('.channels dd', { hasText: '/home' }).count()).toBe(0);
    await pane.getByText('channel data changed: page').waitFor({ timeout: 10_000 });
    expect(errors).toEqual([]);
  }, 60_000);
});

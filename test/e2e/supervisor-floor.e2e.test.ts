/**
 * The desk's supervisor view in a real browser (Debian's Chromium through playwright-core), served
 * from the build: a supervisor signs in and sees the floor; an agent on the Node SDK changes state
 * and the `dashboard` push redraws its row; "Force not ready" and "Monitor" work from the page.
 * Every wait is on a selector; the timeouts are failure guards.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { freshContext, signInDesk, watchErrors } from './browser.js';
import { pagesHub } from './pages-hub.js';

const SCREENSHOT = process.env.FLOOR_SCREENSHOT ?? '/tmp/supervisor-floor.png';

const world = pagesHub();

describe('the supervisor view of the desk', () => {
  test('renders the floor and redraws an agent’s row from the dashboard push after it changes state', async () => {
    const username = `floor-${Date.now().toString(36)}`;
    const password = 'Floor supervisor has a long password';
    const made = await world.hub.admin('POST', '/api/users', { username, password, name: 'Flo', role: 'supervisor' });
    expect(made.status).toBe(201);

    const agentId = `agent-${randomUUID().slice(0, 8)}`;
    const agent = await world.hub.client({ id: agentId, role: 'agent', name: 'Ann' });
    await agent.call('agent.state', { state: 'ready', lists: ['floor-e2e'] });
    const customer = await world.hub.customer();
    const conversationId = (await customer.conversation()).id;

    const page = await (await freshContext(world.browser)).newPage();
    const errors = watchErrors(page);
    await signInDesk(page, world.hub.url, { username, password, name: 'Flo', role: 'supervisor' });

    // The snapshot: the agent, ready, and the customer's conversation.
    const row = page.locator(`#floor-agents tr[data-agent-id="${agentId}"]`);
    await row.locator('.agent-state', { hasText: 'Ready' }).waitFor({ timeout: 10_000 });
    await page.locator(`#floor-conversations tr[data-conversation-id="${conversationId}"]`).waitFor();
    await page.locator('#floor-queues tr[data-list-id="floor-e2e"]').waitFor();

    // The agent goes to lunch: the push redraws its row.
    await agent.call('agent.state', { state: 'not_ready', reason: 'lunch' });
    await row.locator('.agent-state', { hasText: 'Not ready (lunch)' }).waitFor({ timeout: 10_000 });

    // Ready again, then forced not ready from the page with the reason typed.
    await agent.call('agent.state', { state: 'ready' });
    await row.locator('.agent-state', { hasText: /^Ready$/ }).waitFor({ timeout: 10_000 });
    await page.getByLabel('Not-ready reason').fill('coaching');
    await row.getByRole('button', { name: 'Force not ready' }).click();
    await row.locator('.agent-state', { hasText: 'Not ready (coaching)' }).waitFor({ timeout: 10_000 });

    // Monitor: a silent join opens the conversation's pane.
    await page.locator(`#floor-conversations tr[data-conversation-id="${conversationId}"]`).getByRole('button', { name: 'Monitor' }).click();
    await page.locator('.pane:not([hidden])').waitFor({ timeout: 10_000 });
    const { activities } = await customer.call('activities.since', { conversationId, afterSeq: 0 });
    expect(activities.some((a) => a.type === 'participant.joined' && a.payload.participant.role === 'supervisor')).toBe(false);

    // Reassign to the agent, typed into the row's box.
    const conversationRow = page.locator(`#floor-conversations tr[data-conversation-id="${conversationId}"]`);
    await conversationRow.getByLabel(/^Reassign /).fill(agentId);
    await conversationRow.getByRole('button', { name: 'Reassign' }).click();
    await page.locator('#floor-status', { hasText: 'reassigned' }).waitFor({ timeout: 10_000 });
    const tasks = (await world.hub.parts.routing.tasksOf(conversationId)).filter((t) => t.state !== 'closed');
    // The agent is not ready (forced above): the task waits for it.
    expect(tasks.map((t) => [t.reason, t.state])).toEqual([['transfer', 'queued']]);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);
});

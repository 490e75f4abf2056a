/**
 * Read receipts on the desk in a real browser (PROTOCOL.md §1.7.4): the agent's pane reads the
 * customer's message (the customer gets the agent's `read` receipt), and the agent's own message
 * shows ✓✓ once the customer reads it. Every wait is on an event or a selector.
 */
import { describe, expect, test } from '@jest/globals';
import type { Activity, ReceiptPush } from '@conversation-hub/client-sdk/contract';
import { waitFor } from '../helpers/wait.js';
import { readyDeskAgent } from './desk-agent.js';
import { pagesHub } from './pages-hub.js';

const world = pagesHub();

describe('the desk and read receipts', () => {
  test("the desk reads what its pane shows, and ticks the agent's message when the customer reads it", async () => {
    const { page, errors, serviceIdentifier } = await readyDeskAgent(world, 'rr');

    const customer = await world.hub.customer({ serviceIdentifier });
    const conversationId = (await customer.conversation()).id;
    const asked = await customer.send('Is my parcel on its way?');
    // The agent's read receipt reaches the customer once the pane shows the message.
    const agentRead = waitFor<ReceiptPush>((fn) => customer.on('receipt', fn), (r) => r.status === 'read' && r.seq >= asked.seq, 15_000, 'the agent’s read receipt');
    await page.locator('#offers .offer').getByRole('button', { name: 'Accept' }).click({ timeout: 10_000 });
    const pane = page.locator(`.pane[data-conversation-id="${conversationId}"]:not([hidden])`);
    await pane.getByText('Is my parcel on its way?').waitFor({ timeout: 10_000 });
    expect((await agentRead).seq).toBeGreaterThanOrEqual(asked.seq);

    const replied = waitFor<Activity>((fn) => customer.onActivity(fn), (a) => a.type === 'message' && a.from.role === 'agent', 10_000, 'the agent’s reply');
    const box = pane.getByRole('textbox', { name: 'Message text' });
    await box.fill('It left the depot this morning.');
    await box.press('Enter');
    const reply = await replied;
    const mine = pane.locator('li.msg.mine', { hasText: 'It left the depot this morning.' });
    await mine.waitFor({ timeout: 10_000 });
    expect(await mine.locator('.tick').count()).toBe(0); // not read yet
    await customer.call('read.update', { seq: reply.seq });
    await mine.locator('.tick', { hasText: '✓✓' }).waitFor({ timeout: 10_000 });
    expect(errors).toEqual([]);
  }, 60_000);
});

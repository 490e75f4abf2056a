/**
 * A bot's suggestion on the desk, in a real browser (Debian's Chromium through playwright-core),
 * served from the build: an agent signed in on the desk gets ready, accepts the conversation the
 * channel's bot (on the Node SDK) hands over, and the bot's `suggestion.send` shows as a card with
 * its confidence; "Send this" sends its text as the agent's message, which the customer receives,
 * and the card is marked used. Every wait is on an event or a selector; the timeouts are failure guards.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import type { ConversationView } from '@conversation-hub/client-sdk/contract';
import { nextActivity, waitFor } from '../helpers/wait.js';
import { readyDeskAgent } from './desk-agent.js';
import { pagesHub } from './pages-hub.js';

const SCREENSHOT = process.env.SUGGESTIONS_SCREENSHOT ?? '/tmp/desk-suggestions.png';

const world = pagesHub();

describe('a bot’s suggestions on the desk', () => {
  test('a suggestion shows as a card with its confidence; "Send this" sends it to the customer as the agent', async () => {
    const botId = `bot-${randomUUID().slice(0, 8)}`;
    const { page, errors, serviceIdentifier } = await readyDeskAgent(world, 'sg', { botId });

    // The bot answers first, then hands over; the agent accepts on the desk.
    const bot = await world.hub.client({ id: botId, role: 'bot', name: 'Helper bot' });
    const invited = waitFor<ConversationView>((fn) => bot.onConversation(fn), () => true, 10_000, 'the bot’s conversation');
    const customer = await world.hub.customer({ serviceIdentifier });
    const { id: conversationId } = await invited;
    await customer.send('Where is my order?');
    await bot.call('handoff.request', { conversationId, intent: 'order_status', summary: 'asks where the order is' });
    await page.locator('#offers .offer').getByRole('button', { name: 'Accept' }).click({ timeout: 10_000 });
    const pane = page.locator(`.pane[data-conversation-id="${conversationId}"]:not([hidden])`);
    await pane.waitFor({ timeout: 10_000 });

    await bot.call('suggestion.send', { conversationId, text: 'Your order ships tomorrow.', confidence: 0.82 });
    const card = pane.locator('.msg.suggestion[data-seq]', { hasText: 'Your order ships tomorrow.' });
    await card.waitFor({ timeout: 10_000 });
    expect(await card.locator('.confidence').textContent()).toBe('82%');
    expect(await card.locator('.who').textContent()).toContain('agents only');

    const heard = nextActivity(customer, (a) => a.type === 'message' && a.from.role === 'agent', 10_000);
    await card.getByRole('button', { name: 'Send this' }).click();
    const said = await heard;
    expect(said.payload).toMatchObject({ text: 'Your order ships tomorrow.' });
    expect(said.from.name).toBe('Sam');
    expect(said.clientMessageId).toEqual(expect.any(String));
    // The card is used; the message shows once in the agent's log.
    await pane.locator('.msg.suggestion.used').waitFor({ timeout: 10_000 });
    expect(await card.getByRole('button', { name: 'Sent' }).isDisabled()).toBe(true);
    await pane.locator(`.msg.from-agent[data-seq="${said.seq}"]`, { hasText: 'Your order ships tomorrow.' }).waitFor({ timeout: 10_000 });
    // The customer never sees the suggestion itself.
    const { activities } = await customer.call('activities.since', { conversationId, afterSeq: 0 });
    expect(activities.some((a) => a.type === 'suggestion')).toBe(false);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);
});

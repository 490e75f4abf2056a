/**
 * A bot's quick replies in the widget, in a real browser (Debian's Chromium through playwright-core),
 * served from the build, on another site embedding it for a channel with a bot: the bot (on the
 * Node SDK) asks with two buttons; a click sends the payload as the customer's message and spends
 * the buttons. Every wait is on an event or a selector; the timeouts are failure guards.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import type { ConversationView } from '@conversation-hub/client-sdk/contract';
import { nextActivity, waitFor } from '../helpers/wait.js';
import { freshContext, otherSite, watchErrors } from './browser.js';
import { pagesHub } from './pages-hub.js';

const world = pagesHub();

describe('quick replies in the widget', () => {
  test('a bot’s buttons show under its message; a click sends the payload as the customer and disables them', async () => {
    const id = randomUUID().slice(0, 8);
    const botId = `bot-${id}`;
    const ch = await world.hub.admin('POST', '/api/channels', { serviceIdentifier: `e2e-qr-${id}`, name: `E2E QR ${id}`, channelType: 'webchat', listId: `e2e-qr-${id}`, botId });
    expect(ch.status).toBe(201);
    const bot = await world.hub.client({ id: botId, role: 'bot', name: 'Helper bot' });
    const invited = waitFor<ConversationView>((fn) => bot.onConversation(fn), () => true, 10_000, 'the bot’s conversation');

    const site = await otherSite(world.hub.url, { 'service-identifier': ch.body.serviceIdentifier, title: 'Chat with Delta', open: true, 'session-url': '/api/webchat/sessions' });
    world.sites.push(site);
    const page = await (await freshContext(world.browser)).newPage();
    const errors = watchErrors(page);
    await page.goto(`${site.url}/`);
    await page.getByLabel('Name').fill('Alan Turing');
    await page.getByRole('button', { name: 'Start chat' }).click();
    const { id: conversationId } = await invited;

    await bot.call('message.send', {
      conversationId,
      text: 'How can I help?',
      clientMessageId: randomUUID(),
      quickReplies: [
        { title: 'Track my order', payload: 'track order' },
        { title: 'Talk to a human', payload: 'agent, please' },
      ],
    });
    const asked = page.locator('.hw-msg.hw-bot[data-seq]', { hasText: 'How can I help?' });
    await asked.waitFor({ timeout: 10_000 });
    const group = asked.getByRole('group', { name: 'Quick replies' });
    const track = group.getByRole('button', { name: 'Track my order' });
    const human = group.getByRole('button', { name: 'Talk to a human' });
    expect(await track.getAttribute('aria-label')).toBe('Track my order');
    expect(await human.isEnabled()).toBe(true);
    expect(await track.isEnabled()).toBe(true);
    // Keyboard focusable: a real button.
    await human.focus();
    expect(await human.evaluate((el) => el === document.activeElement && el.tagName === 'BUTTON')).toBe(true);

    const heard = nextActivity(bot, (a) => a.type === 'message' && a.from.role === 'customer', 10_000);
    await human.click();
    const said = await heard;
    expect(said.type === 'message' && said.payload.text).toBe('agent, please');
    expect(said.clientMessageId).toEqual(expect.any(String));

    // One-shot: both buttons are spent; the customer's message shows once, as their own.
    expect(await human.isDisabled()).toBe(true);
    expect(await track.isDisabled()).toBe(true);
    await page.locator(`.hw-msg.hw-own[data-seq="${said.seq}"]`, { hasText: 'agent, please' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('.hw-msg.hw-own').count()).toBe(1);

    // A second set is spent by a typed message too.
    await bot.call('message.send', { conversationId, text: 'Anything else?', clientMessageId: randomUUID(), quickReplies: [{ title: 'No, thanks', payload: 'no' }] });
    const no = page.getByRole('button', { name: 'No, thanks' });
    await no.waitFor({ timeout: 10_000 });
    expect(await no.isEnabled()).toBe(true);
    await page.getByLabel('Message', { exact: true }).fill('Actually, one more thing');
    await page.getByLabel('Message', { exact: true }).press('Enter');
    expect(await no.isDisabled()).toBe(true);
    expect(errors).toEqual([]);
  }, 60_000);

  test('titles and payloads are text, never HTML', async () => {
    const id = randomUUID().slice(0, 8);
    const botId = `bot-${id}`;
    const ch = await world.hub.admin('POST', '/api/channels', { serviceIdentifier: `e2e-qrx-${id}`, name: `E2E QRX ${id}`, channelType: 'webchat', listId: `e2e-qrx-${id}`, botId });
    expect(ch.status).toBe(201);
    const bot = await world.hub.client({ id: botId, role: 'bot', name: 'Helper bot' });
    const invited = waitFor<ConversationView>((fn) => bot.onConversation(fn), () => true, 10_000, 'the bot’s conversation');
    const site = await otherSite(world.hub.url, { 'service-identifier': ch.body.serviceIdentifier, open: true, 'session-url': '/api/webchat/sessions' });
    world.sites.push(site);
    const page = await (await freshContext(world.browser)).newPage();
    const errors = watchErrors(page);
    await page.goto(`${site.url}/`);
    await page.getByLabel('Name').fill('Mallory');
    await page.getByRole('button', { name: 'Start chat' }).click();
    const { id: conversationId } = await invited;

    const title = '<img src=x onerror="window.pwned=1">';
    await bot.call('message.send', { conversationId, text: 'Pick', clientMessageId: randomUUID(), quickReplies: [{ title, payload: '<b>bold</b>' }] });
    const button = page.getByRole('button', { name: title });
    await button.waitFor({ timeout: 10_000 });
    expect(await button.textContent()).toBe(title);
    expect(await page.locator('.hw-quick-replies img').count()).toBe(0);
    const heard = nextActivity(bot, (a) => a.type === 'message' && a.from.role === 'customer', 10_000);
    await button.click();
    expect((await heard).payload).toMatchObject({ text: '<b>bold</b>' });
    await page.locator('.hw-msg.hw-own[data-seq] .hw-text', { hasText: '<b>bold</b>' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('.hw-log b').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(errors).toEqual([]);
  }, 60_000);
});

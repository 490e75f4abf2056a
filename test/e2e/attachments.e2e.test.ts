/**
 * Attachments in the widget, in a real browser (Debian's Chromium through playwright-core), served
 * from the build on another site: the customer picks an image, the widget uploads it and sends it
 * as a message, shows it inline (fetched with the token: an object URL), and the channel's bot, a
 * participant, gets the message and may download the same bytes. A file that is not what its name
 * says is refused with the hub's reason in the log. Every wait is on an event or a selector.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import type { ConversationView } from '@conversation-hub/client-sdk/contract';
import { nextActivity, waitFor } from '../helpers/wait.js';
import { freshContext, otherSite, watchErrors } from './browser.js';
import { readyDeskAgent } from './desk-agent.js';
import { pagesHub } from './pages-hub.js';

const world = pagesHub();
// A real 1×1 PNG, so the browser can decode it.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

describe('attachments in the widget', () => {
  test('an image is uploaded, sent, shown inline, and a participant downloads it; a fake .png is refused', async () => {
    const id = randomUUID().slice(0, 8);
    const botId = `bot-${id}`;
    const ch = await world.hub.admin('POST', '/api/channels', { serviceIdentifier: `e2e-att-${id}`, name: `E2E Att ${id}`, channelType: 'webchat', listId: `e2e-att-${id}`, botId });
    expect(ch.status).toBe(201);
    const bot = await world.hub.client({ id: botId, role: 'bot', name: 'Helper bot' });
    const invited = waitFor<ConversationView>((fn) => bot.onConversation(fn), () => true, 10_000, 'the bot’s conversation');

    const site = await otherSite(world.hub.url, { 'service-identifier': ch.body.serviceIdentifier, title: 'Chat with Echo', open: true, 'session-url': '/api/webchat/sessions' });
    world.sites.push(site);
    const page = await (await freshContext(world.browser)).newPage();
    const errors = watchErrors(page);
    await page.goto(`${site.url}/`);
    await page.getByLabel('Name').fill('Grace Hopper');
    await page.getByRole('button', { name: 'Start chat' }).click();
    await invited;

    const heard = nextActivity(bot, (a) => a.type === 'message' && a.from.role === 'customer', 10_000);
    await page.setInputFiles('#hw-file', { name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
    const said = await heard;
    if (said.type !== 'message') throw new Error('not a message');
    const file = said.payload.attachments?.[0];
    expect(file).toMatchObject({ id: expect.stringMatching(/^att_/), name: 'screenshot.png', mimeType: 'image/png', size: PNG.length });

    // Shown inline in the customer's own bubble, decoded from an object URL.
    const img = page.locator(`.hw-msg.hw-own[data-seq="${said.seq}"] img.hw-attachment-image`);
    await img.waitFor({ timeout: 10_000 });
    await page.waitForFunction((el) => !!el && (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth === 1, await img.elementHandle(), { timeout: 10_000 });
    expect(await img.getAttribute('src')).toMatch(/^blob:/);
    expect(await img.getAttribute('alt')).toBe('screenshot.png');

    // The bot, a participant, downloads the same bytes with its token.
    const got = await fetch(file!.url, { headers: { authorization: `Bearer ${await world.hub.token({ id: botId, role: 'bot' })}` } });
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(PNG)).toBe(true);

    // An HTML page named .png: refused, with the hub's reason shown to the customer.
    await page.setInputFiles('#hw-file', { name: 'cat.png', mimeType: 'image/png', buffer: Buffer.from('<html><script>alert(1)</script></html>') });
    await page.locator('.hw-system.hw-error', { hasText: 'cat.png was not sent' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('.hw-system.hw-error').textContent()).toContain('HTML');
    // The refused upload's 415 is the one console error the page may log.
    expect(errors.filter((e) => !/415|Unsupported Media Type/i.test(e))).toEqual([]);
  }, 60_000);

  test('the desk shows a customer’s image inline, fetched with the agent’s token, and the agent sends a file back', async () => {
    const { page, errors, serviceIdentifier } = await readyDeskAgent(world, 'attd');

    const customer = await world.hub.customer({ serviceIdentifier });
    const conversationId = (await customer.conversation()).id;
    await page.locator('#offers .offer').getByRole('button', { name: 'Accept' }).click({ timeout: 10_000 });
    const pane = page.locator(`.pane[data-conversation-id="${conversationId}"]:not([hidden])`);
    await pane.waitFor({ timeout: 10_000 });

    const token = await world.hub.token({ id: customer.customerId, role: 'customer', serviceIdentifier });
    const body = new FormData();
    body.append('file', new Blob([new Uint8Array(PNG)], { type: 'image/png' }), 'photo.png');
    const res = await fetch(`${world.hub.url}/api/attachments`, { method: 'POST', body, headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(201);
    await customer.send('here it is', { attachments: [await res.json()] });

    const img = pane.locator('.msg img.attachment-image');
    await img.waitFor({ timeout: 10_000 });
    await page.waitForFunction((el) => !!el && (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth === 1, await img.elementHandle(), { timeout: 10_000 });
    expect(await img.getAttribute('src')).toMatch(/^blob:/);
    expect(await img.getAttribute('alt')).toBe('photo.png');

    // The agent attaches a file with a caption typed first: the customer gets one message carrying both.
    const heard = nextActivity(customer, (a) => a.type === 'message' && a.from.role === 'agent', 10_000);
    await pane.locator('.compose textarea').fill('your invoice');
    await pane.locator('.compose input.file').setInputFiles({ name: 'invoice.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%EOF\n') });
    const reply = await heard;
    expect(reply.type === 'message' && reply.payload).toMatchObject({ text: 'your invoice', attachments: [{ name: 'invoice.pdf', mimeType: 'application/pdf' }] });
    await pane.locator('.msg a.attachment', { hasText: 'invoice.pdf' }).waitFor({ timeout: 10_000 });
    expect(await pane.locator('.compose textarea').inputValue()).toBe('');
    expect(errors).toEqual([]);
  }, 60_000);
});

/**
 * The browser pages in a real browser: Debian's Chromium through playwright-core (never a
 * downloaded one). A visitor chats through the widget at `/` with a supervisor on the Node SDK,
 * and a supervisor signs in to the desk at `/agent`, joins the same conversation and whispers.
 * Every wait is on an event or a selector; the timeouts are failure guards.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { HubClient } from '@conversation-hub/client-sdk';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { nextActivity } from '../helpers/wait.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = process.env.WEBCHAT_SCREENSHOT ?? '/tmp/webchat.png';

let hub: TestHub;
let browser: Browser;

beforeAll(async () => {
  hub = await startTestHub();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await hub?.close();
});

/** A fresh context (its own storage, like a new profile) per page set. */
function freshContext(): Promise<BrowserContext> {
  // Reduced motion: no fade-in mid-flight in the screenshot.
  return browser.newContext({ viewport: { width: 1200, height: 820 }, locale: 'en-GB', reducedMotion: 'reduce' });
}

/** Collects console errors and uncaught page errors. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

describe('browser pages', () => {
  let conversationId: string;
  let supervisor: HubClient;
  let widget: Page;
  let widgetErrors: string[];

  test('GET / and GET /agent serve the pages with hashed, cacheable bundles', async () => {
    const home = await fetch(`${hub.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/text\/html/);
    expect(home.headers.get('cache-control')).toBe('no-cache');
    const html = await home.text();
    const js = /src="(\/assets\/webchat-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    expect(js).toBeDefined();
    const asset = await fetch(`${hub.url}${js}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect((await fetch(`${hub.url}/agent`)).status).toBe(200);
    expect((await fetch(`${hub.url}/assets/nope.js`)).status).toBe(404);
  });

  test('a visitor chats with a supervisor: pre-chat form, message, typing, reply', async () => {
    const context = await freshContext();
    widget = await context.newPage();
    widgetErrors = watchErrors(widget);
    await widget.goto(`${hub.url}/`);

    await widget.getByLabel('Name').fill('Ada Lovelace');
    await widget.getByLabel(/^Email/).fill('ada@example.com');
    const session = widget.waitForResponse((r) => r.url().endsWith('/api/webchat/sessions'));
    await widget.getByRole('button', { name: 'Start chat' }).click();
    const { customerId } = (await (await session).json()) as { customerId: string };

    // The widget marks its panel with the conversation once the hub has pushed it.
    const panel = widget.locator('.hw-panel[data-state="connected"][data-conversation-id]');
    await panel.waitFor({ timeout: 10_000 });
    conversationId = (await panel.getAttribute('data-conversation-id'))!;
    expect(await hub.parts.store.openConversationOf(customerId)).toBe(conversationId);

    supervisor = await hub.client({ id: 'sup-e2e', role: 'supervisor', name: 'Sam' });
    const { conversation } = await supervisor.call('conversation.join', { conversationId });
    const channelData = conversation.channelSessions[0]!.channelData;
    expect(channelData).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com', locale: 'en-GB' });
    expect(channelData.browser).toMatch(/Chrom/);
    await widget.locator('.hw-system', { hasText: 'Sam joined the chat.' }).waitFor();

    // The visitor writes; Enter sends.
    const atSupervisor = nextActivity(supervisor, (a) => a.type === 'message' && a.from.role === 'customer', 10_000);
    const box = widget.getByRole('textbox', { name: 'Message' });
    await box.fill('Hello, my card was declined');
    await box.press('Enter');
    const received = await atSupervisor;
    expect(received).toMatchObject({
      conversationId,
      type: 'message',
      from: { id: customerId, role: 'customer', name: 'Ada Lovelace' },
      payload: { text: 'Hello, my card was declined' },
    });
    expect(received.clientMessageId).toEqual(expect.any(String));
    expect(received.channelSessionId).toBe(conversation.channelSessions[0]!.id);
    // Confirmed in the page: the bubble carries the seq the hub gave it.
    await widget.locator(`.hw-msg.hw-own[data-seq="${received.seq}"]`).waitFor();

    // The supervisor types, then answers.
    await supervisor.typing(true, conversationId);
    await widget.locator('.hw-typing', { hasText: 'Sam is typing…' }).waitFor();
    const reply = await supervisor.send('Sorry about that, Ada. Let me check your card.', { conversationId });
    const bubble = widget.locator(`.hw-msg.hw-agent[data-seq="${reply.seq}"]`);
    await bubble.waitFor();
    expect(await bubble.locator('.hw-who').textContent()).toContain('Sam');
    expect(await bubble.locator('.hw-text').textContent()).toBe('Sorry about that, Ada. Let me check your card.');
    await widget.locator('.hw-typing:empty').waitFor();

    await widget.screenshot({ path: SCREENSHOT });
    expect(widgetErrors).toEqual([]);
  }, 60_000);

  test('a supervisor signs in to the desk, joins the conversation, sees its channels and whispers', async () => {
    const context = await freshContext();
    const desk = await context.newPage();
    const errors = watchErrors(desk);
    await desk.goto(`${hub.url}/agent`);
    await desk.getByRole('heading', { name: 'Agent desk' }).waitFor();

    await desk.getByLabel('Admin key').fill(hub.adminKey);
    await desk.getByLabel('Participant id').fill('sup-desk');
    await desk.getByLabel('Display name').fill('Dana');
    await desk.getByLabel('Role').selectOption('supervisor');
    await desk.getByRole('button', { name: 'Get token' }).click();
    await desk.waitForFunction(() => (document.getElementById('token') as HTMLTextAreaElement).value.split('.').length === 3);
    await desk.getByRole('button', { name: 'Connect' }).click();
    await desk.locator('#connection[data-state="ok"]', { hasText: 'Dana (supervisor)' }).waitFor();

    await desk.getByLabel('Conversation id').fill(conversationId);
    await desk.getByRole('button', { name: 'Join (supervisors)' }).click();
    const pane = desk.locator(`.pane[data-conversation-id="${conversationId}"]`);
    await pane.locator('.msg.from-customer', { hasText: 'Hello, my card was declined' }).waitFor();
    await pane.locator('.msg.from-supervisor', { hasText: 'Let me check your card' }).waitFor();
    const channel = pane.locator('.channel.open');
    await channel.locator('dd', { hasText: 'ada@example.com' }).waitFor();
    expect(await channel.locator('dt').allTextContents()).toEqual(expect.arrayContaining(['browser', 'locale', 'name', 'email']));

    // A whisper shows as one, and never in the widget.
    const atSupervisor = nextActivity(supervisor, (a) => a.type === 'whisper', 10_000);
    await pane.getByRole('textbox', { name: 'Message text' }).fill('Card is blocked for fraud check');
    await pane.getByRole('button', { name: 'Whisper' }).click();
    const whisper = await atSupervisor;
    expect(whisper).toMatchObject({ visibility: 'agents', from: { id: 'sup-desk', role: 'supervisor' } });
    await pane.locator(`.msg.whisper[data-seq="${whisper.seq}"]`).waitFor();

    // A call the hub refuses shows its error instead of breaking the page.
    await pane.getByRole('button', { name: 'Submit wrap-up' }).click();
    await pane.locator('.wrapup .status.error', { hasText: 'wrapup.submit failed' }).waitFor();

    // The widget got the message after the whisper but never the whisper.
    const after = await supervisor.send('Still there?', { conversationId });
    await widget.locator(`.hw-msg[data-seq="${after.seq}"]`).waitFor();
    expect(await widget.locator('.hw-log').textContent()).not.toContain('fraud');

    if (process.env.DESK_SCREENSHOT) await desk.screenshot({ path: process.env.DESK_SCREENSHOT, fullPage: true });
    expect(errors).toEqual([]);
    expect(widgetErrors).toEqual([]);
  }, 60_000);

  test('the visitor ends the chat', async () => {
    const closed = nextActivity(supervisor, (a) => a.type === 'session.closed', 10_000);
    await widget.getByRole('button', { name: 'End chat' }).click();
    await widget.locator('.hw-panel[data-state="ended"]').waitFor();
    expect((await closed).payload).toMatchObject({ reason: 'customer_left' });
    expect(widgetErrors).toEqual([]);
  }, 30_000);
});

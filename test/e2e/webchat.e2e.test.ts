/**
 * The browser pages in a real browser (Debian's Chromium through playwright-core), served from the
 * build (`npm run build`; beforeAll runs it when stale). A visitor chats through the widget at `/`
 * with a supervisor on the Node SDK; a supervisor signs in to the desk at `/agent`, joins the same
 * conversation and whispers; then another site embeds the widget with one script tag and its
 * visitor chats with a supervisor on the desk. Every activity shows exactly once on each page.
 * Every wait is on an event or a selector; the timeouts are failure guards.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Locator, Page } from 'playwright-core';
import type { HubClient } from '@conversation-hub/client-sdk';
import { nextActivity } from '../helpers/wait.js';
import { freshContext, otherSite, signInDesk, watchErrors, type OtherSite } from './browser.js';
import { pagesHub } from './pages-hub.js';

const SCREENSHOT = process.env.WEBCHAT_SCREENSHOT ?? '/tmp/webchat.png';

const world = pagesHub();

/** The texts of the items in `list`, and that no seq shows twice. */
async function rendered(list: Locator): Promise<string[]> {
  const seqs = (await list.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.seq))).filter((s) => s !== undefined);
  expect(new Set(seqs).size).toBe(seqs.length);
  return list.evaluateAll((els) => els.map((e) => e.querySelector('.hw-text, .text')?.textContent ?? ''));
}

/** A supervisor account, made with the admin key (which never enters the desk's page). */
async function deskUser(name: string): Promise<{ id: string; username: string; password: string; name: string; role: 'supervisor' }> {
  const username = `${name.toLowerCase()}-${Date.now().toString(36)}`;
  const password = `${name} has a long password`;
  const r = await world.hub.admin('POST', '/api/users', { username, password, name, role: 'supervisor' });
  if (r.status !== 201) throw new Error(`user ${username}: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.id, username, password, name, role: 'supervisor' };
}

describe('browser pages', () => {
  let conversationId: string;
  let supervisor: HubClient;
  let widget: Page;
  let widgetErrors: string[];

  test('GET /, GET /agent and GET /webchat.js serve the build, with hashed, cacheable bundles', async () => {
    const home = await fetch(`${world.hub.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/text\/html/);
    expect(home.headers.get('cache-control')).toBe('no-cache');
    const js = /src="(\/assets\/webchat-[A-Z0-9]+\.js)"/.exec(await home.text())?.[1];
    expect(js).toBeDefined();
    const asset = await fetch(`${world.hub.url}${js}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    const embed = await fetch(`${world.hub.url}/webchat.js`);
    expect(embed.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(embed.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await embed.text()).toContain(`.${js}`);
    expect((await fetch(`${world.hub.url}/agent`)).status).toBe(200);
    expect((await fetch(`${world.hub.url}/assets/nope.js`)).status).toBe(404);
  });

  test('a visitor chats with a supervisor: pre-chat form, message, typing, reply, each shown once', async () => {
    widget = await (await freshContext(world.browser)).newPage();
    widgetErrors = watchErrors(widget);
    await widget.goto(`${world.hub.url}/`);

    await widget.getByLabel('Name').fill('Ada Lovelace');
    await widget.getByLabel(/^Email/).fill('ada@example.com');
    const session = widget.waitForResponse((r) => r.url().endsWith('/api/webchat/sessions'));
    await widget.getByRole('button', { name: 'Start chat' }).click();
    const { customerId } = (await (await session).json()) as { customerId: string };

    // The widget marks its panel with the conversation once the hub has pushed it.
    const panel = widget.locator('.hw-panel[data-state="connected"][data-conversation-id]');
    await panel.waitFor({ timeout: 10_000 });
    conversationId = (await panel.getAttribute('data-conversation-id'))!;
    expect(await world.hub.parts.store.openConversationOf(customerId)).toBe(conversationId);

    supervisor = await world.hub.client({ id: 'sup-e2e', role: 'supervisor', name: 'Sam' });
    const { conversation } = await supervisor.call('conversation.join', { conversationId });
    const channelData = conversation.channelSessions[0]!.channelData;
    // The typed email is the hub's to record, as unverified (PROTOCOL.md §2.2).
    expect(channelData).toMatchObject({ name: 'Ada Lovelace', prechatEmail: 'ada@example.com', emailVerified: 'false', locale: 'en-GB' });
    expect(channelData.browser).toMatch(/Chrom/);

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
    // The supervisor monitors silently: the visitor has seen nothing of it so far.
    expect(await widget.locator('.hw-system', { hasText: 'Sam joined the chat.' }).count()).toBe(0);

    // The supervisor answers (barge-in: the visitor is told who joined first), then types.
    const visitorRead = new Promise<{ seq: number }>((resolve) => supervisor.on('receipt', (r) => r.participantId === conversation.customerId && resolve(r)));
    const reply = await supervisor.send('Sorry about that, Ada. Let me check your card.', { conversationId });
    await widget.locator('.hw-system', { hasText: 'Sam joined the chat.' }).waitFor();
    const bubble = widget.locator(`.hw-msg.hw-agent[data-seq="${reply.seq}"]`);
    await bubble.waitFor();
    expect(await bubble.locator('.hw-who').textContent()).toContain('Sam');
    expect(await bubble.locator('.hw-text').textContent()).toBe('Sorry about that, Ada. Let me check your card.');
    await supervisor.typing(true, conversationId);
    await widget.locator('.hw-typing', { hasText: 'Sam is typing…' }).waitFor();
    await supervisor.typing(false, conversationId);
    await widget.locator('.hw-typing:empty').waitFor();

    // Receipts (PROTOCOL.md §1.7.4): the widget reads the reply it shows (the supervisor's view has the
    // horizon), and ticks the visitor's own message ✓✓ when the supervisor reads it.
    expect(await visitorRead).toMatchObject({ conversationId, seq: reply.seq, status: 'read' });
    await supervisor.call('read.update', { conversationId, seq: reply.seq });
    await widget.locator('.hw-msg.hw-own .hw-tick', { hasText: '✓✓' }).waitFor();

    expect(await rendered(widget.locator('.hw-msg'))).toEqual(['Hello, my card was declined', 'Sorry about that, Ada. Let me check your card.']);
    expect(await widget.locator('.hw-system', { hasText: 'Sam joined the chat.' }).count()).toBe(1);
    await widget.screenshot({ path: SCREENSHOT });
    expect(widgetErrors).toEqual([]);
  }, 60_000);

  test('a supervisor signs in to the desk, joins the conversation, sees its channels and whispers', async () => {
    const desk = await (await freshContext(world.browser)).newPage();
    const errors = watchErrors(desk);
    const dana = await deskUser('Dana');
    await signInDesk(desk, world.hub.url, dana);

    await desk.getByLabel('Conversation id').fill(conversationId);
    await desk.getByRole('button', { name: 'Join (supervisors)' }).click();
    const pane = desk.locator(`.pane[data-conversation-id="${conversationId}"]`);
    await pane.locator('.msg.from-customer', { hasText: 'Hello, my card was declined' }).waitFor();
    await pane.locator('.msg.from-supervisor', { hasText: 'Let me check your card' }).waitFor();
    const channel = pane.locator('.channel.open');
    await channel.locator('dd', { hasText: 'ada@example.com' }).waitFor();
    expect(await channel.locator('dt').allTextContents()).toEqual(expect.arrayContaining(['browser', 'locale', 'name', 'prechatEmail', 'emailVerified']));

    // A whisper shows as one, once, and never in the widget.
    const atSupervisor = nextActivity(supervisor, (a) => a.type === 'whisper', 10_000);
    await pane.getByRole('textbox', { name: 'Message text' }).fill('Card is blocked for fraud check');
    await pane.getByRole('button', { name: 'Whisper' }).click();
    const whisper = await atSupervisor;
    expect(whisper).toMatchObject({ visibility: 'agents', from: { id: dana.id, role: 'supervisor' } });
    await pane.locator(`.msg.whisper[data-seq="${whisper.seq}"]`).waitFor();

    // A call the hub refuses shows its error instead of breaking the page.
    await pane.getByRole('button', { name: 'Submit wrap-up' }).click();
    await pane.locator('.wrapup .status.error', { hasText: 'wrapup.submit failed' }).waitFor();

    // The widget got the message after the whisper but never the whisper; so did the desk, once.
    const after = await supervisor.send('Still there?', { conversationId });
    await widget.locator(`.hw-msg[data-seq="${after.seq}"]`).waitFor();
    await pane.locator(`.msg[data-seq="${after.seq}"]`).waitFor();
    expect(await widget.locator('.hw-log').textContent()).not.toContain('fraud');
    expect(await rendered(widget.locator('.hw-msg'))).toEqual(['Hello, my card was declined', 'Sorry about that, Ada. Let me check your card.', 'Still there?']);
    expect(await rendered(pane.locator('.msg'))).toEqual([
      'Hello, my card was declined',
      'Sorry about that, Ada. Let me check your card.',
      'Card is blocked for fraud check',
      'Still there?',
    ]);
    expect(await pane.locator('.event', { hasText: 'Dana (supervisor) joined' }).count()).toBe(1);

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

describe('the widget on another site', () => {
  let site: OtherSite;

  beforeAll(async () => {
    site = await otherSite(world.hub.url, { 'service-identifier': 'webchat', title: 'Chat with Beta', open: true, 'session-url': '/api/webchat/sessions' });
  });
  afterAll(() => site?.close());

  test('one script tag embeds it; a visitor chats with a supervisor on the desk, each message once on each page', async () => {
    const visitor = await (await freshContext(world.browser)).newPage();
    const visitorErrors = watchErrors(visitor);
    await visitor.goto(`${site.url}/`);
    expect(new URL(site.url).origin).not.toBe(new URL(world.hub.url).origin);
    await visitor.getByRole('heading', { name: 'Chat with Beta' }).waitFor();
    // The embed script brought the widget's stylesheet from the world.hub.
    expect(await visitor.locator(`link[rel="stylesheet"][href^="${world.hub.url}/assets/webchat-"]`).count()).toBe(1);
    expect(await visitor.locator('.hw-panel').evaluate((el) => getComputedStyle(el).position)).toBe('fixed');

    await visitor.getByLabel('Name').fill('Grace Hopper');
    await visitor.getByRole('button', { name: 'Start chat' }).click();
    const panel = visitor.locator('.hw-panel[data-state="connected"][data-conversation-id]');
    await panel.waitFor({ timeout: 10_000 });
    const id = (await panel.getAttribute('data-conversation-id'))!;

    const desk = await (await freshContext(world.browser)).newPage();
    const deskErrors = watchErrors(desk);
    await signInDesk(desk, world.hub.url, await deskUser('Erin'));
    await desk.getByLabel('Conversation id').fill(id);
    await desk.getByRole('button', { name: 'Join (supervisors)' }).click();
    const pane = desk.locator(`.pane[data-conversation-id="${id}"]`);
    await pane.waitFor();

    const box = visitor.getByRole('textbox', { name: 'Message' });
    await box.fill('Hi, I have a question about my policy');
    await box.press('Enter');
    await pane.locator('.msg.from-customer', { hasText: 'my policy' }).waitFor();

    const deskBox = pane.getByRole('textbox', { name: 'Message text' });
    await deskBox.fill('Hello Grace, how can I help?');
    await deskBox.press('Enter');
    await visitor.locator('.hw-msg.hw-agent', { hasText: 'how can I help?' }).waitFor();
    await pane.locator('.msg.mine', { hasText: 'how can I help?' }).waitFor();
    // The supervisor monitored silently until it answered: then the visitor was told, once.
    expect(await visitor.locator('.hw-system', { hasText: 'Erin joined the chat.' }).count()).toBe(1);

    // One more round trip: everything before it has arrived wherever it was going to.
    await box.fill('Thanks!');
    await box.press('Enter');
    await pane.locator('.msg.from-customer', { hasText: 'Thanks!' }).waitFor();
    await visitor.locator('.hw-msg.hw-own[data-seq]', { hasText: 'Thanks!' }).waitFor();

    const texts = ['Hi, I have a question about my policy', 'Hello Grace, how can I help?', 'Thanks!'];
    expect(await rendered(visitor.locator('.hw-msg'))).toEqual(texts);
    expect(await visitor.locator('.hw-msg[data-pending]').count()).toBe(0);
    expect(await rendered(pane.locator('.msg'))).toEqual(texts);
    expect(await visitor.locator('.hw-system', { hasText: 'Erin joined the chat.' }).count()).toBe(1);
    expect(visitorErrors).toEqual([]);
    expect(deskErrors).toEqual([]);
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Activity, ChannelInput } from '@conversation-hub/client-sdk/contract';
import type { HubClient } from '@conversation-hub/client-sdk';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { offered, readyAgent, routedChannel } from '../helpers/routing-fixtures.js';
import { nextActivity } from '../helpers/wait.js';
import { startFakeRasa, type FakeRasa } from '../bots/fake-rasa.js';

// Issue 13: bots the hub runs itself, as participants, in both modes (two nodes in the cluster
// pass: the customer on one, agents on the other). Rasa is a local server speaking its REST channel.

let hub: TestHub;
let rasa: FakeRasa;
beforeAll(async () => {
  rasa = await startFakeRasa();
  hub = await startTestHub();
});
afterAll(async () => {
  await hub.close();
  await rasa.close();
});

const channel = (overrides: Partial<ChannelInput>) => routedChannel(hub, overrides);
const fromBot = (text: string) => (a: Activity) => a.type === 'message' && a.from.role === 'bot' && a.payload.text === text;

/** A customer whose pushes are listened to from before the socket connects. */
async function customerOn(serviceIdentifier: string) {
  const seen: Activity[] = [];
  const c = await hub.customer({ serviceIdentifier, before: (x) => x.onActivity((a) => seen.push(a)) });
  return Object.assign(c, { seen });
}

describe('a Rasa bot run by the hub', () => {
  test('answers each customer message once, with quick replies and images, whatever node runs the turn', async () => {
    const ch = await channel({ bot: { type: 'rasa', url: rasa.url } });
    const customer = await customerOn(ch.serviceIdentifier);
    const before = rasa.requests.length;
    rasa.answer({ json: [{ recipient_id: 'x', text: 'Hi! How can I help?', buttons: [{ title: 'Talk to a human', payload: 'agent please' }] }] });
    const first = nextActivity(customer, fromBot('Hi! How can I help?'), 10_000);
    await customer.send('hello');
    const hi = await first;
    expect(hi.type === 'message' && hi.payload.quickReplies).toEqual([{ title: 'Talk to a human', payload: 'agent please' }]);
    rasa.answer({ json: [{ recipient_id: 'x', text: 'Here is our map', image: 'https://example.com/map.png' }] });
    const second = nextActivity(customer, fromBot('Here is our map'), 10_000);
    await customer.send('where are you?');
    const map = await second;
    expect(map.type === 'message' && map.payload.attachments?.[0]).toMatchObject({ url: 'https://example.com/map.png', mimeType: 'image/png' });
    // Two customer messages, two calls to Rasa, two answers: none twice (both nodes see every activity).
    expect(rasa.requests.slice(before).map((r) => r.message)).toEqual(['hello', 'where are you?']);
    expect(rasa.requests.slice(before).every((r) => r.sender === hi.conversationId)).toBe(true);
    expect(customer.seen.filter((a) => a.type === 'message' && a.from.role === 'bot')).toHaveLength(2);
    expect(rasa.refused).toEqual([]);
  });

  test("hands over on Rasa's custom handoff with intent, sentiment and summary; then assists the agent with suggestions", async () => {
    const ch = await channel({ bot: { type: 'rasa', url: rasa.url } });
    const agent = await readyAgent(hub, ch.listId);
    const customer = await customerOn(ch.serviceIdentifier);
    rasa.answer({ json: [{ recipient_id: 'x', text: 'Let me connect you.', custom: { handoff: { intent: 'refund', sentiment: -0.4, summary: 'Wants a refund for order 42' } } }] });
    await customer.send('I want my money back');
    const { task, conversation } = await agent.firstOffer;
    expect(task.reason).toBe('handoff');
    const handoff = conversation.activities.find((a) => a.type === 'handoff');
    expect(handoff?.payload).toMatchObject({ intent: 'refund', sentiment: -0.4, summary: 'Wants a refund for order 42' });
    await agent.call('task.accept', { taskId: task.id });

    // Assist mode: with the agent in, the bot's answer is a suggestion for the agent, never the customer's.
    rasa.answer({ json: [{ recipient_id: 'x', text: 'Refunds take 5 days.' }] });
    const suggestion = nextActivity(agent, (a) => a.type === 'suggestion' && a.payload.text === 'Refunds take 5 days.', 10_000);
    await customer.send('how long will it take?');
    await suggestion;
    // The customer gets activities in seq order: by the agent's later message, a bot message would have come.
    const reply = nextActivity(customer, (a) => a.type === 'message' && a.payload.text === 'About five days.', 10_000);
    await agent.send('About five days.', { conversationId: conversation.id });
    await reply;
    expect(customer.seen.some((a) => a.type === 'suggestion' || (a.type === 'message' && a.payload.text === 'Refunds take 5 days.'))).toBe(false);
  });

  test('a bot that does not answer within botTimeoutSeconds, twice, hands the customer over (bot_unavailable)', async () => {
    const ch = await channel({ bot: { type: 'rasa', url: rasa.url }, botTimeoutSeconds: 0.3 });
    const agent = await readyAgent(hub, ch.listId);
    const customer = await customerOn(ch.serviceIdentifier);
    rasa.answer('hang');
    rasa.answer('hang');
    await customer.send('is anyone there?');
    const { conversation } = await agent.firstOffer;
    expect(conversation.activities.find((a) => a.type === 'handoff')?.payload).toMatchObject({ reason: 'bot_unavailable' });
  });
});

describe('the built-in bot', () => {
  test('answers "hello", and "I want to talk to an agent" makes an offer with intent and sentiment in the handoff', async () => {
    const ch = await channel({ bot: { type: 'builtin' } });
    const agent = await readyAgent(hub, ch.listId);
    const customer = await customerOn(ch.serviceIdentifier);
    const answer = nextActivity(customer, (a) => a.type === 'message' && a.from.role === 'bot', 10_000);
    await customer.send('hello');
    expect((await answer).payload).toMatchObject({ text: expect.any(String) });
    await customer.send('I want to talk to an agent');
    const { task, conversation } = await agent.firstOffer;
    expect(task.reason).toBe('handoff');
    expect(conversation.activities.find((a) => a.type === 'handoff')?.payload).toMatchObject({ intent: 'agent', sentiment: expect.any(Number), summary: expect.any(String) });
  });

  test("the agent's first offer and the accepted view hold the bot's whole part (seq range in the handoff), however long", async () => {
    const ch = await channel({ bot: { type: 'builtin' } });
    const agent = await readyAgent(hub, ch.listId);
    const customer = await customerOn(ch.serviceIdentifier);
    // 30 turns: over 60 activities, more than the 50 a view usually carries.
    for (let i = 0; i < 30; i++) {
      const after = customer.seen.at(-1)?.seq ?? 0;
      const answer = nextActivity(customer, (a) => a.type === 'message' && a.from.role === 'bot' && a.seq > after, 10_000);
      await customer.send(i % 2 ? 'hello' : 'hi there');
      await answer;
    }
    await customer.send('I want to talk to an agent');
    const { task, conversation } = await agent.firstOffer;
    const handoff = conversation.activities.find((a) => a.type === 'handoff');
    expect(handoff?.payload).toMatchObject({ intent: 'agent', transcriptFromSeq: 1, transcriptSeq: handoff!.seq - 1 });
    const seqs = conversation.activities.map((a) => a.seq);
    expect(seqs.slice(0, handoff!.seq)).toEqual(Array.from({ length: handoff!.seq }, (_, i) => i + 1));
    const said = conversation.activities.flatMap((a) => (a.type === 'message' && a.from.role === 'customer' ? [a.payload.text] : []));
    expect(said.slice(0, 30)).toEqual(Array.from({ length: 30 }, (_, i) => (i % 2 ? 'hello' : 'hi there')));
    expect(conversation.channelSessions[0]?.serviceIdentifier).toBe(ch.serviceIdentifier);
    const accepted = await agent.call('task.accept', { taskId: task.id });
    expect(accepted.conversation.activities[0]?.seq).toBe(1);
    expect(accepted.conversation.activities.length).toBeGreaterThan(conversation.activities.length);
  }, 60_000);
});

// A socket bot still works as before: the channel names it, the hub runs nothing.
test('a socket bot named by `bot: { type: socket }` is invited as before', async () => {
  const ch = await channel({ bot: { type: 'socket', id: 'socket-bot-13' } });
  const bot: HubClient = await hub.client({ id: 'socket-bot-13', role: 'bot' });
  const invited = new Promise<string>((resolve) => bot.on('conversation', (c) => resolve(c.id)));
  const customer = await customerOn(ch.serviceIdentifier);
  expect(await invited).toBe((await customer.conversation()).id);
});

test('a bad bot setting is refused with its field', async () => {
  const base = { serviceIdentifier: `bad-bot-${Date.now()}`, name: 'Bad', channelType: 'webchat' };
  const wrongUrl = await hub.admin('POST', '/api/channels', { ...base, bot: { type: 'rasa', url: 'ftp://rasa.example.com' } });
  expect(wrongUrl.status).toBe(400);
  expect(wrongUrl.body.error.details.field).toBe('bot.url');
  const unknown = await hub.admin('POST', '/api/channels', { ...base, bot: { type: 'dialogflow' } });
  expect(unknown.status).toBe(400);
  const corpus = await hub.admin('POST', '/api/channels', { ...base, bot: { type: 'builtin', corpus: { intents: [] } } });
  expect(corpus.status).toBe(400);
  expect(corpus.body.error.details.field).toMatch(/^bot\.corpus\.intents/);
});

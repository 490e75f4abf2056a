import { describe, expect, test } from '@jest/globals';
import { BotCorpus, isSafeString } from '@conversation-hub/client-sdk/contract';
import type { BotTurn } from '../../server/bots/bot-connector.js';
import { BuiltinBot, HANDOFF_MESSAGE, REPHRASE_MESSAGE, normaliseSentiment } from '../../server/bots/builtin.js';
import { demoCorpus } from '../../server/bots/demo-corpus.js';

// Trained once for the file; the time goes into a test's name, so the run's output shows it.
const started = performance.now();
const bot = await BuiltinBot.create(demoCorpus);
const trainingMs = Math.round(performance.now() - started);

const live = () => new AbortController().signal;
const turn = (text: string, history: BotTurn['history'] = [], conversationId = 'conv-1'): BotTurn => ({ conversationId, text, channelData: {}, history });
const answersOf = (name: string) => demoCorpus.intents.find((i) => i.name === name)!.answers;
/** nlp.js's sentiment score at the default threshold (−0.5), on BotReply's scale. */
const threshold = normaliseSentiment(-0.5);

describe('the demo corpus', () => {
  test('is a valid BotCorpus: 6–10 utterances per intent, 1–2 answers, agent with none', () => {
    expect(BotCorpus.parse(demoCorpus)).toEqual(demoCorpus);
    const names = demoCorpus.intents.map((i) => i.name);
    expect(names).toEqual(['greet', 'goodbye', 'thanks', 'opening_hours', 'order_status', 'refund', 'password_reset', 'agent']);
    for (const i of demoCorpus.intents) {
      expect(i.utterances.length).toBeGreaterThanOrEqual(6);
      expect(i.utterances.length).toBeLessThanOrEqual(10);
      expect(i.answers.length).toBeLessThanOrEqual(2);
      expect(i.answers.length > 0).toBe(i.name !== 'agent');
    }
  });

  test(`trains in memory, once per process and corpus (demo corpus: ${trainingMs} ms)`, async () => {
    expect(trainingMs).toBeLessThan(10_000);
    const again = performance.now();
    await BuiltinBot.create(demoCorpus, { unsureBelow: 0.8 }); // same utterances: the model is reused
    expect(performance.now() - again).toBeLessThan(Math.max(200, trainingMs));
  });
});

describe('the built-in bot', () => {
  test('"hello" gets the greet answer, with its intent, confidence and sentiment', async () => {
    const r = await bot.reply(turn('hello'), live());
    expect(r.handoff).toBeUndefined();
    expect(r.intent).toBe('greet');
    expect(r.confidence).toBeGreaterThanOrEqual(0.7);
    expect(r.sentiment).toBe(0);
    expect(r.messages).toHaveLength(1);
    expect(answersOf('greet')).toContain(r.messages[0]!.text);
  });

  test('known questions get their answers', async () => {
    for (const [text, intent] of [
      ['what are your opening hours?', 'opening_hours'],
      ['where is my parcel', 'order_status'],
      ['I want my money back', 'refund'],
      ['I forgot my password', 'password_reset'],
      ['bye', 'goodbye'],
    ] as const) {
      const r = await bot.reply(turn(text), live());
      expect([text, r.intent, r.handoff]).toEqual([text, intent, undefined]);
      expect(answersOf(intent)).toContain(r.messages[0]!.text);
    }
  });

  test.each(['I want to talk to an agent', 'agent, please', 'speak to a person'])('"%s" hands over with intent agent and a sentiment', async (text) => {
    const r = await bot.reply(turn(text), live());
    expect(r.messages).toEqual([{ text: HANDOFF_MESSAGE }]);
    expect(r.intent).toBe('agent');
    expect(r.handoff).toMatchObject({ intent: 'agent', sentiment: 0 });
    expect(r.handoff!.summary).toMatch(/^Customer asked about: /);
  });

  test('one unsure message asks to rephrase', async () => {
    const r = await bot.reply(turn('blue banana sky'), live());
    expect(r.messages).toEqual([{ text: REPHRASE_MESSAGE }]);
    expect(r.handoff).toBeUndefined();
    expect(r.intent).toBeUndefined();
  });

  test('the second unsure message hands over, counted from the history (its customer messages only), with a summary of what was asked', async () => {
    const history: BotTurn['history'] = [
      { role: 'customer', text: 'hi' },
      { role: 'bot', text: answersOf('greet')[0]! },
      { role: 'customer', text: 'what are your opening hours' },
      { role: 'bot', text: 'asdf qwerty' }, // a bot's text never counts
      { role: 'customer', text: 'I want a refund' },
      { role: 'customer', text: 'asdf qwerty' },
      { role: 'bot', text: REPHRASE_MESSAGE },
    ];
    const r = await bot.reply(turn('blue banana sky', history), live());
    expect(r.messages).toEqual([{ text: HANDOFF_MESSAGE }]);
    expect(r.handoff).toEqual({ sentiment: 0, summary: 'Customer asked about: opening hours, refund. Last message: "blue banana sky"' });
    // Without the earlier unsure message it is the first: rephrase.
    const first = await bot.reply(turn('blue banana sky', history.slice(0, 5)), live());
    expect(first.messages).toEqual([{ text: REPHRASE_MESSAGE }]);
  });

  test('a stricter unsureBelow makes more answers unsure', async () => {
    const strict = await BuiltinBot.create(demoCorpus, { unsureBelow: 1.01 });
    expect((await strict.reply(turn('hello'), live())).messages).toEqual([{ text: REPHRASE_MESSAGE }]);
  });

  test('a strongly negative message hands over, whatever its intent', async () => {
    for (const text of ['this is terrible, I am furious, worst service ever', 'my order is late and your app is useless']) {
      const r = await bot.reply(turn(text), live());
      expect([text, r.messages]).toEqual([text, [{ text: HANDOFF_MESSAGE }]]);
      expect(r.sentiment).toBeLessThanOrEqual(threshold);
      expect(r.handoff!.sentiment).toBe(r.sentiment);
    }
  });

  test('the −0.5 default: mildly negative messages (one complaint word) are still answered; positive ones score above 0', async () => {
    for (const text of ['my order is late', 'I have a problem with my password']) {
      const r = await bot.reply(turn(text), live());
      expect([text, r.handoff]).toEqual([text, undefined]);
      expect(r.sentiment).toBeLessThan(0);
      expect(r.sentiment).toBeGreaterThan(threshold);
    }
    expect((await bot.reply(turn('thanks, that is great'), live())).sentiment).toBeGreaterThan(0.5);
    // The threshold is an option: at −5 the furious customer with an order question gets the answer.
    const patient = await BuiltinBot.create(demoCorpus, { negativeAtOrBelow: -5 });
    const r = await patient.reply(turn('my order is late and your app is useless'), live());
    expect([r.intent, r.handoff]).toEqual(['order_status', undefined]);
  });

  test('the same turn answered twice, or by another instance (node), gives the same reply', async () => {
    const other = await BuiltinBot.create(demoCorpus);
    const history: BotTurn['history'] = [{ role: 'customer', text: 'good morning' }];
    for (const id of ['a', 'b', 'c', 'd']) {
      const t = turn('hello', history, id);
      const first = await bot.reply(t, live());
      expect(await bot.reply(t, live())).toEqual(first);
      expect(await other.reply(t, live())).toEqual(first);
    }
  });

  test('the answer picked depends on the conversation and its turn, and both answers are used', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) seen.add((await bot.reply(turn('hello', [], `conv-${i}`), live())).messages[0]!.text);
    expect([...seen].sort()).toEqual([...answersOf('greet')].sort());
  });

  test('an aborted signal rejects', async () => {
    await expect(bot.reply(turn('hello'), AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    const c = new AbortController();
    c.abort(new Error('turn timed out'));
    await expect(bot.reply(turn('blue banana sky', [{ role: 'customer', text: 'asdf' }]), c.signal)).rejects.toThrow('turn timed out');
  });

  test('the summary is bounded and safe: no NUL, no lone surrogate, no line breaks, quotes replaced', async () => {
    const last = `agent "now"\u0000\n${'x'.repeat(5000)}\uD800`;
    const r = await bot.reply(turn(last, [{ role: 'customer', text: 'where is my order' }]), live());
    const summary = r.handoff!.summary!;
    expect(isSafeString(summary)).toBe(true);
    expect(summary.length).toBeLessThan(400);
    expect(summary).toMatch(/^Customer asked about: order status\. Last message: "agent 'now' x+…"$/);
  });

  test('maxSummaryItems bounds the topics', async () => {
    const brief = await BuiltinBot.create(demoCorpus, { maxSummaryItems: 1 });
    const history = ['what are your opening hours', 'I want a refund'].map((text) => ({ role: 'customer' as const, text }));
    const r = await brief.reply(turn('agent, please', history), live());
    expect(r.handoff!.summary).toBe('Customer asked about: opening hours. Last message: "agent, please"');
  });

  test('trains on a custom corpus; an intent without answers hands over', async () => {
    const corpus = BotCorpus.parse({
      intents: [
        { name: 'pizza', utterances: ['i want a pizza', 'order a pizza', 'pizza please', 'can i get a margherita'], answers: ['One pizza coming up.'] },
        { name: 'drinks', utterances: ['something to drink', 'a cola please', 'do you have beer', 'i am thirsty'], answers: ['We have cola and beer.'] },
        { name: 'complaint', utterances: ['my pizza is cold', 'the delivery took ages', 'wrong toppings'] },
      ],
    });
    const custom = await BuiltinBot.create(corpus);
    expect(await custom.reply(turn('pizza please'), live())).toMatchObject({ intent: 'pizza', messages: [{ text: 'One pizza coming up.' }] });
    expect(await custom.reply(turn('a cola please'), live())).toMatchObject({ intent: 'drinks', messages: [{ text: 'We have cola and beer.' }] });
    expect(await custom.reply(turn('my pizza is cold'), live())).toMatchObject({ intent: 'complaint', handoff: { intent: 'complaint' } });
    await expect(BuiltinBot.create({ language: 'en', intents: [] } as BotCorpus)).rejects.toThrow();
  });
});

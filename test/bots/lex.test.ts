import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { RecognizeTextCommandOutput } from '@aws-sdk/client-lex-runtime-v2';
import { pino } from 'pino';
import { isSafeString, type Channel } from '@conversation-hub/client-sdk/contract';
import type { BotTurn } from '../../server/bots/bot-connector.js';
import { fromLex, LexConnector, ssmlText } from '../../server/bots/lex.js';
import { BotConnectors, hubRunBot } from '../../server/bots/registry.js';
import { startFakeLex, type FakeLex } from './fake-lex.js';

const turn = (text = 'hello'): BotTurn => ({ conversationId: 'conv-1', text, channelData: { locale: 'en-GB', tier: 'gold' }, history: [] });
const never = () => new AbortController().signal;

/** An interpretation as Lex sends it. */
const interp = (name: string, score: number, sentiment?: string) => ({
  intent: { name, state: 'InProgress', confirmationState: 'None', slots: {} },
  nluConfidence: { score },
  ...(sentiment ? { sentimentResponse: { sentiment, sentimentScore: { positive: 0.1, negative: 0.7, neutral: 0.1, mixed: 0.1 } } } : {}),
  interpretationSource: 'Lex',
});
const state = (name: string, intentState = 'InProgress', attrs: Record<string, string> = {}) => ({
  dialogAction: { type: intentState === 'Failed' ? 'Close' : 'ElicitSlot' },
  intent: { name, state: intentState, confirmationState: 'None', slots: {} },
  sessionAttributes: attrs,
  originatingRequestId: 'r-1',
});

const ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'] as const;
const saved: Partial<Record<(typeof ENV)[number], string>> = {};
let lex: FakeLex;
let bot: LexConnector;
beforeAll(async () => {
  for (const k of ENV) {
    saved[k] = process.env[k];
    delete process.env[k];
  }
  // Dummy credentials: the SDK signs with them, the fake only checks that the request is signed.
  process.env.AWS_ACCESS_KEY_ID = 'AKIAFAKEFAKEFAKEFAKE';
  process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret-for-tests-only';
  lex = await startFakeLex();
  bot = new LexConnector({ botId: 'BOT123', botAliasId: 'ALIAS1', localeId: 'en_GB', region: 'eu-west-1', endpoint: lex.endpoint });
});
afterAll(async () => {
  bot.close();
  await lex.close();
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('LexConnector (the AWS SDK) against a Lex V2 RecognizeText endpoint', () => {
  test('a signed POST to the session text path with text and session attributes; plain text answers', async () => {
    lex.answer({
      json: {
        messages: [
          { content: 'Hello!', contentType: 'PlainText' },
          { content: '<speak>How can <emphasis>I</emphasis> help &amp; serve?</speak>', contentType: 'SSML' },
        ],
        sessionState: state('Greeting', 'Fulfilled', { locale: 'en-GB' }),
        interpretations: [interp('Greeting', 0.93), interp('FallbackIntent', 0)],
      },
    });
    const reply = await bot.reply(turn('hello'), never());
    expect(reply).toEqual({ messages: [{ text: 'Hello!' }, { text: 'How can I help & serve?' }], intent: 'Greeting', confidence: 0.93 });
    expect(lex.refused).toEqual([]);
    const req = lex.requests.at(-1)!;
    expect(req).toMatchObject({ botId: 'BOT123', botAliasId: 'ALIAS1', localeId: 'en_GB', sessionId: 'conv-1' });
    expect(req.body).toEqual({ text: 'hello', sessionState: { sessionAttributes: { locale: 'en-GB', tier: 'gold' } } });
    expect(req.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAFAKEFAKEFAKEFAKE\/\d{8}\/eu-west-1\/lex\/aws4_request/);
  });

  test('an image response card: its buttons are quick replies and its image an attachment', async () => {
    lex.answer({
      json: {
        messages: [
          { content: 'Which plan?', contentType: 'PlainText' },
          {
            contentType: 'ImageResponseCard',
            imageResponseCard: {
              title: 'Plans',
              imageUrl: 'https://cdn.example.com/plans.webp',
              buttons: [
                { text: 'Basic', value: 'basic' },
                { text: 'Pro', value: 'pro' },
              ],
            },
          },
        ],
        sessionState: state('ChoosePlan'),
        interpretations: [interp('ChoosePlan', 0.8)],
      },
    });
    const reply = await bot.reply(turn('plans'), never());
    expect(reply.messages).toEqual([
      {
        text: 'Which plan?',
        quickReplies: [
          { title: 'Basic', payload: 'basic' },
          { title: 'Pro', payload: 'pro' },
        ],
        attachments: [{ url: 'https://cdn.example.com/plans.webp', name: 'plans.webp', mimeType: 'image/webp', size: 0 }],
      },
    ]);
  });

  test('the handoff intent hands over, with intent and sentiment', async () => {
    lex.answer({
      json: {
        messages: [{ content: 'Connecting you to an agent.', contentType: 'PlainText' }],
        sessionState: state('TalkToAgent', 'ReadyForFulfillment'),
        interpretations: [interp('TalkToAgent', 0.99, 'NEGATIVE')],
      },
    });
    const reply = await bot.reply(turn('agent please'), never());
    expect(reply).toEqual({
      messages: [{ text: 'Connecting you to an agent.' }],
      intent: 'TalkToAgent',
      confidence: 0.99,
      sentiment: 'negative',
      handoff: { intent: 'TalkToAgent', sentiment: 'negative' },
    });
  });

  test('a Failed intent hands over too', async () => {
    lex.answer({
      json: { messages: [{ content: 'Sorry, I could not do that.', contentType: 'PlainText' }], sessionState: state('BookRoom', 'Failed'), interpretations: [interp('BookRoom', 0.7, 'MIXED')] },
    });
    const reply = await bot.reply(turn('book it'), never());
    expect(reply.handoff).toEqual({ intent: 'BookRoom', sentiment: 'mixed' });
    expect(reply.sentiment).toBe('mixed');
  });

  test.each([
    ['POSITIVE', 'positive'],
    ['NEGATIVE', 'negative'],
    ['NEUTRAL', 'neutral'],
    ['MIXED', 'mixed'],
  ])('sentiment %s is the label %s', async (lexLabel, label) => {
    lex.answer({ json: { messages: [{ content: 'ok', contentType: 'PlainText' }], sessionState: state('Chat'), interpretations: [interp('Chat', 0.5, lexLabel)] } });
    const reply = await bot.reply(turn(), never());
    expect(reply.sentiment).toBe(label);
    expect(reply.handoff).toBeUndefined();
  });

  test('a Lex that does not answer is given up on when the signal aborts', async () => {
    lex.answer('hang');
    const started = Date.now();
    await expect(bot.reply(turn(), AbortSignal.timeout(200))).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(5_000);
    await lex.abandonedOnce();
  });

  test('a Lex error rejects with the service error', async () => {
    lex.answer({ status: 404, errorType: 'ResourceNotFoundException', message: 'bot not found' });
    await expect(bot.reply(turn(), never())).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

const out = (o: Partial<RecognizeTextCommandOutput>): RecognizeTextCommandOutput => ({ $metadata: {}, ...o });

describe('fromLex: edge cases', () => {
  test.each([
    ['no messages at all', out({}), { messages: [] }],
    ['an empty messages array', out({ messages: [] }), { messages: [] }],
    ['NUL and lone surrogates dropped', out({ messages: [{ contentType: 'PlainText', content: 'a\u0000b\uD800c' }] }), { messages: [{ text: 'abc' }] }],
    ['empty or tag-only texts: no message', out({ messages: [{ contentType: 'PlainText', content: '' }, { contentType: 'SSML', content: '<speak><break time="1s"/></speak>' }] }), { messages: [] }],
    ['custom payload: plain text kept, JSON only by its text', out({ messages: [{ contentType: 'CustomPayload', content: 'plain' }, { contentType: 'CustomPayload', content: '{"card":1}' }, { contentType: 'CustomPayload', content: '{"text":"from json"}' }] }), { messages: [{ text: 'plain' }, { text: 'from json' }] }],
    [
      'a card alone: its title is the text; more than 10 buttons: the first 10',
      out({ messages: [{ contentType: 'ImageResponseCard', imageResponseCard: { title: 'Pick', buttons: Array.from({ length: 12 }, (_, i) => ({ text: `B${i}`, value: `v${i}` })) } }] }),
      { messages: [{ text: 'Pick', quickReplies: Array.from({ length: 10 }, (_, i) => ({ title: `B${i}`, payload: `v${i}` })) }] },
    ],
    ['a card with a bad image URL and empty buttons', out({ messages: [{ contentType: 'ImageResponseCard', imageResponseCard: { title: 'T', imageUrl: 'ftp://x/y.png', buttons: [] } }] }), { messages: [{ text: 'T' }] }],
    ['a card without title: its button titles are the text', out({ messages: [{ contentType: 'ImageResponseCard', imageResponseCard: { title: '\u0000', buttons: [{ text: 'a', value: 'b' }, { text: 'c', value: 'd' }] } }] }), { messages: [{ text: 'a | c', quickReplies: [{ title: 'a', payload: 'b' }, { title: 'c', payload: 'd' }] }] }],
    ['a card with nothing to show is dropped', out({ messages: [{ contentType: 'ImageResponseCard', imageResponseCard: { title: '', buttons: [{ text: '', value: 'b' }] } }, { contentType: 'ImageResponseCard' }] }), { messages: [] }],
    ['confidence clamped, unknown sentiment left out', out({ sessionState: { intent: { name: 'X', state: 'InProgress' } }, interpretations: [{ nluConfidence: { score: 1.5 }, sentimentResponse: { sentiment: 'WEIRD' as never } }] }), { messages: [], intent: 'X', confidence: 1 }],
    ['a Failed state without an intent name hands over bare', out({ sessionState: { intent: { name: undefined as never, state: 'Failed' } } }), { messages: [], handoff: {} }],
  ] as [string, RecognizeTextCommandOutput, unknown][])('%s', (_name, res, expected) => {
    const reply = fromLex(res, 'TalkToAgent');
    expect(reply).toEqual(expected);
    for (const m of reply.messages) expect(isSafeString(m.text) && m.text.length > 0).toBe(true);
  });

  test('a custom handoff intent name is honoured', () => {
    expect(fromLex(out({ sessionState: { intent: { name: 'Human', state: 'InProgress' } } }), 'Human').handoff).toEqual({ intent: 'Human' });
    expect(fromLex(out({ sessionState: { intent: { name: 'TalkToAgent', state: 'InProgress' } } }), 'Human').handoff).toBeUndefined();
  });

  test('ssmlText strips tags and decodes entities', () => {
    expect(ssmlText('<speak>a&lt;b <say-as interpret-as="digits">12</say-as></speak>')).toBe('a<b 12');
  });
});

test("the hub's bot connectors close the Lex client when the hub stops (its HTTP/2 session ends)", async () => {
  const connectors = new BotConnectors(pino({ level: 'silent' }));
  const channel = { id: 'lex-close', bot: { type: 'lex', botId: 'BOT123', botAliasId: 'ALIAS1', localeId: 'en_GB', region: 'eu-west-1', endpoint: lex.endpoint } } as unknown as Channel;
  const connector = await connectors.for(channel, hubRunBot(channel)!);
  lex.answer({ json: { messages: [{ contentType: 'PlainText', content: 'Hi' }], sessionState: { intent: { name: 'Greet', state: 'Fulfilled' } } } });
  await connector.reply({ conversationId: 'c-close', text: 'hello', channelData: {}, history: [] }, never());
  const before = lex.openSessions();
  expect(before).toBeGreaterThan(0);
  await connectors.close();
  await lex.allSessionsClosed();
  expect(lex.openSessions()).toBe(0);
  // A turn after the close makes a new connector.
  expect(await connectors.for(channel, hubRunBot(channel)!)).not.toBe(connector);
  await connectors.close();
});

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { isSafeString } from '@conversation-hub/client-sdk/contract';
import type { BotTurn } from '../../server/bots/bot-connector.js';
import { fromRasa, RasaConnector } from '../../server/bots/rasa.js';
import { safeText } from '../../server/bots/reply-parts.js';
import { startFakeRasa, type FakeRasa } from './fake-rasa.js';

const turn = (text = 'hello'): BotTurn => ({ conversationId: 'conv-1', text, channelData: { locale: 'en-GB' }, history: [] });
const never = () => new AbortController().signal;

let rasa: FakeRasa;
let bot: RasaConnector;
beforeAll(async () => {
  rasa = await startFakeRasa();
  bot = new RasaConnector({ url: `${rasa.url}/` });
});
afterAll(() => rasa.close());

describe('RasaConnector against a Rasa REST channel', () => {
  test('posts sender, message and metadata to /webhooks/rest/webhook and maps the text answers', async () => {
    rasa.answer({ json: [{ recipient_id: 'conv-1', text: 'Hi there!' }, { recipient_id: 'conv-1', text: 'How can I help?' }] });
    const reply = await bot.reply(turn('hello'), never());
    expect(reply).toEqual({ messages: [{ text: 'Hi there!' }, { text: 'How can I help?' }] });
    expect(rasa.requests.at(-1)).toEqual({ sender: 'conv-1', message: 'hello', metadata: { locale: 'en-GB' }, contentType: 'application/json' });
    expect(rasa.refused).toEqual([]);
  });

  test('buttons become quick replies; a buttons-only element joins the message before it', async () => {
    rasa.answer({
      json: [
        { recipient_id: 'conv-1', text: 'Which size?', buttons: [{ title: 'Small', payload: '/size{"s":"S"}' }] },
        { recipient_id: 'conv-1', buttons: [{ title: 'Large', payload: '/size{"s":"L"}' }] },
      ],
    });
    const reply = await bot.reply(turn('order'), never());
    expect(reply.messages).toEqual([
      {
        text: 'Which size?',
        quickReplies: [
          { title: 'Small', payload: '/size{"s":"S"}' },
          { title: 'Large', payload: '/size{"s":"L"}' },
        ],
      },
    ]);
  });

  test('an image becomes an attachment, named by its file, on its own message or on the text', async () => {
    rasa.answer({
      json: [
        { recipient_id: 'conv-1', image: 'https://cdn.example.com/img/cat.png' },
        { recipient_id: 'conv-1', text: 'Your receipt', image: 'https://cdn.example.com/r/12' },
      ],
    });
    const reply = await bot.reply(turn(), never());
    expect(reply.messages).toEqual([
      { text: 'cat.png', attachments: [{ url: 'https://cdn.example.com/img/cat.png', name: 'cat.png', mimeType: 'image/png', size: 0 }] },
      { text: 'Your receipt', attachments: [{ url: 'https://cdn.example.com/r/12', name: '12', mimeType: 'image/jpeg', size: 0 }] },
    ]);
  });

  test('an attachment as a URL or as { type, payload: { src | url } } becomes an attachment', async () => {
    rasa.answer({
      json: [
        { recipient_id: 'conv-1', attachment: 'https://files.example.com/terms.pdf' },
        { recipient_id: 'conv-1', text: 'Map', attachment: { type: 'image', payload: { src: 'https://files.example.com/map' } } },
        { recipient_id: 'conv-1', attachment: { type: 'file', payload: { url: 'https://files.example.com/' } } },
      ],
    });
    const reply = await bot.reply(turn(), never());
    expect(reply.messages).toEqual([
      { text: 'terms.pdf', attachments: [{ url: 'https://files.example.com/terms.pdf', name: 'terms.pdf', mimeType: 'application/pdf', size: 0 }] },
      { text: 'Map', attachments: [{ url: 'https://files.example.com/map', name: 'map', mimeType: 'image/jpeg', size: 0 }] },
      { text: 'attachment', attachments: [{ url: 'https://files.example.com/', name: 'attachment', mimeType: 'application/octet-stream', size: 0 }] },
    ]);
  });

  test('custom.handoff asks for a human, its fields kept', async () => {
    rasa.answer({
      json: [
        { recipient_id: 'conv-1', text: 'Let me find you someone.' },
        { recipient_id: 'conv-1', custom: { handoff: { intent: 'billing_dispute', sentiment: -0.6, summary: 'Charged twice', skills: ['billing', 'en'] } } },
      ],
    });
    const reply = await bot.reply(turn('I was charged twice!'), never());
    expect(reply).toEqual({
      messages: [{ text: 'Let me find you someone.' }],
      handoff: { intent: 'billing_dispute', sentiment: -0.6, summary: 'Charged twice', skills: ['billing', 'en'] },
    });
  });

  test('an answer that is not the documented array rejects clearly', async () => {
    rasa.answer({ json: { text: 'not an array' } });
    await expect(bot.reply(turn(), never())).rejects.toThrow(/Rasa answered something other than an array/);
    rasa.answer({ raw: '<html>oops</html>' });
    await expect(bot.reply(turn(), never())).rejects.toThrow(/not JSON/);
    rasa.answer({ status: 500, json: { error: 'boom' } });
    await expect(bot.reply(turn(), never())).rejects.toThrow(/HTTP 500/);
  });

  test('a Rasa that does not answer is given up on when the signal aborts', async () => {
    rasa.answer('hang');
    const started = Date.now();
    const err = await bot.reply(turn(), AbortSignal.timeout(200)).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(5_000);
    // The server saw the request and the client leave.
    await rasa.abandonedOnce();
    expect(rasa.abandoned).toBe(1);
  });
});

const longText = 'x'.repeat(10_005);
const button = (i: number) => ({ title: `B${i}`, payload: `/p${i}` });

describe('fromRasa: what a bot sends is cleaned to what the contract accepts', () => {
  test.each([
    ['an empty array', [], { messages: [] }],
    ['NUL dropped from text', [{ recipient_id: 'c', text: 'a\u0000b' }], { messages: [{ text: 'ab' }] }],
    ['lone surrogates dropped, pairs kept', [{ text: 'x\uD800y\uDC00z \uD83D\uDE00' }], { messages: [{ text: 'xyz \uD83D\uDE00' }] }],
    ['text of only NUL and spaces: no message', [{ text: '\u0000 ' }], { messages: [] }],
    ['too long text truncated to 10,000', [{ text: longText }], { messages: [{ text: 'x'.repeat(10_000) }] }],
    ['more than 10 buttons: the first 10', [{ text: 'pick', buttons: Array.from({ length: 12 }, (_, i) => button(i)) }], { messages: [{ text: 'pick', quickReplies: Array.from({ length: 10 }, (_, i) => button(i)) }] }],
    ['buttons over two elements still capped at 10', [{ text: 'pick', buttons: Array.from({ length: 8 }, (_, i) => button(i)) }, { buttons: Array.from({ length: 5 }, (_, i) => button(i + 8)) }], { messages: [{ text: 'pick', quickReplies: Array.from({ length: 10 }, (_, i) => button(i)) }] }],
    ['an empty buttons array adds nothing', [{ text: 'hi', buttons: [] }], { messages: [{ text: 'hi' }] }],
    ['buttons with empty or non-string title/payload dropped', [{ text: 'hi', buttons: [{ title: '', payload: '/a' }, { title: 'B', payload: 3 }, { title: '\u0000', payload: '/c' }, { title: 'D', payload: '/d' }] }], { messages: [{ text: 'hi', quickReplies: [{ title: 'D', payload: '/d' }] }] }],
    ['a button title over 200 truncated', [{ text: 'hi', buttons: [{ title: 't'.repeat(250), payload: '/t' }] }], { messages: [{ text: 'hi', quickReplies: [{ title: 't'.repeat(200), payload: '/t' }] }] }],
    ['buttons with no message before them: their titles are the text', [{ buttons: [button(1), button(2)] }], { messages: [{ text: 'B1 | B2', quickReplies: [button(1), button(2)] }] }],
    ['a javascript: or relative image is dropped', [{ text: 'see', image: 'javascript:alert(1)' }, { image: '/img/a.png' }], { messages: [{ text: 'see' }] }],
    ['an image name with an escape is decoded', [{ image: 'https://x.example/a%20b.GIF' }], { messages: [{ text: 'a b.GIF', attachments: [{ url: 'https://x.example/a%20b.GIF', name: 'a b.GIF', mimeType: 'image/gif', size: 0 }] }] }],
    ['fields of the wrong type are ignored, not fatal', [{ text: 42, image: {}, buttons: 'x', custom: 'y' }, { text: 'ok' }], { messages: [{ text: 'ok' }] }],
    ['custom without handoff: nothing', [{ custom: { payload: 'x' } }], { messages: [] }],
    ['handoff: true', [{ custom: { handoff: true } }], { messages: [], handoff: {} }],
    ['handoff fields of the wrong shape left out, strings cleaned', [{ custom: { handoff: { intent: 'a\u0000b', sentiment: 7, summary: 5, skills: ['s\uD800', '', 3, 's'] } } }], { messages: [], handoff: { intent: 'ab', skills: ['s'] } }],
  ] as [string, unknown, unknown][])('%s', (_name, answer, expected) => {
    const reply = fromRasa(answer);
    expect(reply).toEqual(expected);
    for (const m of reply.messages) expect(isSafeString(m.text) && m.text.length > 0).toBe(true);
  });

  test.each([
    ['an object', { text: 'x' }],
    ['null', null],
    ['an array of strings', ['hi']],
    ['a string', 'hi'],
  ])('%s is not the documented array: throws', (_name, answer) => {
    expect(() => fromRasa(answer)).toThrow(/Rasa answered something other than an array/);
  });

  test('safeText never splits a surrogate pair at the cut', () => {
    expect(safeText('ab\uD83D\uDE00', 3)).toBe('ab');
    expect(safeText('ab\uD83D\uDE00', 4)).toBe('ab\uD83D\uDE00');
  });
});

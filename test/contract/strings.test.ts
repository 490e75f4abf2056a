import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import pg from 'pg';
import type { z } from 'zod';
import {
  ActivitiesSince,
  AgentState,
  Attachment,
  ChannelData,
  ChannelInput,
  CustomerCreateInput,
  HandoffRequest,
  HttpUrl,
  isSafeString,
  JsonObject,
  Limits,
  LONE_SURROGATE_MESSAGE,
  MessageSend,
  NUL_MESSAGE,
  safeString,
  SuggestionSend,
  TokenBody,
} from '@conversation-hub/client-sdk/contract';
import { TEST_DATABASE_URL } from '../helpers/database.js';

/** The first issue of a refused value, as `fromZodError` reads it: its path and message. */
function firstIssue(schema: z.ZodType, value: unknown): { field: string; message: string; code: string } {
  const r = schema.safeParse(value);
  if (r.success) throw new Error(`accepted: ${JSON.stringify(value)}`);
  const i = r.error.issues[0]!;
  return { field: i.path.join('.'), message: i.message, code: i.code };
}

/** The reference rule, written independently of the schema: walk the code points. */
function hasNulOrLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      i++; // a pair
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

const str = safeString({ max: 100_000 });

describe('the safe string', () => {
  test('refuses NUL, naming it', () => {
    expect(firstIssue(str, 'a\u0000b')).toMatchObject({ message: NUL_MESSAGE });
    expect(firstIssue(str, '\u0000')).toMatchObject({ message: NUL_MESSAGE });
  });

  test('refuses a lone high or low surrogate, anywhere, naming it', () => {
    for (const s of ['\uD800', 'a\uD83D', '\uD83Db', '\uDE00', 'x\uDE00y', '\uDE00\uD83D', '😀\uDE00', '\uD83D\uD83D\uDE00'])
      expect(firstIssue(str, s)).toMatchObject({ message: LONE_SURROGATE_MESSAGE });
  });

  test('accepts a valid surrogate pair (emoji), other control characters and noncharacters', () => {
    for (const s of ['😀', 'a😀b', '👩‍👩‍👧', '\uD83D\uDE00\uD83D\uDE00', '\u0001\u001f\u007f', '\uFFFE\uFFFF', '']) expect(str.safeParse(s).success).toBe(true);
  });

  test('an oversized string is too_big first, whatever it holds', () => {
    expect(firstIssue(safeString({ max: 3 }), 'abcd\u0000')).toMatchObject({ code: 'too_big' });
  });

  test('property: accepts a string iff it has no NUL and no lone surrogate', () => {
    const anyString = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      // mostly the characters that matter: NUL, both surrogate halves, a pair
      fc.array(fc.constantFrom('\u0000', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uD83D\uDE00', 'a', 'é'), { maxLength: 12 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(anyString, (s) => {
        expect(str.safeParse(s).success).toBe(!hasNulOrLoneSurrogate(s));
        expect(isSafeString(s)).toBe(!hasNulOrLoneSurrogate(s));
      }),
      { numRuns: 5_000 },
    );
  });

  test('every string of a call and of the admin bodies is a safe one', () => {
    expect(firstIssue(MessageSend, { text: 'hi\u0000', clientMessageId: 'm1' }).field).toBe('text');
    expect(firstIssue(MessageSend, { text: 'hi', clientMessageId: 'm\uDC00' }).field).toBe('clientMessageId');
    expect(firstIssue(MessageSend, { text: 'hi', clientMessageId: 'm', attachments: [{ url: 'https://x.example/a', name: 'a\u0000', mimeType: 'b', size: 1 }] }).field).toBe(
      'attachments.0.name',
    );
    expect(firstIssue(ChannelInput, { serviceIdentifier: 's', name: 'n', channelType: 'webchat', controller: { greeting: 'hi\uD800' } }).field).toBe('controller.greeting');
    expect(firstIssue(CustomerCreateInput, { name: 'Ada', identifiers: [{ channelType: 'email', value: 'a\u0000' }] }).field).toBe('identifiers.0.value');
    expect(firstIssue(TokenBody, { sub: 'a1', role: 'agent', name: '\uDFFF' }).field).toBe('name');
  });
});

describe('channel data', () => {
  test('keys and values are safe strings; a bad key is named on its own path', () => {
    expect(firstIssue(ChannelData, { 'lo\u0000cale': 'en' })).toMatchObject({ field: 'lo\u0000cale', message: `key: ${NUL_MESSAGE}` });
    expect(firstIssue(ChannelData, { locale: 'en\uD800' })).toMatchObject({ field: 'locale', message: LONE_SURROGATE_MESSAGE });
    expect(firstIssue(ChannelData, { '': 'x' }).field).toBe('');
    expect(ChannelData.safeParse({ locale: 'en-GB', emoji: '😀' }).success).toBe(true);
  });

  test('bounds: keys, key and value lengths', () => {
    const many = Object.fromEntries(Array.from({ length: Limits.channelDataKeys + 1 }, (_, i) => [`k${i}`, 'v']));
    expect(firstIssue(ChannelData, many).code).toBe('too_big');
    expect(firstIssue(ChannelData, { ['k'.repeat(Limits.channelDataKeyMax + 1)]: 'v' }).message).toMatch(/^key: /);
    expect(firstIssue(ChannelData, { k: 'v'.repeat(Limits.channelDataValueMax + 1) })).toMatchObject({ field: 'k', code: 'too_big' });
  });
});

describe('JSON values', () => {
  const nested = (levels: number): unknown => (levels <= 1 ? {} : { a: nested(levels - 1) });

  test(`objects and arrays nest at most ${Limits.jsonDepthMax} levels (the value itself is level 1)`, () => {
    expect(JsonObject.safeParse(nested(Limits.jsonDepthMax)).success).toBe(true);
    const deep = firstIssue(JsonObject, nested(Limits.jsonDepthMax + 1));
    expect(deep).toMatchObject({ field: Array(Limits.jsonDepthMax).fill('a').join('.'), message: `nested deeper than ${Limits.jsonDepthMax} levels` });
    // Very deep: refused at the bound, without walking (or overflowing the stack on) the rest.
    const veryDeep = JSON.parse(`{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}`);
    expect(firstIssue(JsonObject, veryDeep).message).toMatch(/nested deeper/);
  });

  test('strings and keys are safe, numbers finite, nothing but JSON', () => {
    expect(firstIssue(JsonObject, { crm: { tags: ['ok', 'x\u0000'] } })).toMatchObject({ field: 'crm.tags.1', message: NUL_MESSAGE });
    expect(firstIssue(JsonObject, { crm: { 'ti\uDBFFcket': 1 } })).toMatchObject({ field: 'crm.ti\uDBFFcket', message: `key: ${LONE_SURROGATE_MESSAGE}` });
    expect(firstIssue(JsonObject, { n: Number.POSITIVE_INFINITY }).message).toBe('must be a finite number');
    expect(firstIssue(JsonObject, { n: Number.NaN }).message).toBe('must be a finite number');
    expect(firstIssue(JsonObject, { d: new Date() }).message).toMatch(/JSON value/);
    expect(firstIssue(JsonObject, { u: undefined }).message).toMatch(/JSON value/);
    expect(firstIssue(JsonObject, { b: Buffer.from('x') }).message).toMatch(/JSON value/);
    expect(JsonObject.safeParse({ s: 'emoji 😀', n: -1.5e300, b: false, z: null, a: [1, 'two', { three: [3] }] }).success).toBe(true);
  });

  test('bounds: keys per object, items per array, string length', () => {
    expect(firstIssue(JsonObject, Object.fromEntries(Array.from({ length: Limits.jsonKeysMax + 1 }, (_, i) => [`k${i}`, i]))).code).toBe('too_big');
    expect(firstIssue(JsonObject, { a: Array(Limits.jsonArrayMax + 1).fill(0) })).toMatchObject({ field: 'a', code: 'too_big' });
    expect(firstIssue(JsonObject, { s: 'x'.repeat(Limits.jsonStringMax + 1) })).toMatchObject({ field: 's', code: 'too_big' });
  });

  test('what the schemas accept, Postgres stores and gives back unchanged; what they refuse includes all it cannot store (property, real Postgres)', async () => {
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('\u0000', '\uD800', 'a\uDC00', '😀'));
    const value = fc.jsonValue({ maxDepth: 3, stringUnit: fc.oneof(fc.constantFrom('\u0000', '\uD800', '\uDFFF', '😀'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })) });
    try {
      await fc.assert(
        fc.asyncProperty(fc.dictionary(anyText, value, { maxKeys: 3 }), anyText, async (payload, text) => {
          const wire = JSON.parse(JSON.stringify(payload)) as Record<string, unknown>; // what a socket or an HTTP body carries
          const jsonOk = JsonObject.safeParse(wire).success;
          const textOk = str.safeParse(text).success;
          const stored = await pool.query('select $1::jsonb as j', [JSON.stringify(wire)]).then((r) => r.rows[0].j, () => 'refused');
          const storedText = await pool.query('select $1::text as t', [text]).then((r) => r.rows[0].t, () => 'refused');
          if (jsonOk) expect(stored).toEqual(wire);
          if (textOk) expect(storedText).toBe(text);
          // Postgres refusing (or changing) it implies the schema refused it first.
          if (stored === 'refused') expect(jsonOk).toBe(false);
          if (storedText !== text) expect(textOk).toBe(false);
        }),
        { numRuns: 300 },
      );
    } finally {
      await pool.end();
    }
  });
});

describe('URLs', () => {
  test('attachments and webhooks take http: and https: only', () => {
    for (const url of ['https://example.com/receipt.png', 'http://127.0.0.1:8080/hook?x=1']) expect(HttpUrl.safeParse(url).success).toBe(true);
    for (const url of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'ftp://example.com/x', 'mailto:a@example.com', 'vbscript:x', 'https://', 'not a url'])
      expect(firstIssue(HttpUrl, url).message).toBe('must be an http: or https: URL');
    expect(firstIssue(Attachment, { url: 'javascript:alert(1)', name: 'a', mimeType: 'text/html', size: 1 }).field).toBe('url');
    expect(firstIssue(ChannelInput, { serviceIdentifier: 's', name: 'n', channelType: 'webchat', outboundWebhookUrl: 'file:///etc/passwd' }).field).toBe('outboundWebhookUrl');
  });
});

describe('numbers', () => {
  test('finite and in range', () => {
    for (const confidence of [-0.01, 1.01, Number.NaN, Number.POSITIVE_INFINITY]) expect(firstIssue(SuggestionSend, { conversationId: 'c', text: 't', confidence }).field).toBe('confidence');
    for (const sentiment of [-1.5, 2, Number.NEGATIVE_INFINITY]) expect(firstIssue(HandoffRequest, { conversationId: 'c', sentiment }).field).toBe('sentiment');
    for (const limit of [0, 501, 1.5, Number.NaN]) expect(firstIssue(ActivitiesSince, { conversationId: 'c', afterSeq: 0, limit }).field).toBe('limit');
    expect(firstIssue(ActivitiesSince, { conversationId: 'c', afterSeq: 2 ** 53 }).field).toBe('afterSeq');
    for (const capacity of [0, 101, 2.5]) expect(firstIssue(AgentState, { state: 'ready', capacity }).field).toBe('capacity');
    expect(firstIssue(Attachment, { url: 'https://x.example/', name: 'a', mimeType: 'b', size: Number.POSITIVE_INFINITY }).field).toBe('size');
    expect(firstIssue(Attachment, { url: 'https://x.example/', name: 'a', mimeType: 'b', size: -1 }).field).toBe('size');
    expect(firstIssue(Attachment, { url: 'https://x.example/', name: 'a', mimeType: 'b', size: 2 ** 60 }).field).toBe('size');
    expect(firstIssue(ChannelInput, { serviceIdentifier: 's', name: 'n', channelType: 'webchat', offerTimeoutSeconds: Number.NaN }).field).toBe('offerTimeoutSeconds');
  });
});

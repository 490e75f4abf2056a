import { z } from 'zod';

/*
 * The building blocks every string, JSON value and URL of the contract is made of (PROTOCOL.md
 * §1.4). The rule: nothing a schema accepts may fail later in Postgres. Postgres refuses NUL in
 * text and jsonb (`\u0000`) and lone surrogates in jsonb, and turns a lone surrogate in text into
 * U+FFFD; so no string of the contract may hold either, and the hub refuses them up front with a
 * zod issue on the field (`bad_request`, `details.field` the path).
 */

// ---- limits shared by client and server -----------------------------------
export const Limits = {
  textMax: 10_000,
  idMax: 128,
  attachmentsMax: 10,
  channelDataKeys: 50,
  channelDataKeyMax: 100,
  channelDataValueMax: 2_000,
  sinceLimitMax: 500,
  sinceLimitDefault: 100,
  historyLimitMax: 50,
  urlMax: 2_000,
  /** A JSON value (`custom.send`'s payload, customer attributes): objects and arrays nest at most this deep (the value itself is level 1). */
  jsonDepthMax: 8,
  jsonKeysMax: 100,
  jsonKeyMax: 100,
  jsonArrayMax: 1_000,
  jsonStringMax: 10_000,
} as const;

/** An unpaired UTF-16 surrogate: a high one not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';
export const LONE_SURROGATE_MESSAGE = 'must not contain a lone surrogate (an unpaired UTF-16 code unit in U+D800–U+DFFF)';

/** What is wrong with a string the contract must refuse, or undefined when it is safe. */
export function unsafeStringProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return NUL_MESSAGE;
  if (LONE_SURROGATE.test(s)) return LONE_SURROGATE_MESSAGE;
  return undefined;
}

/** True when `s` has no NUL and no lone surrogate. */
export const isSafeString = (s: string): boolean => unsafeStringProblem(s) === undefined;

/**
 * The one string of the contract: a string of `min`..`max` UTF-16 code units (as `.length`
 * counts them) with no NUL and no lone surrogate. Length is checked first, so an oversized
 * string is `too_large` whatever it holds.
 */
export function safeString(opts: { min?: number; max: number }): z.ZodString {
  let s = z.string();
  if (opts.min !== undefined) s = s.min(opts.min);
  return s
    .max(opts.max)
    .refine((v) => !v.includes('\u0000'), { message: NUL_MESSAGE })
    .refine((v) => !LONE_SURROGATE.test(v), { message: LONE_SURROGATE_MESSAGE });
}

/** Ids in payloads and bodies: 1–128 safe characters. */
export const Id = safeString({ min: 1, max: Limits.idMax });
/** The text of a message, whisper or suggestion: 1–10,000 safe characters. */
export const Text = safeString({ min: 1, max: Limits.textMax });
/** Free text that may be empty (a summary, a note, a greeting): 0–10,000 safe characters. */
export const LongText = safeString({ max: Limits.textMax });

/** An absolute `http:` or `https:` URL of at most 2,000 characters (no `javascript:`, `data:`, `file:`...). */
export const HttpUrl = safeString({ max: Limits.urlMax }).url({ protocol: /^https?$/, message: 'must be an http: or https: URL' });

/**
 * A record of safe keys to `value`, whose key problems are told plainly (`key: why`) on the key's
 * path rather than as zod's bare "Invalid key in record". Note: like every zod record, it drops a
 * `__proto__` key.
 */
export function safeRecord<V extends z.ZodType>(opts: { keyMax: number; keysMax: number }, value: V) {
  return z
    .record(safeString({ min: 1, max: opts.keyMax }), value, {
      error: (iss) => (iss.code === 'invalid_key' ? `key: ${iss.issues[0]?.message ?? 'invalid'}` : undefined),
    })
    .superRefine((r, ctx) => {
      const n = Object.keys(r).length;
      if (n > opts.keysMax) ctx.addIssue({ code: 'too_big', origin: 'array', maximum: opts.keysMax, inclusive: true, input: r, message: `at most ${opts.keysMax} keys (got ${n})` });
    });
}

const JSON_KINDS = 'a JSON value (a string, a finite number, a boolean, null, an array or an object)';

/** Adds an issue for every way `value` (at `path`, nesting `depth`) is not a bounded, safe JSON value. */
function checkJson(value: unknown, path: (string | number)[], depth: number, ctx: z.RefinementCtx): void {
  const issue = (message: string, at = path, tooBig?: number) =>
    ctx.addIssue(
      tooBig === undefined
        ? { code: 'custom', path: at, input: value, message }
        : { code: 'too_big', origin: typeof value === 'string' ? 'string' : 'array', maximum: tooBig, inclusive: true, path: at, input: value, message },
    );
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) issue('must be a finite number');
    return;
  }
  if (typeof value === 'string') {
    if (value.length > Limits.jsonStringMax) return issue(`at most ${Limits.jsonStringMax} characters`, path, Limits.jsonStringMax);
    const problem = unsafeStringProblem(value);
    if (problem) issue(problem);
    return;
  }
  if (typeof value !== 'object') return issue(`must be ${JSON_KINDS}`);
  if (depth > Limits.jsonDepthMax) return issue(`nested deeper than ${Limits.jsonDepthMax} levels`);
  if (Array.isArray(value)) {
    if (value.length > Limits.jsonArrayMax) return issue(`at most ${Limits.jsonArrayMax} items`, path, Limits.jsonArrayMax);
    for (let i = 0; i < value.length; i++) checkJson(value[i], [...path, i], depth + 1, ctx);
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return issue(`must be ${JSON_KINDS}`);
  const keys = Object.keys(value);
  if (keys.length > Limits.jsonKeysMax) return issue(`at most ${Limits.jsonKeysMax} keys`, path, Limits.jsonKeysMax);
  for (const k of keys) {
    const problem = k.length === 0 ? 'must not be empty' : k.length > Limits.jsonKeyMax ? `at most ${Limits.jsonKeyMax} characters` : unsafeStringProblem(k);
    if (problem) issue(`key: ${problem}`, [...path, k]);
    else checkJson((value as Record<string, unknown>)[k], [...path, k], depth + 1, ctx);
  }
}

/**
 * A JSON object as `custom.send`'s payload and customer attributes take it: at most 8 levels deep
 * (the object is level 1), ≤ 100 keys of 1–100 safe characters per object, ≤ 1,000 items per
 * array, safe strings ≤ 10,000 characters, finite numbers. Each problem is an issue on its own
 * path (`payload.crm.tags.0`).
 */
export const JsonObject = z.record(z.string(), z.unknown()).superRefine((value, ctx) => checkJson(value, [], 1, ctx));

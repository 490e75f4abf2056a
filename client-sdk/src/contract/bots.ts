import { z } from 'zod';
import { HttpUrl, Id, LongText, safeString } from './strings.js';

// ---- bots run by the hub (PROTOCOL.md §1.6): a channel's `bot` ----------------------------------

/** A button under a bot's message; a click sends `payload` as the customer's message. */
export const QuickReply = z.object({ title: safeString({ min: 1, max: 200 }), payload: safeString({ min: 1, max: 1000 }) }).strict();
export type QuickReply = z.infer<typeof QuickReply>;

/** The built-in bot's training data: intents with example utterances and the answers it picks from. */
export const BotCorpus = z
  .object({
    language: z.enum(['en']).default('en'),
    intents: z
      .array(
        z
          .object({
            name: Id,
            utterances: z.array(safeString({ min: 1, max: 500 })).min(1).max(200),
            /** None: the intent is only recognised (e.g. `agent`, which hands over). */
            answers: z.array(LongText).max(20).default([]),
          })
          .strict(),
      )
      .min(1)
      .max(200),
  })
  .strict();
export type BotCorpus = z.output<typeof BotCorpus>;

/** Which bot serves a channel: Rasa's REST channel, Amazon Lex V2, the built-in NLU bot, or a socket client (today's bots). */
export const BotConfig = z.discriminatedUnion('type', [
  z.object({ type: z.literal('rasa'), url: HttpUrl }).strict(),
  z
    .object({
      type: z.literal('lex'),
      botId: Id,
      botAliasId: Id,
      localeId: Id,
      region: safeString({ min: 1, max: 64 }),
      endpoint: HttpUrl.optional(),
      /** The intent that hands over (default `TalkToAgent`); a `Failed` intent hands over too. */
      handoffIntent: Id.optional(),
    })
    .strict(),
  z.object({ type: z.literal('builtin'), corpus: BotCorpus.optional() }).strict(),
  z.object({ type: z.literal('socket'), id: Id }).strict(),
]);
export type BotConfig = z.infer<typeof BotConfig>;

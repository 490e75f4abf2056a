import type { Logger } from 'pino';
import { z } from 'zod';
import { Limits, type Attachment } from '@conversation-hub/client-sdk/contract';
import type { BotConnector, BotReply, BotTurn } from './bot-connector.js';
import { attachmentFromUrl, enrich, nonEmpty, quickRepliesFrom, safeText, type Message } from './reply-parts.js';

/*
 * Rasa's REST channel (`POST {url}/webhooks/rest/webhook`, body `{ sender, message, metadata }`,
 * answer: an array of `{ recipient_id, text?, image?, buttons?, attachment?, custom? }`).
 * A bot is a third party: what it answers is cleaned to what the contract accepts (NUL and lone
 * surrogates dropped, lengths truncated, bad URLs and fields dropped) instead of failing the turn.
 */

type Handoff = NonNullable<BotReply['handoff']>;

/** A field that does not have the documented shape is dropped, not fatal: the rest of the element still counts. */
const loose = <T extends z.ZodType>(t: T) => t.optional().catch(undefined);

const RasaButton = z.object({ title: z.unknown(), payload: z.unknown() });
const RasaElement = z.object({
  recipient_id: loose(z.string()),
  text: loose(z.string()),
  image: loose(z.string()),
  buttons: loose(z.array(RasaButton)),
  attachment: loose(z.union([z.string(), z.object({ type: loose(z.string()), payload: z.object({ src: loose(z.string()), url: loose(z.string()) }) })])),
  custom: loose(z.object({ handoff: loose(z.union([z.literal(true), z.record(z.string(), z.unknown())])) })),
});
const RasaAnswer = z.array(RasaElement);

const HandoffFields = z.object({
  intent: loose(z.string()),
  sentiment: loose(z.union([z.string(), z.number().min(-1).max(1)])),
  summary: loose(z.string()),
  skills: loose(z.array(z.unknown())),
});

/** The handoff a bot asked for, its fields cleaned (a field of the wrong shape is left out). */
export function handoffFrom(raw: true | Record<string, unknown>): Handoff {
  if (raw === true) return {};
  const f = HandoffFields.parse(raw);
  const out: Handoff = {};
  const intent = nonEmpty(f.intent, Limits.idMax);
  if (intent) out.intent = intent;
  if (typeof f.sentiment === 'number') out.sentiment = f.sentiment;
  else if (f.sentiment !== undefined) {
    const label = nonEmpty(f.sentiment, 64);
    if (label) out.sentiment = label;
  }
  const summary = f.summary === undefined ? undefined : safeText(f.summary);
  if (summary) out.summary = summary;
  const skills = (f.skills ?? []).map((s) => nonEmpty(s, Limits.idMax)).filter((s): s is string => s !== undefined);
  if (skills.length) out.skills = [...new Set(skills)].slice(0, 50);
  return out;
}

/**
 * Rasa's answer as a BotReply. Throws when the answer is not the documented array of objects;
 * anything inside it the contract would refuse is cleaned or dropped.
 */
export function fromRasa(answer: unknown): BotReply {
  const parsed = RasaAnswer.safeParse(answer);
  if (!parsed.success) throw new Error(`Rasa answered something other than an array of messages: ${z.prettifyError(parsed.error).slice(0, 300)}`);
  const reply: BotReply = { messages: [] };
  for (const el of parsed.data) {
    const quickReplies = quickRepliesFrom(el.buttons ?? []);
    const attachments: Attachment[] = [];
    const image = attachmentFromUrl(el.image, 'image');
    if (image) attachments.push(image);
    const att = el.attachment;
    const attUrl = typeof att === 'string' ? att : (att?.payload.src ?? att?.payload.url);
    const file = attachmentFromUrl(attUrl, typeof att === 'object' && att.type === 'image' ? 'image' : 'file');
    if (file) attachments.push(file);
    const text = nonEmpty(el.text, Limits.textMax);
    const last = reply.messages.at(-1);
    if (text || attachments.length) {
      // The hub refuses an empty text: a bare image or file is named by its file name.
      const m: Message = { text: text ?? attachments[0]!.name };
      enrich(m, quickReplies, attachments);
      reply.messages.push(m);
    } else if (quickReplies.length && last) {
      // Rasa sends buttons as their own element after the text they belong to.
      enrich(last, quickReplies, []);
    } else if (quickReplies.length) {
      // Buttons with nothing before them: their titles are the only text there is.
      const m: Message = { text: safeText(quickReplies.map((q) => q.title).join(' | ')) };
      enrich(m, quickReplies, []);
      reply.messages.push(m);
    }
    if (el.custom?.handoff) reply.handoff = { ...reply.handoff, ...handoffFrom(el.custom.handoff) };
  }
  return reply;
}

/** A bot behind Rasa's REST channel. */
export class RasaConnector implements BotConnector {
  private readonly webhook: string;
  private readonly log: Logger | undefined;

  constructor(opts: { url: string; log?: Logger }) {
    this.webhook = `${opts.url.replace(/\/+$/, '')}/webhooks/rest/webhook`;
    this.log = opts.log;
  }

  async reply(turn: BotTurn, signal: AbortSignal): Promise<BotReply> {
    const res = await fetch(this.webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ sender: turn.conversationId, message: turn.text, metadata: turn.channelData }),
      signal,
    });
    if (!res.ok) {
      // Drain the body so the connection is reused; its text is not logged (it may echo customer data).
      await res.arrayBuffer().catch(() => undefined);
      throw new Error(`Rasa answered HTTP ${res.status} for ${this.webhook}`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch (err) {
      if (signal.aborted) throw err;
      throw new Error(`Rasa answered a body that is not JSON (${this.webhook})`);
    }
    const reply = fromRasa(body);
    this.log?.debug({ conversationId: turn.conversationId, messages: reply.messages.length, handoff: reply.handoff !== undefined }, 'rasa replied');
    return reply;
  }
}

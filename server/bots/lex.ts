import type { Logger } from 'pino';
import { LexRuntimeV2Client, RecognizeTextCommand, type RecognizeTextCommandOutput } from '@aws-sdk/client-lex-runtime-v2';
import { Limits, type Attachment } from '@conversation-hub/client-sdk/contract';
import type { BotConnector, BotReply, BotTurn } from './bot-connector.js';
import { attachmentFromUrl, enrich, quickRepliesFrom, safeText } from './reply-parts.js';

/*
 * Amazon Lex V2 through the AWS SDK's RecognizeText (`POST /bots/{botId}/botAliases/{aliasId}/
 * botLocales/{localeId}/sessions/{sessionId}/text`, SigV4-signed). Credentials come from the
 * SDK's default chain (environment, profile, instance role); this file never touches them.
 */

type Message = BotReply['messages'][number];

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The spoken text of an SSML document: tags removed, the five XML entities decoded, spaces collapsed. */
export function ssmlText(ssml: string): string {
  return ssml
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e]!)
    .replace(/\s+/g, ' ')
    .trim();
}

/** The text of a custom payload: plain text as is, JSON only through a string `text` field (other JSON is for another client). */
function customPayloadText(content: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return content;
  }
  if (json && typeof json === 'object' && 'text' in json && typeof json.text === 'string') return json.text;
  return undefined;
}

const SENTIMENTS: Record<string, string> = { POSITIVE: 'positive', NEGATIVE: 'negative', NEUTRAL: 'neutral', MIXED: 'mixed' };

/**
 * Lex's RecognizeText answer as a BotReply. A handoff is asked for when the recognised intent is
 * `handoffIntent` or Lex gave up on the intent (`Failed`).
 */
export function fromLex(res: RecognizeTextCommandOutput, handoffIntent: string): BotReply {
  const reply: BotReply = { messages: [] };
  for (const m of res.messages ?? []) {
    if (m.contentType === 'ImageResponseCard') {
      const card = m.imageResponseCard;
      if (!card) continue;
      const quickReplies = quickRepliesFrom((card.buttons ?? []).map((b) => ({ title: b.text, payload: b.value })));
      const image = attachmentFromUrl(card.imageUrl, 'image');
      const attachments: Attachment[] = image ? [image] : [];
      // A card belongs under the prompt before it; alone, its title (or subtitle, image name, button titles) is its text.
      let target = reply.messages.at(-1);
      if (!target) {
        const text = safeText(card.title ?? '').trim() || safeText(card.subtitle ?? '').trim() || image?.name || safeText(quickReplies.map((q) => q.title).join(' | '));
        if (!text) continue;
        target = { text };
        reply.messages.push(target);
      }
      enrich(target, quickReplies, attachments);
      continue;
    }
    const raw = m.contentType === 'PlainText' ? m.content : m.contentType === 'SSML' ? ssmlText(m.content ?? '') : m.contentType === 'CustomPayload' ? customPayloadText(m.content ?? '') : undefined;
    const text = safeText(raw ?? '').trim();
    if (text) reply.messages.push({ text } satisfies Message);
  }

  const name = res.sessionState?.intent?.name;
  const intent = name === undefined ? undefined : safeText(name, Limits.idMax) || undefined;
  if (intent) reply.intent = intent;
  const top = res.interpretations?.[0];
  const score = top?.nluConfidence?.score;
  if (typeof score === 'number' && Number.isFinite(score)) reply.confidence = Math.min(1, Math.max(0, score));
  const sentiment = top?.sentimentResponse?.sentiment ? SENTIMENTS[top.sentimentResponse.sentiment] : undefined;
  if (sentiment) reply.sentiment = sentiment;

  if ((name !== undefined && name === handoffIntent) || res.sessionState?.intent?.state === 'Failed') {
    reply.handoff = {};
    if (intent) reply.handoff.intent = intent;
    if (sentiment) reply.handoff.sentiment = sentiment;
  }
  return reply;
}

export interface LexOptions {
  botId: string;
  botAliasId: string;
  localeId: string;
  region: string;
  /** Another endpoint than the region's (a VPC endpoint, a local test server). */
  endpoint?: string;
  /** The intent that means "talk to a human". */
  handoffIntent?: string;
  log?: Logger;
}

/** A bot on Amazon Lex V2. */
export class LexConnector implements BotConnector {
  private readonly client: LexRuntimeV2Client;
  private readonly handoffIntent: string;

  constructor(private readonly opts: LexOptions) {
    this.client = new LexRuntimeV2Client({ region: opts.region, ...(opts.endpoint ? { endpoint: opts.endpoint } : {}) });
    this.handoffIntent = opts.handoffIntent ?? 'TalkToAgent';
  }

  async reply(turn: BotTurn, signal: AbortSignal): Promise<BotReply> {
    const { botId, botAliasId, localeId } = this.opts;
    const res = await this.client.send(
      new RecognizeTextCommand({ botId, botAliasId, localeId, sessionId: turn.conversationId, text: turn.text, sessionState: { sessionAttributes: turn.channelData } }),
      { abortSignal: signal },
    );
    const reply = fromLex(res, this.handoffIntent);
    this.opts.log?.debug({ conversationId: turn.conversationId, intent: reply.intent, messages: reply.messages.length, handoff: reply.handoff !== undefined }, 'lex replied');
    return reply;
  }

  /** Closes the client's connections (the SDK keeps an HTTP/2 session open). */
  close(): void {
    this.client.destroy();
  }
}

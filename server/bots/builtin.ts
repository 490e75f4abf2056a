import { BotCorpus } from '@conversation-hub/client-sdk/contract';
import type { BotConnector, BotReply, BotTurn } from './bot-connector.js';
import { trainNlp, type NlpResult, type TrainedNlp } from './nlpjs.js';

/*
 * The built-in NLU bot (issue 13): nlp.js trained in memory on a BotCorpus, no service needed.
 * Stateless: every decision comes from the turn (its text, its history, the conversation id), so
 * any node of the cluster, or a retry of the same turn, answers the same.
 */

export interface BuiltinBotOptions {
  /** A classification scoring below this (or nlp.js's 'None') is unsure. Default 0.7. */
  unsureBelow?: number;
  /** Hand over when nlp.js's sentiment score (the sum of word polarities) is at or below this. Default −0.5. */
  negativeAtOrBelow?: number;
  /** At most this many topics in a handoff's summary. Default 5. */
  maxSummaryItems?: number;
}

export const HANDOFF_MESSAGE = 'Let me get you someone who can help.';
export const REPHRASE_MESSAGE = "Sorry, I'm not sure I understood. Could you say it another way?";
/** The intent that asks for a human. */
export const AGENT_INTENT = 'agent';
/** Intents a summary leaves out: small talk says nothing about what the customer needs. */
const NOT_TOPICS = new Set(['greet', 'goodbye', 'thanks', AGENT_INTENT]);
/** Unsure answers that hand over, counting the current one. */
const UNSURE_LIMIT = 2;
/** The customer's earlier messages re-classified per turn: bounds the work on a long conversation. */
const HISTORY_MAX = 20;
const QUOTE_MAX = 200;
const TOPIC_MAX = 60;

/** One model per corpus per process (training takes a while; many channels may share a corpus). */
const models = new Map<string, Promise<TrainedNlp>>();
const MODELS_MAX = 16;

function modelFor(corpus: BotCorpus): Promise<TrainedNlp> {
  // Answers do not change the model, so they stay out of the key.
  const intents = corpus.intents.map(({ name, utterances }) => ({ name, utterances }));
  const key = JSON.stringify([corpus.language, intents]);
  let model = models.get(key);
  if (!model) {
    if (models.size >= MODELS_MAX) models.delete(models.keys().next().value!);
    model = trainNlp(intents);
    models.set(key, model);
    model.catch(() => models.delete(key)); // a failed training is not kept
  }
  return model;
}

interface Classified {
  /** The recognised intent, or undefined when unsure. */
  intent?: string;
  result: NlpResult;
}

export class BuiltinBot implements BotConnector {
  private constructor(
    private readonly nlp: TrainedNlp,
    private readonly answers: ReadonlyMap<string, readonly string[]>,
    private readonly unsureBelow: number,
    private readonly negativeAtOrBelow: number,
    private readonly maxSummaryItems: number,
  ) {}

  /** Validates the corpus and trains on it (once per process and corpus). */
  static async create(corpus: BotCorpus, options: BuiltinBotOptions = {}): Promise<BuiltinBot> {
    const parsed = BotCorpus.parse(corpus);
    const answers = new Map<string, string[]>();
    for (const { name, answers: a } of parsed.intents) answers.set(name, [...(answers.get(name) ?? []), ...a]);
    return new BuiltinBot(
      await modelFor(parsed),
      answers,
      options.unsureBelow ?? 0.7,
      options.negativeAtOrBelow ?? -0.5,
      Math.max(1, Math.floor(options.maxSummaryItems ?? 5)),
    );
  }

  async reply(turn: BotTurn, signal: AbortSignal): Promise<BotReply> {
    signal.throwIfAborted();
    const current = await this.classify(turn.text);
    signal.throwIfAborted();
    const { result } = current;
    const sentiment = normaliseSentiment(result.sentiment.score);
    const recognised: Pick<BotReply, 'intent' | 'confidence' | 'sentiment'> =
      result.intent === 'None' ? { sentiment } : { intent: result.intent, confidence: result.score, sentiment };

    const customerTurns = turn.history.filter((m) => m.role === 'customer' && m.text.trim() !== '');
    const earlier = customerTurns.slice(-HISTORY_MAX);
    const handoff = async (): Promise<BotReply> => {
      const before: Classified[] = [];
      for (const m of earlier) before.push(await this.classify(m.text));
      signal.throwIfAborted();
      return {
        ...recognised,
        messages: [{ text: HANDOFF_MESSAGE }],
        handoff: { ...(current.intent ? { intent: current.intent } : {}), sentiment, summary: this.summary([...before, current], turn.text) },
      };
    };

    if (current.intent === AGENT_INTENT) return handoff();
    if (result.sentiment.score <= this.negativeAtOrBelow) return handoff();
    if (!current.intent) {
      // Stateless count: the customer's earlier messages are classified again, as any node would.
      let unsure = 1;
      for (const m of earlier) {
        if (unsure >= UNSURE_LIMIT) break;
        if (!(await this.classify(m.text)).intent) unsure++;
        signal.throwIfAborted();
      }
      if (unsure >= UNSURE_LIMIT) return handoff();
      return { ...recognised, messages: [{ text: REPHRASE_MESSAGE }] };
    }
    const answers = this.answers.get(current.intent) ?? [];
    // An intent that is only recognised (no answers) is one the bot cannot serve.
    if (answers.length === 0) return handoff();
    // Picked by the conversation and its customer turn, not at random: every node and retry agree.
    const pick = answers[fnv1a(`${turn.conversationId}\u0001${customerTurns.length}`) % answers.length]!;
    return { ...recognised, messages: [{ text: pick }] };
  }

  private async classify(text: string): Promise<Classified> {
    const result = await this.nlp.process(text);
    const sure = result.intent !== 'None' && result.score >= this.unsureBelow;
    return sure ? { intent: result.intent, result } : { result };
  }

  /** "Customer asked about: opening hours, refund. Last message: "…"": bounded, safe for the contract's strings. */
  private summary(classified: Classified[], last: string): string {
    const topics: string[] = [];
    for (const { intent } of classified) {
      if (!intent || NOT_TOPICS.has(intent)) continue;
      const topic = clip(safeText(intent.replace(/[_-]+/g, ' ')), TOPIC_MAX);
      if (!topics.includes(topic)) topics.push(topic);
    }
    const asked = topics.length === 0 ? 'Customer asked about: nothing the bot recognised.' : `Customer asked about: ${topics.slice(0, this.maxSummaryItems).join(', ')}.`;
    const quote = clip(safeText(last).replace(/"/g, "'"), QUOTE_MAX);
    return `${asked} Last message: "${quote}"`;
  }
}

/** nlp.js's sentiment score is a sum (unbounded); tanh maps it onto BotReply's −1..1, keeping 0 and the order. */
export function normaliseSentiment(score: number): number {
  return Number.isFinite(score) ? Math.round(Math.tanh(score) * 1000) / 1000 : 0;
}

/** Control characters (NUL among them) become spaces and lone surrogates go; whitespace collapses. */
function safeText(s: string): string {
  return s
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** At most `max` code points (never half a surrogate pair), with an ellipsis when cut. */
function clip(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

/** FNV-1a, 32 bits: a stable hash, the same on every node. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

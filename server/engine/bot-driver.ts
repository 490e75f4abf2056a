import type { Activity, Channel } from '@conversation-hub/client-sdk/contract';
import type { BotReply, BotTurn } from '../bots/bot-connector.js';
import { BotConnectors, hubRunBot, type HubRunBot } from '../bots/registry.js';
import { hubBotId } from '../domain/bot-participant.js';
import { draft } from '../domain/conversation.js';
import { HubError } from '../domain/errors.js';
import type { BotTurnData } from './bot-turns.js';
import type { CallContext, RunContext } from './context.js';
import type { EngineCore } from './core.js';
import type { Participants } from './participants.js';

/** How much of the conversation a bot is given with each turn. */
const HISTORY = 50;
export const BOT_UNAVAILABLE = 'bot_unavailable';

/**
 * Hub-run bots (Rasa, Lex, the built-in one) as participants: each customer message is one
 * `bot-turn` timer job (bot-turns.ts), run here on whichever node takes it. The bot's answer goes to
 * the customer, or, while an agent is in the conversation (assist mode), to the agents as
 * suggestions. A call that fails or outlasts `botTimeoutSeconds` is tried once more; a second
 * failure hands the customer over (`bot_unavailable`), so a silent bot never strands anyone.
 */
export class BotDriver {
  private readonly connectors: BotConnectors;

  constructor(
    private readonly e: EngineCore,
    private readonly participants: Participants,
  ) {
    this.connectors = new BotConnectors(e.d.log);
  }

  register(): void {
    this.e.d.scheduler.handle<BotTurnData>('bot-turn', (t) => this.turn(t.key, t.data));
  }

  close(): Promise<void> {
    return this.connectors.close();
  }

  private async turn(key: string, data: BotTurnData): Promise<void> {
    const channel = await this.e.d.channels.byServiceIdentifier(data.serviceIdentifier);
    const bot = hubRunBot(channel);
    const stored = await this.e.d.store.get(data.conversationId);
    if (!channel || !bot || !stored) return;
    const botId = hubBotId(channel);
    // A bot that handed over and left, or was never invited, takes no turns.
    if (!stored.doc.participants.some((p) => p.id === botId)) return;
    const { activities } = await this.e.d.store.since(data.conversationId, Math.max(0, data.seq - HISTORY), HISTORY);
    const said = activities.find((a) => a.seq === data.seq);
    if (said?.type !== 'message') return;
    const session = stored.doc.channelSessions.find((s) => s.id === said.channelSessionId);
    const turn: BotTurn = { conversationId: data.conversationId, text: said.payload.text, channelData: session?.channelData ?? {}, history: historyOf(activities, data.seq) };
    const run: RunContext = { timer: { kind: 'bot-turn', key } };
    const ctx: CallContext = { actor: { id: botId, role: 'bot' }, ...run };
    const reply = await this.ask(channel, bot, turn);
    const assisting = stored.doc.participants.some((p) => p.role === 'agent');
    if (!reply) {
      if (!assisting) await this.handOver(ctx, data.conversationId, { reason: BOT_UNAVAILABLE, summary: `The bot did not answer. Last message: "${said.payload.text.slice(0, 200)}"` });
      return;
    }
    await this.say(run, botId, data, reply, assisting);
    if (reply.handoff && !assisting) await this.handOver(ctx, data.conversationId, reply.handoff);
  }

  /** The bot's reply, tried twice within the channel's timeout each; null when both failed. */
  private async ask(channel: Channel, bot: HubRunBot, turn: BotTurn): Promise<BotReply | null> {
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        const connector = await this.connectors.for(channel, bot);
        return await connector.reply(turn, AbortSignal.timeout(channel.botTimeoutSeconds * 1000));
      } catch (err) {
        this.e.d.log.warn({ err, conversationId: turn.conversationId, bot: bot.type, attempt }, 'bot call failed');
        this.e.d.metrics?.botFailed?.(bot.type);
      }
    }
    return null;
  }

  /** The answer: messages to the customer (ids from the turn, so a retried job adds none twice), or suggestions for the agents. */
  private async say(run: RunContext, botId: string, data: BotTurnData, reply: BotReply, assisting: boolean): Promise<void> {
    const from = { id: botId, role: 'bot' as const, name: 'Bot' };
    for (const [i, m] of reply.messages.entries()) {
      const d = assisting
        ? draft(data.conversationId, 'suggestion', 'agents', from, reply.confidence === undefined ? { text: m.text } : { text: m.text, confidence: reply.confidence }, this.e.iso(), { clientMessageId: `bot-${data.seq}-${i}` })
        : draft(data.conversationId, 'message', 'all', from, { text: m.text, ...(m.attachments?.length ? { attachments: m.attachments } : {}), ...(m.quickReplies?.length ? { quickReplies: m.quickReplies } : {}) }, this.e.iso(), { clientMessageId: `bot-${data.seq}-${i}` });
      await this.e.pipeline.append(run, d, { options: { participantId: botId } });
    }
  }

  /** A task for a human, with what the bot knows; a task already waiting (or no customer) is fine. */
  private async handOver(ctx: CallContext, conversationId: string, h: NonNullable<BotReply['handoff']> & { reason?: string }): Promise<void> {
    const input = { conversationId, ...(h.intent ? { intent: h.intent.slice(0, 200) } : {}), ...(h.sentiment !== undefined ? { sentiment: typeof h.sentiment === 'string' ? h.sentiment.slice(0, 50) : h.sentiment } : {}), ...(h.summary ? { summary: h.summary } : {}), ...(h.skills?.length ? { skills: h.skills.slice(0, 20) } : {}) };
    try {
      await this.participants.handoff(ctx, input, h.reason);
    } catch (err) {
      if (!(err instanceof HubError) || err.code !== 'conflict') throw err;
      this.e.d.log.debug({ conversationId, reason: err.message }, 'bot handoff not needed');
    }
  }
}

/** The messages before `seq`, as a stateless bot needs them. */
function historyOf(activities: readonly Activity[], seq: number): BotTurn['history'] {
  const out: BotTurn['history'] = [];
  for (const a of activities) {
    if (a.seq >= seq || a.type !== 'message') continue;
    const role = a.from.role === 'customer' ? 'customer' : a.from.role === 'bot' ? 'bot' : a.from.role === 'agent' ? 'agent' : null;
    if (role) out.push({ role, text: a.payload.text });
  }
  return out;
}

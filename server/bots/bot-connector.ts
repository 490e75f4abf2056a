import type { Attachment, QuickReply } from '@conversation-hub/client-sdk/contract';

/** One customer message as a bot sees it. */
export interface BotTurn {
  conversationId: string;
  /** The customer's message. */
  text: string;
  /** The channel data of the session it came through (Rasa's `metadata`, Lex's session attributes). */
  channelData: Record<string, string>;
  /** The conversation so far, oldest first, without this message: what a stateless bot needs to count. */
  history: { role: 'customer' | 'bot' | 'agent'; text: string }[];
}

/** What the bot answers: messages for the customer (or, with an agent present, suggestions), and maybe a handoff. */
export interface BotReply {
  messages: { text: string; quickReplies?: QuickReply[]; attachments?: Attachment[] }[];
  /** The intent the bot recognised in this message, and its confidence (0–1) when it says. */
  intent?: string;
  confidence?: number;
  /** Sentiment of the customer's message: a label or a score in −1..1. */
  sentiment?: string | number;
  /** The bot hands over to a human. */
  handoff?: { intent?: string; sentiment?: string | number; summary?: string; skills?: string[] };
}

/**
 * A bot the hub runs for a channel (Rasa, Lex, the built-in one). `reply` may be called again for
 * the same turn after a timeout (the hub retries once), so it must not depend on being called once.
 * It rejects on failure or when `signal` aborts.
 */
export interface BotConnector {
  reply(turn: BotTurn, signal: AbortSignal): Promise<BotReply>;
  /** Lets go of what the connector holds open (the Lex client's HTTP/2 sessions). */
  close?(): void;
}

import type { Logger } from 'pino';
import type { BotConfig, Channel } from '@conversation-hub/client-sdk/contract';
import type { BotConnector } from './bot-connector.js';
import { BuiltinBot } from './builtin.js';
import { demoCorpus } from './demo-corpus.js';
import { LexConnector } from './lex.js';
import { RasaConnector } from './rasa.js';

/** A bot the hub runs itself (a socket bot is a client like any other). */
export type HubRunBot = Exclude<BotConfig, { type: 'socket' }>;

/** The channel's hub-run bot, or null (none, or a socket bot). */
export function hubRunBot(channel: Channel | null): HubRunBot | null {
  return channel?.bot && channel.bot.type !== 'socket' ? channel.bot : null;
}

/**
 * One connector per channel and bot setting, made on first use: the built-in bot trains once per
 * process; an admin's change of the setting makes a new one.
 */
export class BotConnectors {
  private readonly made = new Map<string, { config: string; connector: Promise<BotConnector> }>();

  constructor(private readonly log: Logger) {}

  for(channel: Channel, bot: HubRunBot): Promise<BotConnector> {
    const config = JSON.stringify(bot);
    const known = this.made.get(channel.id);
    if (known?.config === config) return known.connector;
    const connector = this.make(bot);
    connector.catch(() => this.made.delete(channel.id)); // a failed training is tried again next turn
    this.made.set(channel.id, { config, connector });
    return connector;
  }

  /** Closes every connector made, when the hub stops; a later turn makes them again. */
  async close(): Promise<void> {
    const made = [...this.made.values()];
    this.made.clear();
    for (const { connector } of made) (await connector.catch(() => undefined))?.close?.();
  }

  private async make(bot: HubRunBot): Promise<BotConnector> {
    switch (bot.type) {
      case 'rasa':
        return new RasaConnector({ url: bot.url, log: this.log });
      case 'lex': {
        const { type: _t, ...lex } = bot;
        return new LexConnector({ ...lex, log: this.log });
      }
      case 'builtin':
        return BuiltinBot.create(bot.corpus ?? demoCorpus);
    }
  }
}

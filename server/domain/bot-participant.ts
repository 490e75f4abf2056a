import type { Channel } from '@conversation-hub/client-sdk/contract';

/** The participant id of a channel's hub-run bot: one per channel, the same on every node. */
export const hubBotId = (channel: Pick<Channel, 'id'>) => `hub-bot-${channel.id}`;

/** The bot the Controller invites to the channel's conversations: a socket bot's id, or the hub-run bot's. */
export function channelBotId(channel: Pick<Channel, 'id' | 'botId' | 'bot'>): string | undefined {
  if (channel.botId !== undefined) return channel.botId;
  if (!channel.bot) return undefined;
  return channel.bot.type === 'socket' ? channel.bot.id : hubBotId(channel);
}

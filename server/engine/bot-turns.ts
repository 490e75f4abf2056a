import type { Activity } from '@conversation-hub/client-sdk/contract';
import { hubRunBot } from '../bots/registry.js';
import type { EngineDeps } from './context.js';

/** The data of a `bot-turn` timer, keyed `{conversationId}:{seq}`: one turn per customer message. */
export interface BotTurnData {
  conversationId: string;
  seq: number;
  serviceIdentifier: string;
}

/**
 * After a customer's message commits (the pipeline's timer step): the channel's hub-run bot gets a
 * turn. A timer job with a deterministic key, so whichever node committed it, and whichever runs
 * it, the bot answers once, and a node's death does not lose the turn. The channel comes from the
 * directory's cache: no read on the hot path.
 */
export async function armBotTurns(d: Pick<EngineDeps, 'channels' | 'scheduler'>, via: string, activities: readonly Activity[], now: number): Promise<void> {
  const said = activities.filter((a) => a.type === 'message' && a.from.role === 'customer');
  if (said.length === 0 || !hubRunBot(await d.channels.byServiceIdentifier(via))) return;
  for (const a of said) await d.scheduler.ensure<BotTurnData>('bot-turn', `${a.conversationId}:${a.seq}`, now, { conversationId: a.conversationId, seq: a.seq, serviceIdentifier: via });
}

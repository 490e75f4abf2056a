import type { ConversationView } from '@conversation-hub/client-sdk/contract';
import type { Actor } from './actor.js';
import type { Relation } from './policy.js';

/** A connector's own conversations have a session of a channel it serves; anyone else's relation is what the conversation records. */
export function relationOf(actor: Actor, v: Pick<ConversationView, 'customerId' | 'participants' | 'activities' | 'channelSessions'>): Relation {
  if (actor.role === 'connector') return v.channelSessions.some((s) => actor.channels.includes(s.serviceIdentifier)) ? 'own' : 'other';
  return relationTo(v, actor.id);
}

/**
 * How a caller stands to a conversation from what it records: its customer (`own`), in it now or
 * once (`participant`), offered or given one of its tasks (`offered`), or none of these.
 */
export function relationTo(v: Pick<ConversationView, 'customerId' | 'participants' | 'activities'>, id: string): Relation {
  if (v.customerId === id) return 'own';
  if (v.participants.some((p) => p.id === id)) return 'participant';
  if (v.activities.some((a) => a.type === 'participant.joined' && a.payload.participant.id === id)) return 'participant';
  if (v.activities.some((a) => (a.type === 'task.created' || a.type === 'task.assigned' || a.type === 'task.closed') && a.payload.task.agentId === id)) return 'offered';
  return 'other';
}

import type { Activity, SubscriptionEvent } from '@conversation-hub/client-sdk/contract';

/**
 * What app subscriptions are told of a committed activity (PROTOCOL.md §1.7.6). Pure. Apps are
 * back ends of the contact centre: they see agents-only activities too, never whispers.
 */
export function subscriptionEventOf(a: Activity): SubscriptionEvent | null {
  switch (a.type) {
    case 'state.changed':
      return a.payload.to === 'closed' ? 'conversation.closed' : null;
    case 'message':
      return 'message.created';
    case 'task.created':
    case 'task.assigned':
    case 'task.closed':
    case 'session.started':
    case 'session.closed':
    case 'data.changed':
      return a.type;
    default:
      return null;
  }
}

/** The events of one write, in order: a write whose first seq is 1 made the conversation. */
export function subscriptionEvents(activities: readonly Activity[]): { type: SubscriptionEvent; activity: Activity }[] {
  const out: { type: SubscriptionEvent; activity: Activity }[] = [];
  for (const activity of activities) {
    if (activity.seq === 1) out.push({ type: 'conversation.created', activity });
    const type = subscriptionEventOf(activity);
    if (type) out.push({ type, activity });
  }
  return out;
}

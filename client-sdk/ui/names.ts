/** How participants are named on the pages. */
import type { ActivityFrom } from '@conversation-hub/client-sdk/contract';

export function roleLabel(role: string): string {
  switch (role) {
    case 'controller':
      return 'Assistant';
    case 'bot':
      return 'Virtual agent';
    case 'supervisor':
      return 'Supervisor';
    case 'agent':
      return 'Agent';
    case 'app':
      return 'App';
    default:
      return 'Customer';
  }
}

/** A participant's name, or their role's label when they have none. */
export function displayName(from: Pick<ActivityFrom, 'role' | 'name'>): string {
  return from.name || roleLabel(from.role);
}

/** A long id cut short for display. */
export function short(id: string): string {
  return id.length > 10 ? `${id.slice(0, 8)}…` : id;
}

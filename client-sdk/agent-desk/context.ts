/** What the desk's parts (work.ts, pane.ts) need from the desk. */
import type { HubClient } from '@conversation-hub/client-sdk';
import type { ConversationView } from '@conversation-hub/client-sdk/contract';

export interface DeskContext {
  /** Runs a call; an error is shown in `status` (or the page's alert) and answers undefined. */
  attempt<T>(status: HTMLElement | undefined, what: string, fn: (c: HubClient) => Promise<T>): Promise<T | undefined>;
  /** The signed-in participant's id (the token's `sub`). */
  me(): string | undefined;
  /** The client, while connected. */
  client(): HubClient | undefined;
  /** Shows a conversation the desk now takes part in (accepted, pulled or joined). */
  open(view: ConversationView, select: boolean): void;
}

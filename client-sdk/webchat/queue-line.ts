/**
 * The customer's place in the queue (the hub's `queue.position` push, PROTOCOL.md §4), shown while
 * the chat waits for an agent and hidden once one is in the conversation: a late push is ignored then.
 */
import type { HubClient } from '@conversation-hub/client-sdk';
import type { Activity, QueuePosition } from '@conversation-hub/client-sdk/contract';

/** "You are number 2 in the queue — about 3 min", without the estimate when the hub has none. */
export function queueText(p: Pick<QueuePosition, 'position' | 'estimatedWaitSeconds'>): string {
  const base = `You are number ${p.position} in the queue`;
  if (p.estimatedWaitSeconds === null) return base;
  return `${base} — about ${Math.max(1, Math.round(p.estimatedWaitSeconds / 60))} min`;
}

export class QueueLine {
  /** The agents in the conversation: while there is one, nobody is waiting. */
  private readonly agents = new Set<string>();
  private conversationId?: string;
  private readonly off: Array<() => void> = [];

  constructor(
    client: HubClient,
    private readonly el: HTMLElement,
  ) {
    const onPosition = (p: QueuePosition) => this.onPosition(p);
    client.socket.on('queue.position', onPosition);
    this.off.push(
      () => client.socket.off('queue.position', onPosition),
      client.onConversation((view) => {
        if (view.id !== this.conversationId) this.agents.clear();
        this.conversationId = view.id;
        for (const p of view.participants) if (p.role === 'agent') this.agents.add(p.id);
        if (this.agents.size > 0) this.hide();
      }),
      client.onActivity((a) => this.onActivity(a)),
    );
  }

  dispose(): void {
    for (const off of this.off.splice(0)) off();
    this.hide();
  }

  private onPosition(p: QueuePosition): void {
    if (this.agents.size > 0 || (this.conversationId && p.conversationId !== this.conversationId)) return;
    this.el.textContent = queueText(p);
    this.el.hidden = false;
  }

  private onActivity(a: Activity): void {
    if (a.type === 'participant.joined' && a.payload.participant.role === 'agent') {
      this.agents.add(a.payload.participant.id);
      this.hide();
    } else if (a.type === 'participant.left' && a.payload.participant.role === 'agent') {
      // It waits again only when the hub says so (a new position push).
      this.agents.delete(a.payload.participant.id);
    }
  }

  private hide(): void {
    this.el.textContent = '';
    this.el.hidden = true;
  }
}

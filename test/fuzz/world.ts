import type { HubClient } from '@conversation-hub/client-sdk';
import type { TokenRole } from '@conversation-hub/client-sdk/contract';
import type { TestHub } from '../helpers/start-hub.js';
import type { PoolKind } from './payloads.js';

/** The fuzz run's channel: a bot invited into every conversation, an app it names, wrap-up on, a greeting and a survey. */
export const FUZZ = { serviceIdentifier: 'fuzz', listId: 'fuzz-list', botId: 'fuzz-bot', appId: 'fuzz-app' } as const;
const IDENTIFIERS = ['+447700900001', '+447700900002', 'wa:ada', 'wa:😀', 'sam@example.com', 'x'.repeat(320)];

export interface Actor {
  role: TokenRole;
  id: string;
  client: HubClient;
}

/** The run: its actors, and the ids it saw, pooled so payloads can name real conversations, tasks, customers. */
export class FuzzWorld {
  readonly actors: Actor[] = [];
  readonly pools: Record<PoolKind, string[]> = {
    conversation: [],
    task: [],
    customer: [],
    list: [FUZZ.listId, 'fuzz-list-b', 'no-such-list'],
    agent: ['no-such-agent'],
    service: [FUZZ.serviceIdentifier, 'webchat', 'no-such-service'],
    identifier: [...IDENTIFIERS],
  };
  private readonly seen = new Map<PoolKind, Set<string>>();
  /** Every connector identifier some `connector.inbound` was answered `ok` for, by service. */
  readonly inbound = new Set<string>();

  constructor(private readonly hub: TestHub) {
    for (const [kind, pool] of Object.entries(this.pools)) this.seen.set(kind as PoolKind, new Set(pool));
  }

  add(kind: PoolKind, id: unknown): void {
    if (typeof id !== 'string') return;
    const seen = this.seen.get(kind)!;
    if (seen.has(id)) return;
    seen.add(id);
    this.pools[kind].push(id);
  }

  get conversations(): readonly string[] {
    return this.pools.conversation;
  }

  /** Takes the ids out of a push or an answer, whatever its shape. */
  harvest(value: unknown, depth = 0): void {
    if (!value || typeof value !== 'object' || depth > 4) return;
    if (Array.isArray(value)) return value.forEach((v) => this.harvest(v, depth + 1));
    const v = value as Record<string, any>;
    if (typeof v.conversationId === 'string') this.add('conversation', v.conversationId);
    if (typeof v.customerId === 'string') this.add('customer', v.customerId);
    if (Array.isArray(v.channelSessions) && typeof v.id === 'string') this.add('conversation', v.id);
    if (typeof v.state === 'string' && typeof v.conversationId === 'string' && typeof v.id === 'string' && 'createdAt' in v) this.add('task', v.id);
    for (const key of ['activity', 'conversation', 'task', 'conversations', 'tasks', 'activities']) this.harvest(v[key], depth + 1);
  }

  async join(role: TokenRole, id: string, extra: Record<string, unknown> = {}): Promise<Actor> {
    const client = await this.hub.client({ id, role, name: `${role} ${id} 😀`, ...extra } as never);
    return this.watch(role, id, client);
  }

  watch(role: TokenRole, id: string, client: HubClient): Actor {
    const s = client.socket as unknown as { on(e: string, fn: (v: unknown) => void): void };
    for (const e of ['conversation', 'activity', 'task.offered', 'task.queued']) s.on(e, (v) => this.harvest(v));
    if (role === 'agent') this.add('agent', id);
    const actor = { role, id, client };
    this.actors.push(actor);
    return actor;
  }
}

import type { Activity, ActivityDraft } from '@conversation-hub/client-sdk/contract';
import { isJoinable } from '../domain/conversation-state.js';
import type { ConversationDoc, Transition } from '../domain/conversation.js';
import { dedupeKey } from '../domain/dedupe.js';
import { conflict, forbidden, notFound, SessionClosedError } from '../domain/errors.js';
import { connectorTargets, type AppendOptions, type AppendResult, type Committed, type StoredConversation } from './conversation-store.js';
import type { ConversationStateCounts, ConversationStore } from '../ports.js';

interface Entry {
  doc: ConversationDoc;
  log: Activity[];
  byClientMessageId: Map<string, number>;
  sessionActivity: Record<string, number>;
}

/**
 * Embedded mode's store. Atomic because each method runs its read, transition and write without
 * awaiting in between; copies go in and out so no caller holds the stored objects.
 */
export class MemoryConversationStore implements ConversationStore {
  private readonly conversations = new Map<string, Entry>();
  private readonly openByCustomer = new Map<string, string>();

  async get(id: string): Promise<StoredConversation | null> {
    const e = this.conversations.get(id);
    return e ? { doc: structuredClone(e.doc), lastSeq: e.log.length, sessionActivity: { ...e.sessionActivity } } : null;
  }

  async openConversationOf(customerId: string): Promise<string | null> {
    return this.openByCustomer.get(customerId) ?? null;
  }

  async update<R>(id: string, tx: Transition<ConversationDoc, R>): Promise<Committed<R>> {
    const e = this.conversations.get(id);
    if (!e) throw notFound('conversation');
    return this.commit(e, tx(structuredClone(e.doc)));
  }

  async updateForCustomer<R>(customerId: string, tx: Transition<ConversationDoc | null, R>): Promise<Committed<R>> {
    const openId = this.openByCustomer.get(customerId);
    const current = openId ? this.conversations.get(openId) : undefined;
    const change = tx(current ? structuredClone(current.doc) : null);
    let e = this.conversations.get(change.doc.id);
    if (!e) {
      e = { doc: change.doc, log: [], byClientMessageId: new Map(), sessionActivity: {} };
      this.conversations.set(change.doc.id, e);
    }
    return this.commit(e, change);
  }

  private commit<R>(e: Entry, change: { doc: ConversationDoc; activities: ActivityDraft[]; result: R }): Committed<R> {
    const doc = structuredClone(change.doc);
    e.doc = doc;
    const activities = change.activities.map((d) => this.push(e, d));
    for (const s of doc.channelSessions) {
      if (s.state === 'open') e.sessionActivity[s.id] ??= Date.parse(s.openedAt);
      else delete e.sessionActivity[s.id];
    }
    if (isJoinable(doc.state)) this.openByCustomer.set(doc.customerId, doc.id);
    else if (this.openByCustomer.get(doc.customerId) === doc.id) this.openByCustomer.delete(doc.customerId);
    return { doc: structuredClone(doc), activities: activities.map((a) => structuredClone(a)), result: change.result, lastSeq: e.log.length };
  }

  private push(e: Entry, d: ActivityDraft): Activity {
    const activity = { ...structuredClone(d), seq: e.log.length + 1 } as Activity;
    e.log.push(activity);
    if (activity.clientMessageId) e.byClientMessageId.set(dedupeKey(activity), activity.seq);
    return activity;
  }

  async append(id: string, d: ActivityDraft, options: AppendOptions = {}): Promise<AppendResult> {
    const e = this.conversations.get(id);
    if (!e || !isJoinable(e.doc.state)) throw notFound('conversation');
    if (options.participantId !== undefined && !e.doc.participants.some((p) => p.id === options.participantId && p.role !== 'customer')) {
      throw forbidden('not a participant of this conversation');
    }
    const connectors = connectorTargets(e.doc);
    if (d.clientMessageId) {
      const seq = e.byClientMessageId.get(dedupeKey(d));
      if (seq !== undefined) return { activity: structuredClone(e.log[seq - 1]!), duplicate: true, connectors };
    }
    if (options.sessionId !== undefined) {
      if (!(options.sessionId in e.sessionActivity)) throw new SessionClosedError();
      e.sessionActivity[options.sessionId] = Date.parse(d.at);
    }
    return { activity: structuredClone(this.push(e, d)), duplicate: false, connectors, state: e.doc.state };
  }

  async since(id: string, afterSeq: number, limit: number): Promise<{ activities: Activity[]; lastSeq: number }> {
    const e = this.conversations.get(id);
    if (!e) throw notFound('conversation');
    return { activities: structuredClone(e.log.slice(afterSeq, afterSeq + limit)), lastSeq: e.log.length };
  }

  async all(id: string): Promise<Activity[]> {
    const e = this.conversations.get(id);
    if (!e) throw notFound('conversation');
    return structuredClone(e.log);
  }

  async remove(id: string): Promise<void> {
    const e = this.conversations.get(id);
    if (!e) return;
    this.conversations.delete(id);
    if (this.openByCustomer.get(e.doc.customerId) === id) this.openByCustomer.delete(e.doc.customerId);
  }

  async conversationsOf(participantId: string): Promise<string[]> {
    const ids: string[] = [];
    for (const [id, e] of this.conversations) if (e.doc.participants.some((p) => p.id === participantId && p.role !== 'customer')) ids.push(id);
    return ids;
  }

  async listIds(): Promise<string[]> {
    return [...this.conversations.keys()];
  }

  async countByState(): Promise<ConversationStateCounts> {
    const counts: ConversationStateCounts = {};
    for (const e of this.conversations.values()) counts[e.doc.state] = (counts[e.doc.state] ?? 0) + 1;
    return counts;
  }

  async close(): Promise<void> {}
}

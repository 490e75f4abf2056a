import type { HubClient } from '@conversation-hub/client-sdk';
import { Abandon, codeOf, retrying, until, type ClientFactory } from './clients.js';
import type { AckedMessage, DrivenConversation, History } from './history.js';

export interface LaneOptions {
  run: string;
  index: number;
  kind: 'chat' | 'idle';
  make: ClientFactory;
  admin: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;
  history: History;
  /** No new conversation starts after `stopAt` (ms since the epoch; set when the load starts). */
  timing: { stopAt: number };
  /** Messages each of customer, bot and agent sends in a chat conversation. */
  messagesPerSide: number;
  idleSeconds: number;
}

/**
 * One lane of the load: a channel with its agent (and, for chat lanes, its bot), running one
 * conversation after another until `stopAt`. Chat: the bot greets and hands over, the agent
 * accepts, all three talk, then the customer ends its session and the others leave. Idle: the
 * agent accepts, the customer says one thing and goes quiet until its inactivity timer closes the
 * session. Every step retries what a fault may interrupt, with the same ids. Preparing (the
 * channel, the staff's sockets) happens before the faults start; the returned function runs the lane.
 */
export async function prepareLane(o: LaneOptions): Promise<() => Promise<void>> {
  const name = `${o.run}-${o.kind}-${o.index}`;
  const listId = `list-${name}`;
  const chat = o.kind === 'chat';
  const res = await o.admin('POST', '/api/channels', {
    serviceIdentifier: name,
    name,
    channelType: 'webchat',
    listId,
    offerTimeoutSeconds: 5,
    customerInactivityTimeoutSeconds: chat ? 600 : o.idleSeconds,
    ...(chat ? { botId: `bot-${name}` } : {}),
  });
  if (res.status !== 201) throw new Error(`channel ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  const staff = chat ? await chatStaff(o, name, listId) : undefined;
  return () => runLane(o, name, staff);
}

async function runLane(o: LaneOptions, name: string, staff: Staff | undefined): Promise<void> {
  for (let n = 0; Date.now() < o.timing.stopAt; n++) {
    const driven: DrivenConversation = { id: '', kind: o.kind, receivers: [], acked: [] };
    const customerId = `cust-${name}-${n}`;
    const customer = await o.make(customerId, { id: customerId, role: 'customer', serviceIdentifier: name, name: customerId });
    try {
      driven.id = (await withTimeout(customer.conversation(), 30_000, 'first conversation push')).id;
      if (staff) await chatConversation(o, driven, customer, customerId, staff);
      else await idleConversation(o, driven, customer, customerId);
    } catch (err) {
      driven.abandoned = err instanceof Error ? err.message : String(err);
      // The customer gives up and leaves, the staff too: the conversation closes and is archived.
      if (staff && driven.id) await endStalled(customer, staff, driven.id);
    } finally {
      customer.close();
      o.make.all.delete(customer);
      o.history.conversations.push(driven.id ? driven : { ...driven, id: `none-${customerId}` });
    }
  }
}

interface Staff {
  agent: HubClient;
  agentId: string;
  bot: HubClient;
  botId: string;
  /** Conversations the agent is in (accepted, or a view pushed after a reconnect). */
  joined: Set<string>;
  /** Conversations the bot was invited into. */
  invited: Set<string>;
}

/** The chat lane's agent (ready on the lane's list, accepting every offer) and bot. */
async function chatStaff(o: LaneOptions, name: string, listId: string): Promise<Staff> {
  const agentId = `agent-${name}`;
  const botId = `bot-${name}`;
  const agent = await o.make(agentId, { id: agentId, role: 'agent', name: agentId });
  const bot = await o.make(botId, { id: botId, role: 'bot', name: botId });
  const staff: Staff = { agent, agentId, bot, botId, joined: new Set(), invited: new Set() };
  const ready = () => void retrying('agent ready', () => agent.call('agent.state', { state: 'ready', lists: [listId], capacity: 10 })).catch(() => {});
  ready();
  agent.socket.on('connect', ready);
  agent.onConversation((v) => void staff.joined.add(v.id));
  agent.socket.on('task.offered', (offer) => {
    void retrying('accept', () => agent.call('task.accept', { taskId: offer.task.id }))
      .then(() => void staff.joined.add(offer.conversation.id))
      .catch(() => {}); // expired or taken meanwhile: the task is offered again
  });
  bot.onConversation((v) => void staff.invited.add(v.id));
  return staff;
}

async function chatConversation(o: LaneOptions, driven: DrivenConversation, customer: HubClient, customerId: string, s: Staff): Promise<void> {
  const id = driven.id;
  const everyone = [customer, s.agent, s.bot];
  await until([s.bot], () => s.invited.has(id), 30_000, 'the bot invited');
  driven.acked.push({ ...(await send(s.bot, s.botId, id, 'greet', 'Hello, I am the bot')), receivers: [customerId, s.botId] });
  await retrying('handoff', () => s.bot.call('handoff.request', { conversationId: id, intent: 'chaos', sentiment: 0 })).catch((err) => {
    if (codeOf(err) !== 'conflict') throw err; // a task already waits (a retried handoff)
  });
  await until(everyone, () => s.joined.has(id), 60_000, 'the agent joined');
  driven.receivers = [customerId, s.agentId, s.botId];
  const sides: [HubClient, string][] = [[customer, customerId], [s.agent, s.agentId], [s.bot, s.botId]];
  const sent = await Promise.all(
    sides.map(async ([c, from]) => {
      const mine: AckedMessage[] = [];
      for (let i = 0; i < o.messagesPerSide; i++) mine.push(await send(c, from, id, String(i), `${from} says ${i}`));
      return mine;
    }),
  );
  driven.acked.push(...sent.flat());
  await everyAckHanded(o.history, driven, everyone);
  await retrying('session.end', () => customer.call('session.end', {})).catch(doneUnless('session.end'));
  // At once: a widget whose chat ended does not reconnect (a reconnect would open a new session).
  customer.close();
  await retrying('bot leave', () => s.bot.call('conversation.leave', { conversationId: id })).catch(doneUnless('bot leave'));
  await retrying('agent leave', () => s.agent.call('conversation.leave', { conversationId: id })).catch(doneUnless('agent leave'));
}

/** The customer says one thing and goes quiet; its inactivity timer (a BullMQ job) must close the session, once. */
async function idleConversation(o: LaneOptions, driven: DrivenConversation, customer: HubClient, customerId: string): Promise<void> {
  const id = driven.id;
  driven.receivers = [customerId];
  driven.acked.push(await send(customer, customerId, id, 'only', 'one thing, then silence'));
  await everyAckHanded(o.history, driven, [customer]);
  const closed = () => handed(o.history, customerId, id, (d) => d.type === 'session.closed' && d.reason === 'inactivity');
  await until([customer], closed, (o.idleSeconds + 90) * 1000, 'the inactivity close');
}

/** Waits (bounded) until every receiver was handed every acked message; the checker counts what is still missing. */
async function everyAckHanded(h: History, d: DrivenConversation, clients: HubClient[]): Promise<void> {
  const done = () => d.receivers.every((r) => d.acked.every((m) => !(m.receivers ?? d.receivers).includes(r) || handed(h, r, d.id, (x) => x.id === m.id)));
  await until(clients, done, 30_000, 'every ack handed').catch(() => {});
}

async function endStalled(customer: HubClient, s: Staff, conversationId: string): Promise<void> {
  await retrying('session.end', () => customer.call('session.end', {})).catch(() => {});
  customer.close();
  for (const c of [s.bot, s.agent]) await retrying('leave', () => c.call('conversation.leave', { conversationId })).catch(() => {});
}

/** A retried step may find its first attempt done (the ack was lost): `forbidden`/`conflict`/`not_found` then mean done. */
const doneUnless = (what: string) => (err: unknown) => {
  if (!['forbidden', 'conflict', 'not_found'].includes(codeOf(err))) throw new Abandon(`${what}: ${codeOf(err)}`);
};

async function send(c: HubClient, from: string, conversationId: string, key: string, text: string): Promise<AckedMessage> {
  const clientMessageId = `${from}-${conversationId}-${key}`;
  const a = await retrying(`send ${clientMessageId}`, () => c.send(text, { conversationId, clientMessageId }));
  return { id: a.id, seq: a.seq, clientMessageId, from, text };
}

function handed(h: History, client: string, conversationId: string, match: (d: { id: string; type: string; reason?: string }) => boolean): boolean {
  return (h.deliveries.get(client)?.get(conversationId) ?? []).some(match);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Abandon(`${what}: not within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CallSchemas, TokenRole, type Ack, type CallName, type TaskOffered } from '@conversation-hub/client-sdk/contract';
import type { HubClient } from '@conversation-hub/client-sdk';
import type { Actor } from '../../server/auth/tokens.js';
import { allows, mayCall, POLICY, type Relation } from '../../server/domain/policy.js';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { waitFor } from '../helpers/wait.js';

// The authorization matrix, generated from the policy: every role × every call × the caller's own
// conversation (or task, list, channel) and another customer's, each answer checked against what
// server/domain/policy.ts allows.

let hub: TestHub;
const tag = randomUUID().slice(0, 6);
const LA = `la-${tag}`; // served by the agent
const LF = `lf-${tag}`; // served by nobody
const BOT = `bot-${tag}`;
const APP = `app-${tag}`;
const CH = { a: `ca-${tag}`, bot: `cb-${tag}`, f: `cf-${tag}`, wa: `wa-${tag}`, out: `co-${tag}` };
const agentActor: Actor = { id: `agent-${tag}`, role: 'agent', name: 'Ann' };
let agent: HubClient;

beforeAll(async () => {
  // Each call's world (two tasks for the agent, hence capacity 100) connects the bot, the app and the connector again: more than the default 20 sockets of one identity.
  hub = await startTestHub({ HUB_MAX_SOCKETS_PER_IDENTITY: '200' });
  if ((await hub.admin('GET', '/api/channel-types/whatsapp')).status === 404) await hub.admin('POST', '/api/channel-types', { id: 'whatsapp', name: 'WhatsApp' });
  for (const [si, extra] of [
    [CH.a, { listId: LA, apps: [APP] }],
    [CH.bot, { listId: LA, botId: BOT }],
    [CH.f, { listId: LF }],
    [CH.wa, { channelType: 'whatsapp', listId: LF }],
    // conversation.start: a connector channel of the agent's list.
    [CH.out, { channelType: 'whatsapp', listId: LA }],
  ] as const) {
    const res = await hub.admin('POST', '/api/channels', { serviceIdentifier: si, name: si, channelType: 'webchat', ...extra });
    expect(res.status).toBe(201);
  }
  agent = await hub.client(agentActor);
  await agent.call('agent.state', { state: 'ready', lists: [LA], capacity: 100 });
});
afterAll(() => hub.close());

/** A customer with a token of its own (the public webchat endpoint is rate-limited per address). */
async function customerOn(serviceIdentifier: string) {
  const customerId = `cust-${randomUUID().slice(0, 8)}`;
  const c = await hub.client({ id: customerId, role: 'customer', serviceIdentifier });
  return Object.assign(c, { customerId });
}

/** A customer on the agent's channel, whose task the agent is offered (and, with `accept`, takes). */
async function servedCustomer(accept: boolean) {
  const offer = waitFor<TaskOffered>((fn) => agent.on('task.offered', fn), () => true, 10_000, 'task.offered');
  const customer = await customerOn(CH.a);
  const { task, conversation } = await offer;
  if (accept) await agent.call('task.accept', { taskId: task.id });
  return { customer, conversationId: conversation.id, taskId: task.id };
}

interface Target {
  conversationId: string;
  customerId: string;
  taskId: string;
  listId: string;
  serviceIdentifier: string;
  customerIdentifier: string;
  /** conversation.start writes through it: the agent's list's (own) or another's. */
  startService: string;
  startCustomerId: string;
}

/** One world per call: the callers' own things, and another customer's that none of them has to do with. */
async function world() {
  // A supervisor's `supervisor.agent.state` leaves the agent not ready: ready again for each world.
  await agent.call('agent.state', { state: 'ready', lists: [LA], capacity: 100 });
  const a = await servedCustomer(true);
  const offeredTask = await servedCustomer(false);
  const supervisor = await hub.client({ id: `sup-${randomUUID().slice(0, 6)}`, role: 'supervisor' });
  await supervisor.call('conversation.join', { conversationId: a.conversationId });
  const botClient = await hub.client({ id: BOT, role: 'bot' });
  // The channel names the app: it may join, and then acts as a participant.
  const app = await hub.client({ id: APP, role: 'app' });
  await app.call('conversation.join', { conversationId: a.conversationId });
  const botCustomer = await customerOn(CH.bot);
  const botConversation = (await botCustomer.conversation()).id;
  const stranger = await customerOn(CH.f);
  const strangerConversation = await stranger.conversation();
  const phone = `+44${Math.floor(Math.random() * 1e9)}`;
  const connector = await hub.client({ id: `conn-${tag}`, role: 'connector', channels: [CH.wa] });
  const connectorConversation = await connector.call('connector.inbound', { serviceIdentifier: CH.wa, customer: { identifier: phone }, message: { text: 'hi', clientMessageId: randomUUID() } });
  const phoneCustomer = await hub.admin('GET', `/api/customers?channelType=whatsapp&identifier=${encodeURIComponent(phone)}`);
  // A supervisor ends the bot's conversation, not the one the agent still has to try ending last.
  const own = (role: TokenRole, call?: CallName): Target => ({
    // A connector's own conversation has a session of its channel.
    conversationId: role === 'connector' ? connectorConversation.conversationId : role === 'bot' || (role === 'supervisor' && call === 'conversation.end') ? botConversation : a.conversationId,
    customerId: a.customer.customerId,
    taskId: offeredTask.taskId,
    listId: LA,
    serviceIdentifier: CH.wa,
    customerIdentifier: phone,
    startService: CH.out,
    startCustomerId: phoneCustomer.body.id,
  });
  const foreign: Target = {
    conversationId: strangerConversation.id,
    customerId: stranger.customerId,
    taskId: (await hub.parts.routing.tasksOf(strangerConversation.id))[0]!.id,
    listId: LF,
    serviceIdentifier: CH.f,
    customerIdentifier: phone,
    startService: CH.f,
    startCustomerId: stranger.customerId,
  };
  const clients: Partial<Record<TokenRole, HubClient>> = {
    customer: role_customer(a.customer),
    agent,
    supervisor,
    bot: botClient,
    connector,
    app,
    controller: await hub.client({ id: `ctl-${randomUUID().slice(0, 6)}`, role: 'controller' }),
  };
  return { own, foreign, clients, botCustomer };
}

const role_customer = (c: HubClient) => c;

/** A valid payload of each call for a target. */
function payload(call: CallName, t: Target): unknown {
  const conversationId = t.conversationId;
  switch (call) {
    case 'message.send':
      return { conversationId, text: 'hello', clientMessageId: randomUUID() };
    case 'typing':
      return { conversationId, typing: true };
    case 'activities.since':
      return { conversationId, afterSeq: 0 };
    case 'session.end':
      return {};
    case 'whisper.send':
    case 'suggestion.send':
      return { conversationId, text: 'psst' };
    case 'custom.send':
      return { conversationId, visibility: 'agents', payload: { kind: 'note' } };
    case 'handoff.request':
      return { conversationId, intent: 'help' };
    case 'agent.state':
      return { state: 'ready', lists: [LA] };
    case 'task.accept':
    case 'task.reject':
    case 'task.pull':
      return { taskId: t.taskId };
    case 'queue.list':
      return { listId: t.listId };
    case 'conversation.transfer':
      return { conversationId, to: { listId: LF } };
    case 'wrapup.submit':
      return { conversationId, codes: ['x'] };
    case 'customer.history':
      return { customerId: t.customerId };
    case 'connector.inbound':
      return { serviceIdentifier: t.serviceIdentifier, customer: { identifier: t.customerIdentifier }, message: { text: 'hi', clientMessageId: randomUUID() } };
    case 'connector.session.end':
      return { serviceIdentifier: t.serviceIdentifier, customerIdentifier: t.customerIdentifier };
    case 'conversation.join':
    case 'conversation.leave':
    case 'conversation.end':
      return { conversationId };
    case 'conversation.reassign':
      return { conversationId, to: { listId: LF } };
    case 'supervisor.watch':
    case 'supervisor.unwatch':
      return {};
    case 'supervisor.agent.state':
      return { agentId: agentActor.id, state: 'not_ready', reason: 'matrix' };
    case 'conversation.start':
      return { customerId: t.startCustomerId, serviceIdentifier: t.startService, text: 'hello' };
    case 'read.update':
      return { conversationId, seq: 1 };
    case 'conversation.data.set':
      return { conversationId, key: 'crm.case', value: 'C-1' };
    case 'template.send':
      return { conversationId, name: 'order_update', language: 'en_US' };
  }
}

/** The caller's relation to its own target, as the policy names it. */
function ownRelation(call: CallName, role: TokenRole): Relation {
  if (role === 'customer' || role === 'connector') return 'own';
  if (role === 'agent' && (call === 'task.accept' || call === 'task.reject')) return 'offered';
  if (role === 'agent' && (call === 'queue.list' || call === 'task.pull' || call === 'conversation.start')) return 'own';
  // The app is in the conversation because its channel names it.
  if (role === 'app' && call === 'conversation.join') return 'channel-app';
  return 'participant';
}

function emit(c: HubClient, call: CallName, p: unknown): Promise<Ack<object>> {
  return new Promise((resolve) => (c.socket as unknown as { emit(e: string, p: unknown, cb: (r: Ack<object>) => void): void }).emit(call, p, resolve));
}

const CALLS = Object.keys(CallSchemas) as CallName[];
// The calls that change the caller's own standing go last, so the others see the world whole.
const LAST = new Set<CallName>(['conversation.leave', 'conversation.transfer', 'conversation.end', 'conversation.reassign', 'session.end', 'connector.session.end']);
const ROLES = [...TokenRole.options].sort((a, b) => Number(a === 'agent') - Number(b === 'agent'));

describe.each(CALLS)('%s', (call) => {
  test('every role, on its own and on another customer’s', async () => {
    const w = await world();
    const answers: string[] = [];
    const expected: string[] = [];
    for (const which of ['foreign', 'own'] as const) {
      for (const role of ROLES) {
        if (which === 'own' && LAST.has(call) && role === 'agent') continue; // below, after the rest
        const target = which === 'own' ? w.own(role, call) : w.foreign;
        const relation: Relation = which === 'own' ? ownRelation(call, role) : 'other';
        const res = await emit(w.clients[role]!, call, payload(call, target));
        answers.push(`${which} ${role}: ${verdict(res, call)}`);
        expected.push(`${which} ${role}: ${!mayCall(call, role) ? 'refused' : allows(call, role, relation) ? 'allowed' : 'denied'}`);
      }
    }
    if (LAST.has(call)) {
      const res = await emit(agent, call, payload(call, w.own('agent')));
      answers.push(`own agent: ${verdict(res, call)}`);
      expected.push(`own agent: ${!mayCall(call, 'agent') ? 'refused' : allows(call, 'agent', ownRelation(call, 'agent')) ? 'allowed' : 'denied'}`);
    }
    expect(answers).toEqual(expected);
  });
});

/** Answers to a task are decided by the routing store, atomically: a task not offered to the caller is a `conflict`. */
const ROUTED = new Set<CallName>(['task.accept', 'task.reject']);

/**
 * `refused`: the role may not make the call (`forbidden`); `denied`: it may, but not on this
 * (`forbidden`, or `not_found` where the hub hides that the thing exists); `allowed`: any other
 * answer (ok, or an error of state such as `conflict`).
 */
function verdict(res: Ack<object>, call: CallName): string {
  if (res.ok) return 'allowed';
  const { code, message } = res.error;
  if (code === 'forbidden' && / is not allowed for role /.test(message)) return 'refused';
  if (code === 'forbidden' || code === 'not_found' || (ROUTED.has(call) && code === 'conflict')) return 'denied';
  return 'allowed';
}

test('the matrix covers every call the policy lists', () => {
  expect(Object.keys(POLICY).sort()).toEqual([...CALLS].sort());
});

/**
 * Graceful drain (README, "Stopping a node"): SIGTERM on node A of two, behind a TCP proxy that
 * plays the load balancer. B's clients stay connected and keep chatting; A's clients are told to
 * reconnect, come back through the proxy to B and miss nothing; A's /readyz answers 503 during the
 * drain, and A exits 0 within HUB_DRAIN_SECONDS.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Activity, ReconnectPush, TaskOffered } from '@conversation-hub/client-sdk/contract';
import { HubCallError, type HubClient } from '@conversation-hub/client-sdk';
import { startCluster, type Cluster, type HubNode } from '../helpers/cluster.js';
import { logFrom, nextLogLine } from '../helpers/node-log.js';
import { startProxy, type TcpProxy } from '../helpers/proxy.js';
import { collect, until, waitFor } from '../helpers/wait.js';

const DRAIN_SECONDS = 10;
/** Messages a sender paces by: under the per-socket rate limit, and a steady stream around the drain. */
const PACE_MS = 40;

let cluster: Cluster;
let A: HubNode;
let B: HubNode;
let proxy: TcpProxy;
beforeAll(async () => {
  cluster = await startCluster(2, { HUB_DRAIN_SECONDS: String(DRAIN_SECONDS), HUB_DRAIN_NOTICE_SECONDS: '1' });
  [A, B] = cluster.nodes as [HubNode, HubNode];
  proxy = await startProxy({ port: A.port });
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  await cluster?.stop();
}, 30_000);

async function conversationOf(at: HubNode | string, agentAt: HubNode | string) {
  const id = randomUUID().slice(0, 8);
  const ch = await cluster.admin(B, 'POST', '/api/channels', { serviceIdentifier: `drain-${id}`, name: id, channelType: 'webchat', listId: `list-${id}` });
  expect(ch.status).toBe(201);
  const agent = await cluster.client(agentAt, { id: `agent-${id}`, role: 'agent', name: `agent-${id}` });
  await agent.call('agent.state', { state: 'ready', lists: [`list-${id}`] });
  const offer = waitFor<TaskOffered>((fn) => agent.on('task.offered', fn), () => true, 10_000, 'task.offered');
  const customer = await cluster.client(at, { id: `cust-${id}`, role: 'customer', serviceIdentifier: `drain-${id}`, name: 'Ada' });
  const { task, conversation } = await offer;
  await agent.call('task.accept', { taskId: task.id });
  return { customer, agent, conversationId: conversation.id };
}

/** Watches a client's connection: its disconnect reasons, connects after the first, reconnect pushes. */
function watch(c: HubClient) {
  const w = { disconnects: [] as string[], reconnects: 0, pushes: [] as ReconnectPush[] };
  c.socket.on('disconnect', (reason) => void w.disconnects.push(reason));
  c.socket.on('connect', () => void w.reconnects++);
  c.on('reconnect', (p) => void w.pushes.push(p));
  return w;
}

/** Sends paced messages until `stop()` says so; a send cut off by a disconnect is sent again with its clientMessageId. */
function sender(c: HubClient, name: string, conversationId: string, stop: () => boolean) {
  const acked: Activity[] = [];
  let retries = 0;
  const onAck = new Set<() => void>();
  const run = (async () => {
    for (let i = 0; !stop(); i++) {
      const paced = new Promise((resolve) => setTimeout(resolve, PACE_MS));
      const clientMessageId = `${name}-${i}-${randomUUID()}`;
      for (;;) {
        try {
          acked.push(await c.send(`${name} ${i}`, { conversationId, clientMessageId }));
          break;
        } catch (err) {
          if (!(err instanceof HubCallError) || !['timeout', 'disconnected'].includes(err.code)) throw err;
          retries++;
        }
      }
      for (const fn of onAck) fn();
      await paced;
    }
  })();
  /** Resolves once `n` more messages than now are acknowledged. */
  const more = (n: number) => {
    const target = acked.length + n;
    return waitFor<void>((fn) => (onAck.add(fn), () => onAck.delete(fn)), () => acked.length >= target, 20_000, `${n} more acks from ${name}`);
  };
  return { acked, run, more, retries: () => retries };
}

const messages = (seen: Activity[]) => seen.filter((a) => a.type === 'message');

test('SIGTERM drains one node: its clients move to the other and miss nothing; the other node’s clients never notice', async () => {
  // Conversation X: customer and agent through the proxy on A, a supervisor directly on B.
  const x = await conversationOf(proxy.url, proxy.url);
  const supervisor = await cluster.client(B, { id: `sup-${randomUUID()}`, role: 'supervisor', name: 'Sam' });
  await supervisor.call('conversation.join', { conversationId: x.conversationId });
  // Conversation Y: customer and agent directly on B.
  const y = await conversationOf(B, B);
  const onA = [x.customer, x.agent];
  const onB = [supervisor, y.customer, y.agent];
  const watches = new Map([...onA, ...onB].map((c) => [c, watch(c)]));
  const seen = new Map([...onA, ...onB].map((c) => [c, collect(c)]));

  let stopping = false;
  const senders = [
    sender(x.customer, 'x-customer', x.conversationId, () => stopping),
    sender(x.agent, 'x-agent', x.conversationId, () => stopping),
    sender(supervisor, 'x-supervisor', x.conversationId, () => stopping),
    sender(y.customer, 'y-customer', y.conversationId, () => stopping),
    sender(y.agent, 'y-agent', y.conversationId, () => stopping),
  ];
  await Promise.all(senders.map((s) => s.more(5)));

  // Conversation Z: a customer who says nothing, its inactivity timer (a BullMQ job, 1 s) falling due during the drain.
  const zChannel = `drain-z-${randomUUID().slice(0, 8)}`;
  expect((await cluster.admin(B, 'POST', '/api/channels', { serviceIdentifier: zChannel, name: zChannel, channelType: 'webchat', listId: `list-${zChannel}`, customerInactivityTimeoutSeconds: 1 })).status).toBe(201);
  const zCustomer = await cluster.client(B, { id: `cust-${zChannel}`, role: 'customer', serviceIdentifier: zChannel });
  const z = await zCustomer.conversation();
  const zSupervisor = await cluster.client(B, { id: `sup-${zChannel}`, role: 'supervisor' });
  await zSupervisor.call('conversation.join', { conversationId: z.id });
  const zSeen = collect(zSupervisor);

  // SIGTERM A; once it says it drains, its /readyz must answer 503 and the load balancer moves on.
  const draining = nextLogLine(A, (e) => typeof e.msg === 'string' && e.msg.startsWith('draining:'), 10_000, 'the drain');
  const logOfA = logFrom(A);
  const started = Date.now();
  A.child.kill('SIGTERM');
  await draining;
  const ready = await fetch(`${A.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toMatchObject({ ok: false, draining: true });
  proxy.retarget(B.port);
  // A new socket on the draining node is refused with the reason.
  await expect(cluster.client(A, { id: `late-${randomUUID()}`, role: 'supervisor' })).rejects.toMatchObject({ details: { reason: 'draining' } });

  const code = await A.exited;
  const drainMs = Date.now() - started;
  expect(code).toBe(0);
  expect(drainMs).toBeLessThan(DRAIN_SECONDS * 1000);
  // Nothing went wrong on the way out: no warning or error (a part closed under running work would say `client is closed`).
  expect(logOfA.filter((e) => Number(e.level) >= 40).map((e) => e.msg)).toEqual([]);
  expect(logOfA.map((e) => e.msg)).toEqual(expect.arrayContaining(['drained: exiting']));

  // A's clients are back (through the proxy, on B) and every sender goes on.
  for (const c of onA) {
    if (watches.get(c)!.reconnects > 0) continue;
    await waitFor<void>((fn) => (c.socket.on('connect', fn), () => c.socket.off('connect', fn)), () => true, 10_000, 'a client of A reconnecting');
  }
  await Promise.all(senders.map((s) => s.more(5)));
  stopping = true;
  await Promise.all(senders.map((s) => s.run));

  // Every message reaches every participant of its conversation exactly once, in order.
  const inX = senders.slice(0, 3).flatMap((s) => s.acked);
  const inY = senders.slice(3).flatMap((s) => s.acked);
  for (const [clients, sent] of [[[...onA, supervisor], inX], [[y.customer, y.agent], inY]] as const) {
    const ids = new Set(sent.map((a) => a.id));
    for (const c of clients) {
      const got = seen.get(c)!;
      await until(c, () => messages(got).filter((a) => ids.has(a.id)).length >= ids.size, 15_000, 'every message').catch((err: Error) => {
        const have = new Set(got.map((a) => a.id));
        const missing = sent.filter((a) => !have.has(a.id)).map((a) => `${a.seq}:${a.from.role}`);
        throw new Error(`${err.message}: ${c.socket.id} (${watches.get(c)!.disconnects.length ? 'was on A' : 'on B'}) misses ${missing.length}: ${missing.slice(0, 10).join(' ')}; last seen ${got.at(-1)?.seq}`);
      });
      const delivered = messages(got);
      expect(delivered.map((a) => a.id).sort()).toEqual([...ids].sort()); // each once, nothing else
      const seqs = got.map((a) => a.seq);
      expect(seqs).toEqual([...new Set(seqs)].sort((p, q) => p - q)); // in order, no duplicate
    }
  }

  // The timer that fell due during the drain fired, once.
  await until(zSupervisor, () => zSeen.some((a) => a.type === 'session.closed'), 10_000, 'the inactivity close of Z');
  expect(zSeen.filter((a) => a.type === 'session.closed')).toEqual([expect.objectContaining({ payload: expect.objectContaining({ reason: 'inactivity' }) })]);

  // A's clients were told why and came back; B's clients never saw a disconnect.
  for (const c of onA) {
    const w = watches.get(c)!;
    expect(w.pushes).toEqual([{ reason: 'draining', message: expect.any(String) }]);
    expect(w.disconnects).toEqual(['io server disconnect']);
    expect(c.socket.connected).toBe(true);
  }
  for (const c of onB) expect(watches.get(c)!.disconnects).toEqual([]);

  const figures = { drainMs, messagesX: inX.length, messagesY: inY.length, retries: senders.map((s) => s.retries()) };
  process.stdout.write(`drain figures: ${JSON.stringify(figures)}\n`);
}, 120_000);

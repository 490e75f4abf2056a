import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ChannelInput, ConnectorOutbound, TaskOffered } from '@conversation-hub/client-sdk/contract';
import { HubCallError, type HubClient } from '@conversation-hub/client-sdk';
import { startTestHub, testMode, type TestHub } from '../helpers/start-hub.js';
import { nextActivity, waitFor } from '../helpers/wait.js';

const METRICS_TOKEN = 'metrics-token-for-the-scrape-test';

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format's samples. */
function parse(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of the series of that name whose labels include `labels`; undefined when there is none. */
function value(all: Series[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found.length ? found.reduce((n, s) => n + s.value, 0) : undefined;
}

let hub: TestHub;
let webhook: Server;
let webhookUrl: string;
const seenFlaky = new Set<string>();

beforeAll(async () => {
  hub = await startTestHub({ HUB_METRICS_TOKEN: METRICS_TOKEN });
  // A connector's webhook: `flaky` fails once (503, retried), `refuse` is refused (400), the rest delivered.
  webhook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const { activity } = JSON.parse(body) as ConnectorOutbound;
      const text = activity.type === 'message' ? activity.payload.text : '';
      if (text === 'refuse') return void res.writeHead(400).end();
      if (text === 'flaky' && !seenFlaky.has(activity.id)) {
        seenFlaky.add(activity.id);
        return void res.writeHead(503).end();
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as { port: number }).port}/outbound`;
});
afterAll(async () => {
  await hub?.close();
  webhook?.closeAllConnections();
  await new Promise((r) => webhook?.close(r));
});

/**
 * Every instance's /metrics: `node` sums what each node records (in a cluster the clients are
 * spread over two); `hub` is instance A's, for the gauges read from the shared stores.
 */
async function scrape(): Promise<{ node: Series[]; hub: Series[] }> {
  const texts = await Promise.all(
    hub.instances.map(async (i) => {
      const res = await fetch(`${i.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(res.status).toBe(200);
      return res.text();
    }),
  );
  const parsed = texts.map(parse);
  return { node: parsed.flat(), hub: parsed[0]! };
}

/** Scrapes until `check` holds, bounded: what a webhook's answer leads to is recorded after the webhook saw the POST. */
async function scrapeUntil(check: (s: { node: Series[]; hub: Series[] }) => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await scrape();
    if (check(s)) return s;
    if (Date.now() > deadline) return s; // the caller's expectations then say what is missing
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function channel(overrides: Partial<ChannelInput> = {}) {
  const id = randomUUID().slice(0, 8);
  const body: ChannelInput = { serviceIdentifier: `chan-${id}`, name: `Channel ${id}`, channelType: 'webchat', listId: `list-${id}`, ...overrides };
  const res = await hub.admin('POST', '/api/channels', body);
  expect(res.status).toBe(201);
  return res.body as { serviceIdentifier: string; listId: string };
}

const offered = (c: HubClient) => waitFor<TaskOffered>((fn) => c.on('task.offered', fn), () => true, 5_000, 'task.offered');

describe(`${testMode} hub: /metrics after a scripted session`, () => {
  test('sockets, conversations, queues, activities, errors, timers and the archive are all on /metrics', async () => {
    // A 3 s inactivity timeout on this channel only; the other channel's customer waits in its queue.
    const served = await channel({ customerInactivityTimeoutSeconds: 3 });
    const unserved = await channel();
    const agent = await hub.client({ id: `agent-${randomUUID().slice(0, 8)}`, role: 'agent', name: 'Ada' });
    await agent.call('agent.state', { state: 'ready', lists: [served.listId] });
    const offer = offered(agent);
    const customer = await hub.customer({ serviceIdentifier: served.serviceIdentifier });
    const { task, conversation } = await offer;
    await agent.call('task.accept', { taskId: task.id });
    for (const text of ['one', 'two', 'three']) await customer.send(text);
    await agent.send('hello', { conversationId: conversation.id });
    const waiting = await hub.customer({ serviceIdentifier: unserved.serviceIdentifier });
    await waiting.send('anyone there?');
    const bad = await customer.call('message.send', { text: 42 } as never).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(HubCallError);
    const code = (bad as HubCallError).code;
    expect((await hub.admin('GET', '/api/no-such-route')).status).toBe(404);

    const live = await scrape();
    expect(value(live.node, 'hub_sockets', { role: 'customer' })).toBe(2);
    expect(value(live.node, 'hub_sockets', { role: 'agent' })).toBe(1);
    expect(value(live.node, 'hub_sockets', { role: 'supervisor' })).toBe(0);
    expect(value(live.hub, 'hub_conversations', { state: 'active' })).toBe(1);
    expect(value(live.hub, 'hub_conversations', { state: 'created' })).toBe(1);
    expect(value(live.hub, 'hub_conversations', { state: 'closing' })).toBe(0);
    expect(value(live.hub, 'hub_queue_waiting_tasks', { list: unserved.listId })).toBe(1);
    expect(value(live.hub, 'hub_queue_waiting_tasks', { list: served.listId })).toBeUndefined();
    expect(value(live.node, 'hub_queue_wait_seconds_count', { list: served.listId })).toBe(1);
    expect(value(live.node, 'hub_queue_wait_seconds_sum', { list: served.listId })).toBeGreaterThanOrEqual(0);
    expect(value(live.node, 'hub_activities_total', { type: 'message' })).toBeGreaterThanOrEqual(5);
    expect(value(live.node, 'hub_activities_total', { type: 'task.assigned' })).toBe(1);
    expect(value(live.node, 'hub_call_seconds_count', { event: 'message.send' })).toBeGreaterThanOrEqual(4);
    expect(value(live.node, 'hub_call_errors_total', { code })).toBeGreaterThanOrEqual(1);
    expect(value(live.node, 'hub_http_errors_total', { code: 'not_found' })).toBeGreaterThanOrEqual(1);
    expect(value(live.hub, 'hub_archive_dead_letters')).toBe(0);
    expect(value(live.node, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);

    // Silence: the inactivity timer fires, the agent leaves, the conversation closes and is archived.
    await nextActivity(agent, (a) => a.type === 'session.closed' && a.conversationId === conversation.id, 10_000);
    await agent.call('conversation.leave', { conversationId: conversation.id });
    await hub.archived(conversation.id);

    const after = await scrape();
    expect(value(after.node, 'hub_timer_lateness_seconds_count', { kind: 'inactivity' })).toBeGreaterThanOrEqual(1);
    expect(value(after.node, 'hub_timer_lateness_seconds_sum', { kind: 'inactivity' })).toBeGreaterThanOrEqual(0);
    expect(value(after.node, 'hub_timer_lateness_seconds_count', { kind: 'archive' })).toBeGreaterThanOrEqual(1);
    expect(value(after.node, 'hub_archive_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value(after.node, 'hub_archive_seconds_sum')).toBeGreaterThan(0);
    expect(value(after.node, 'hub_archive_failures_total')).toBe(0);
    expect(value(after.hub, 'hub_conversations', { state: 'active' })).toBe(0);
    expect(value(after.node, 'hub_activities_total', { type: 'session.closed' })).toBeGreaterThanOrEqual(1);
    // Present. Not asserted 0: two cluster nodes migrating one schema at once make a few failed queries, counted.
    expect(value(after.node, 'hub_redis_errors_total')).toBeGreaterThanOrEqual(0);
    expect(value(after.node, 'hub_postgres_errors_total')).toBeGreaterThanOrEqual(0);
  });

  test('webhook deliveries are counted by outcome', async () => {
    const si = `wa-${randomUUID().slice(0, 8)}`;
    if ((await hub.admin('GET', '/api/channel-types/whatsapp')).status === 404) {
      expect((await hub.admin('POST', '/api/channel-types', { id: 'whatsapp', name: 'WhatsApp' })).status).toBe(201);
    }
    expect((await hub.admin('POST', '/api/channels', { serviceIdentifier: si, name: 'WhatsApp', channelType: 'whatsapp', outboundWebhookUrl: webhookUrl })).status).toBe(201);
    const connector = await hub.client({ id: `conn-${si}`, role: 'connector', channels: [si] });
    const { conversationId } = await connector.call('connector.inbound', { serviceIdentifier: si, customer: { identifier: '+46700000001' }, message: { text: 'hi', clientMessageId: 'w-1' } });
    const supervisor = await hub.client({ id: `sup-${si}`, role: 'supervisor', name: 'Sam' });
    await supervisor.call('conversation.join', { conversationId });
    const before = await scrape();
    const count = (s: Series[], outcome: string) => value(s, 'hub_webhook_deliveries_total', { outcome }) ?? 0;
    for (const text of ['delivered', 'flaky', 'refuse']) await supervisor.send(text, { conversationId });

    const after = await scrapeUntil((s) => count(s.node, 'delivered') >= count(before.node, 'delivered') + 2 && count(s.node, 'failed') >= 1);
    // `delivered`, and `flaky` after one retry, are delivered; `refuse` is refused: failed, not retried.
    expect(count(after.node, 'delivered') - count(before.node, 'delivered')).toBeGreaterThanOrEqual(2);
    expect(count(after.node, 'retried')).toBe(1);
    expect(count(after.node, 'failed')).toBe(1);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { draft, openSession } from '../../server/domain/conversation.js';
import { closeRedis, connectRedis, type HubRedisClient } from '../../server/redis/connect.js';
import { BullMQScheduler } from '../../server/scheduler/bullmq-scheduler.js';
import type { Timer } from '../../server/scheduler/scheduler.js';
import { RedisConversationStore } from '../../server/store/redis-store.js';

// A private redis-server (the binary CI starts Redis with), killed and started again: the hub's
// node-redis clients and BullMQ must carry on by themselves. AOF on, as in docker/compose.

let dir: string;
let port: number;
let server: ChildProcess | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port: p } = s.address() as { port: number };
      s.close(() => resolve(p));
    });
  });
}

function startRedis(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.once('error', reject);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
}

function killRedis(): Promise<void> {
  const child = server!;
  server = undefined;
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function once(client: HubRedisClient, event: string): Promise<void> {
  return new Promise((resolve) => client.once(event, () => resolve()));
}

beforeAll(async () => {
  dir = mkdtempSync(joinPath(tmpdir(), 'hub-redis-'));
  port = await freePort();
  server = await startRedis();
});

afterAll(async () => {
  if (server) await killRedis();
  rmSync(dir, { recursive: true, force: true });
});

it('the store and the scheduler recover when Redis restarts; an armed timer survives it (AOF)', async () => {
  const url = `redis://127.0.0.1:${port}`;
  const client = await connectRedis(url);
  const store = new RedisConversationStore(client, { prefix: 'r:' });
  const scheduler = new BullMQScheduler(client, { queueName: 'restart' });
  const fired: Timer[] = [];
  let onFire: (() => void) | undefined;
  scheduler.handle('offer', async (t) => {
    fired.push(t);
    onFire?.();
  });
  await scheduler.start();
  try {
    const customerId = randomUUID();
    const input = {
      newConversationId: randomUUID(),
      customer: { id: customerId },
      serviceIdentifier: 'web',
      channelType: 'webchat',
      channelData: {},
      wrapUp: { enabled: false, timeoutSeconds: 60 },
      now: new Date().toISOString(),
    };
    const { doc } = await store.updateForCustomer(customerId, openSession(input));
    const msg = () => draft(doc.id, 'message', 'all', { id: customerId, role: 'customer' }, { text: 'hi' }, new Date().toISOString());
    await store.append(doc.id, msg());
    const dueAt = Date.now() + 1_500;
    await scheduler.set('offer', 'before-restart', dueAt, { n: 1 });

    const back = once(client, 'ready');
    await killRedis();
    server = await startRedis();
    await back;

    // Same data (AOF), new scripts cache (NOSCRIPT → EVAL), same client.
    const after = await store.append(doc.id, msg());
    expect(after.activity.seq).toBe(3);
    const firedOnce = new Promise<void>((resolve) => {
      onFire = () => fired.length >= 2 && resolve();
      onFire();
    });
    await scheduler.set('offer', 'after-restart', Date.now() + 200, { n: 2 });
    await firedOnce;
    expect(fired.map((t) => t.key).sort()).toEqual(['after-restart', 'before-restart']);
  } finally {
    await scheduler.close();
    await closeRedis(client);
  }
}, 30_000);

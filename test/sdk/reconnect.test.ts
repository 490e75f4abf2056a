/**
 * HubClient reconnects after any disconnect that is not the application's own `close()`, including
 * one the server made (`io server disconnect`, which socket.io-client does not retry) and a refused
 * handshake (a draining node), and catches up; it stays away after `close()` and after
 * `session.expired { reason: 'revoked' }`. Against a small real Socket.IO server on loopback that
 * plays the hub: a `conversation` push on connect and `activities.since` answers from its log.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Server, type Socket } from 'socket.io';
import { HubClient, type Activity } from '@conversation-hub/client-sdk';
import { waitFor } from '../helpers/wait.js';

const CONVERSATION = 'conv-1';
const log: Activity[] = [];
const activity = (seq: number): Activity => ({ id: `a${seq}`, conversationId: CONVERSATION, seq, type: 'message', payload: { text: `m${seq}` } }) as unknown as Activity;
log.push(activity(1));

let io: Server;
let url: string;
let refusing = false;
/** Every connection and every refused handshake, by token. */
const connections: { token: string; socket: Socket }[] = [];
const refusals: string[] = [];
const onConnection = new Set<(c: { token: string; socket: Socket }) => void>();
const onRefusal = new Set<(token: string) => void>();

beforeAll(async () => {
  const http = createServer();
  io = new Server(http);
  io.use((socket, next) => {
    const token = String(socket.handshake.auth.token);
    if (!refusing) return next();
    refusals.push(token);
    for (const fn of onRefusal) fn(token);
    next(Object.assign(new Error('internal'), { data: { code: 'internal', message: 'draining', details: { reason: 'draining' } } }));
  });
  io.on('connection', (socket) => {
    const token = String(socket.handshake.auth.token);
    socket.on('activities.since', (p: { afterSeq: number }, ack: (r: unknown) => void) =>
      ack({ ok: true, activities: log.filter((a) => a.seq > p.afterSeq), lastSeq: log.at(-1)!.seq }),
    );
    socket.emit('conversation', { id: CONVERSATION, lastSeq: log.at(-1)!.seq, activities: [...log] } as never);
    const c = { token, socket };
    connections.push(c);
    for (const fn of onConnection) fn(c);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => io.close(() => resolve())));

const next = <T>(set: Set<(v: T) => void>, match: (v: T) => boolean, what: string) =>
  waitFor<T>((fn) => (set.add(fn), () => set.delete(fn)), match, 5_000, what);
const connectionOf = (token: string) => next(onConnection, (c) => c.token === token, `a connection of ${token}`);
const socketOf = (token: string) => connections.filter((c) => c.token === token).at(-1)!.socket;
const count = (token: string) => connections.filter((c) => c.token === token).length;

async function client(token: string): Promise<{ c: HubClient; seen: Activity[] }> {
  const c = new HubClient(url, { token });
  const seen: Activity[] = [];
  c.onActivity((a) => seen.push(a));
  await c.connect();
  await c.conversation();
  return { c, seen };
}

/** Ends `token`'s socket from the server's side, as a draining node does. */
function drainOne(token: string): void {
  const s = socketOf(token);
  s.emit('reconnect', { reason: 'draining', message: 'this hub node is shutting down: connect again' });
  s.disconnect(true);
}

test('a server-side disconnect is followed by a reconnect and a catch-up; close() ends it for good', async () => {
  const { c, seen } = await client('t-drained');
  const pushed = waitFor<{ reason: string }>((fn) => c.on('reconnect', fn), () => true, 5_000, 'reconnect push');
  const back = connectionOf('t-drained');
  log.push(activity(2), activity(3)); // committed while the client is away
  drainOne('t-drained');
  expect(await pushed).toEqual({ reason: 'draining', message: expect.any(String) });
  await back;
  await waitFor<Activity>((fn) => c.onActivity(fn), () => seen.length === 3, 5_000, 'the catch-up');
  expect(seen.map((a) => a.seq)).toEqual([1, 2, 3]);

  // After close(), nothing: a control client drained at the same moment comes back, this one does not.
  const control = await client('t-control');
  const controlBack = connectionOf('t-control');
  const before = count('t-drained');
  c.close();
  drainOne('t-control');
  await controlBack;
  expect(c.socket.active).toBe(false);
  expect(count('t-drained')).toBe(before);
  control.c.close();
});

test('a refused handshake after the first connection is retried until the hub takes it', async () => {
  const { c } = await client('t-refused');
  refusing = true;
  const refusedTwice = next(onRefusal, (t) => t === 't-refused' && refusals.filter((r) => r === t).length >= 2, 'two refused handshakes');
  const before = count('t-refused');
  socketOf('t-refused').disconnect(true);
  await refusedTwice;
  const back = waitFor<void>((fn) => (c.socket.on('connect', fn), () => c.socket.off('connect', fn)), () => true, 5_000, 'connect');
  refusing = false;
  await back;
  expect(count('t-refused')).toBe(before + 1);
  c.close();
});

test('a revoked session is not reconnected', async () => {
  const { c } = await client('t-revoked');
  const control = await client('t-control-2');
  const controlBack = connectionOf('t-control-2');
  const gone = waitFor<string>((fn) => (c.socket.on('disconnect', fn), () => c.socket.off('disconnect', fn)), () => true, 5_000, 'disconnect');
  const before = count('t-revoked');
  const s = socketOf('t-revoked');
  s.emit('session.expired', { reason: 'revoked', message: 'the user was disabled' });
  s.disconnect(true);
  drainOne('t-control-2');
  expect(await gone).toBe('io server disconnect');
  await controlBack;
  expect(count('t-revoked')).toBe(before);
  expect(c.socket.active).toBe(false);
  c.close();
  control.c.close();
});

/**
 * The bench's baseline: a bare Socket.IO relay with the hub's socket options and wire shape, and
 * none of its logic (no auth, validation, store, seq, timers or routing). A socket joins the room
 * named in its handshake; `message.send` is acknowledged with an activity-shaped object and
 * emitted to the whole room (sender included, as the hub does). With RELAY_REDIS_URL it runs the
 * same `@socket.io/redis-adapter` as the hub's cluster mode, so two relays make a two-node relay.
 *
 * Env: PORT (0 = any), HOST, RELAY_REDIS_URL, RELAY_REDIS_PREFIX. Logs one JSON line
 * `{"msg":"relay listening","port":N}` on stdout.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
const redisUrl = process.env.RELAY_REDIS_URL;

const http = createServer((_req, res) => {
  res.writeHead(404).end();
});
const io = new Server(http, {
  serveClient: false,
  perMessageDeflate: false,
  maxHttpBufferSize: 256 * 1024,
  pingInterval: 20_000,
  pingTimeout: 20_000,
});

const closers: Array<() => Promise<unknown>> = [];
if (redisUrl) {
  const pub = createClient({ url: redisUrl, RESP: 2 });
  const sub = pub.duplicate();
  pub.on('error', () => undefined);
  sub.on('error', () => undefined);
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub, { key: process.env.RELAY_REDIS_PREFIX ?? 'bench-relay' }));
  closers.push(() => pub.quit(), () => sub.quit());
}

interface RelaySocketData {
  room: string;
  who: { id: string; role: string };
}

io.on('connection', (socket) => {
  const auth = (socket.handshake.auth ?? {}) as { room?: unknown; role?: unknown; id?: unknown };
  if (typeof auth.room !== 'string') return void socket.disconnect(true);
  const data = socket.data as RelaySocketData;
  data.room = auth.room;
  data.who = { id: String(auth.id ?? socket.id), role: String(auth.role ?? 'customer') };
  void socket.join(`conv:${auth.room}`);
  socket.on('message.send', (p: { text?: string; clientMessageId?: string }, ack?: (r: unknown) => void) => {
    const activity = {
      id: randomUUID(),
      conversationId: data.room,
      seq: 0,
      type: 'message',
      visibility: 'all',
      from: data.who,
      at: new Date().toISOString(),
      clientMessageId: p?.clientMessageId,
      payload: { text: p?.text },
    };
    io.to(`conv:${data.room}`).emit('activity', activity);
    ack?.({ ok: true, activity });
  });
});

await new Promise<void>((resolve) => http.listen(port, host, resolve));
process.stdout.write(`${JSON.stringify({ msg: 'relay listening', port: (http.address() as AddressInfo).port, pid: process.pid })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  io.disconnectSockets(true);
  io.close(() => {
    void Promise.allSettled(closers.map((c) => c())).then(() => process.exit(0));
  });
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('disconnect', stop);

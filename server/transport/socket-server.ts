import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import { CallSchemas, ChannelData, ErrorCode, type Ack, type CallName } from '@conversation-hub/client-sdk/contract';
import { forbidden, fromZodError, HubError, rateLimited, toErrorBody, badRequest } from '../domain/errors.js';
import type { Tokens } from '../auth/tokens.js';
import type { Hub } from '../engine/hub.js';
import { callRoutes, type CallRoute } from './calls.js';
import type { Metrics } from './metrics.js';
import { rooms } from './rooms.js';
import type { HubServer, HubSocket } from './socket-types.js';

export type { HubServer, HubSocket, SocketData } from './socket-types.js';

/** The Socket.IO server with the token check on the handshake. */
export function createSocketServer(http: HttpServer, opts: { tokens: Tokens }): HubServer {
  const io: HubServer = new Server(http, {
    serveClient: false,
    // Text frames are small: compressing them costs more CPU than it saves on loopback and LANs.
    perMessageDeflate: false,
    maxHttpBufferSize: 256 * 1024,
    pingInterval: 20_000,
    pingTimeout: 20_000,
    cors: { origin: true, credentials: true },
  });
  io.use((socket, next) => {
    opts.tokens.verify(socket.handshake.auth?.token).then(
      (actor) => {
        if (!actor) return next(new Error(ErrorCode.Unauthorized));
        socket.data.actor = actor;
        next();
      },
      (err: unknown) => next(err instanceof Error ? err : new Error(String(err))),
    );
  });
  return io;
}

/** Serves the calls of PROTOCOL.md §3: role check, rate limit, one schema per event, one answer shape. */
export function serveCalls(io: HubServer, hub: Hub, opts: { log: Logger; metrics: Metrics; rate: number }): void {
  const routes = callRoutes(hub);

  io.on('connection', (socket) => {
    const { actor } = socket.data;
    opts.metrics.sockets.inc();
    socket.join(rooms.participant(actor.id));
    if (actor.role === 'connector') for (const si of actor.channels) socket.join(rooms.connector(si));
    socket.data.ready = setUp(socket).catch((err: unknown) => {
      opts.log.warn({ err, participant: actor.id }, 'connection setup failed');
      socket.disconnect(true);
      throw err;
    });
    socket.data.ready.catch(() => opts.log.debug({ participant: actor.id }, 'calls refused: the connection setup failed'));
    const bucket = new TokenBucket(opts.rate, opts.rate * 2);

    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = typeof args.at(-1) === 'function' ? (args.pop() as (res: Ack<object>) => void) : undefined;
      const reply = (res: Ack<object>) => ack?.(res);
      const fail = (err: unknown) => reply({ ok: false, error: toErrorBody(err) });
      if (!Object.hasOwn(CallSchemas, event)) return fail(badRequest(`unknown event ${JSON.stringify(event)}`, { event }));
      const name = event as CallName;
      const route = routes[name] as unknown as CallRoute<CallName>;
      if (!route.roles.includes(actor.role)) return fail(forbidden(`${name} is not allowed for role ${actor.role}`));
      if (!bucket.take()) return fail(rateLimited('too many calls; slow down'));
      const parsed = CallSchemas[name].safeParse(args[0] ?? {});
      if (!parsed.success) return fail(fromZodError(parsed.error));
      const started = performance.now();
      socket.data.ready
        .then(() => {
          const { place } = socket.data;
          return route.handle({ actor, socketId: socket.id, ...(place ? { place } : {}) }, parsed.data as never);
        })
        .then(
          (r) => {
            if (r.place) socket.data.place = r.place;
            reply({ ok: true, ...r.result });
          },
          (err: unknown) => {
            if (!(err instanceof HubError)) opts.log.error({ err, event: name, participant: actor.id }, 'call failed');
            fail(err);
          },
        )
        .finally(() => opts.metrics.callSeconds.observe({ event: name }, (performance.now() - started) / 1000));
    });

    socket.on('disconnect', () => {
      opts.metrics.sockets.dec();
      if (actor.role === 'agent') hub.agents.socketClosed(actor).catch((err: unknown) => opts.log.warn({ err, agent: actor.id }, 'agent disconnect handling failed'));
    });
  });

  async function setUp(socket: HubSocket): Promise<void> {
    const { actor } = socket.data;
    if (actor.role === 'customer') {
      const channelData = ChannelData.safeParse(socket.handshake.auth?.channelData ?? {});
      const { place, view } = await hub.customers.connect({ actor, socketId: socket.id }, channelData.success ? channelData.data : {});
      socket.data.place = place;
      socket.emit('conversation', view);
    } else if (actor.role !== 'connector') {
      if (actor.role === 'agent') await hub.agents.connected(actor);
      for (const view of await hub.reads.viewsFor(actor)) socket.emit('conversation', view);
    }
  }
}

/** Calls per socket per second, with a burst. */
class TokenBucket {
  private tokens: number;
  private last = performance.now();
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

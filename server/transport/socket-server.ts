import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import { CallSchemas, ChannelData, ErrorCode, type Ack, type CallName } from '@conversation-hub/client-sdk/contract';
import { forbidden, fromZodError, HubError, toErrorBody, badRequest } from '../domain/errors.js';
import type { Actor } from '../domain/actor.js';
import type { Authenticate } from '../auth/handshake.js';
import type { Tokens } from '../auth/tokens.js';
import { withHubChannelData } from '../auth/visitor-tokens.js';
import { mayCall } from '../domain/policy.js';
import type { Hub } from '../engine/hub.js';
import { callRoutes, type CallRoute } from './calls.js';
import { guardUpgrades, type Edges } from './http/edges.js';
import type { HubWork } from './drain.js';
import { STRIKE_WINDOW_MS, type Limits } from './limits.js';
import type { Metrics } from './metrics.js';
import { rooms } from './rooms.js';
import { roomsSettled } from './sharded-adapter.js';
import { endAtExpiry } from './sessions.js';
import type { HubServer, HubSocket } from './socket-types.js';

export type { HubServer, HubSocket, SocketData } from './socket-types.js';

/** The largest frame the transport takes; an event's payload over MAX_EVENT_BYTES is refused with `too_large` (PROTOCOL.md §1.4). */
export const TRANSPORT_MAX_BYTES = 1024 * 1024;
export const MAX_EVENT_BYTES = 256 * 1024;

/** Who a token is, for the per-identity limits: its `sub` and role. */
export const identityOf = (actor: Actor) => `${actor.role}:${actor.id}`;

/** A handshake refusal the client reads in `connect_error`: `message` is the code, `data` the whole error. */
function refusal(err: HubError): Error {
  return Object.assign(new Error(err.code), { data: err.toBody() });
}

/**
 * The Socket.IO server and its handshake (PROTOCOL.md §2.1): the Origin allow-list (on the polling
 * handshake and the WebSocket upgrade, http/edges.ts), new connections per client address, the
 * token, then the identity's socket cap.
 */
export function createSocketServer(
  http: HttpServer,
  opts: { tokens: Tokens; limits: Limits; edges: Edges; /** Default: the hub's own tokens only. */ authenticate?: Authenticate; /** True while the node drains: handshakes are refused (transport/drain.ts). */ draining?: () => boolean },
): HubServer {
  const { limits, edges } = opts;
  const authenticate: Authenticate = opts.authenticate ?? ((token) => opts.tokens.verifyWithExpiry(token));
  const io: HubServer = new Server(http, {
    serveClient: false,
    // Text frames are small: compressing them costs more CPU than it saves on loopback and LANs.
    perMessageDeflate: false,
    // Above the hub's own per-event limit, so an oversized event is answered `too_large`, not cut off.
    maxHttpBufferSize: TRANSPORT_MAX_BYTES,
    pingInterval: 20_000,
    pingTimeout: 20_000,
    // CORS for the polling transport, for allowed origins only; the browser's WebSocket needs none.
    cors: { origin: (origin, cb) => cb(null, edges.corsOrigin(origin)), credentials: true },
    allowRequest: (req, cb) => {
      const refused = edges.refusedOrigin(req);
      cb(refused === undefined ? null : `origin ${refused} is not allowed to call this hub`, refused === undefined);
    },
  });
  guardUpgrades(http, edges);
  io.engine.on('headers', (headers: Record<string, string>) => {
    headers['X-Content-Type-Options'] = 'nosniff';
    headers['Referrer-Policy'] = 'no-referrer';
  });
  io.use((socket, next) => {
    const ip = edges.clientIp(socket.request);
    (async () => {
      if (opts.draining?.()) return next(refusal(new HubError(ErrorCode.Internal, 'this hub node is draining: connect again (the load balancer sends you to another node)', { reason: 'draining' })));
      if (!(await limits.connection(ip))) return next(refusal(new HubError(ErrorCode.RateLimited, 'too many new connections from this address; slow down', { scope: 'address' })));
      const found = await authenticate(socket.handshake.auth?.token);
      if (!found) return next(new Error(ErrorCode.Unauthorized));
      // A customer's channel data is checked here, so a bad one fails the connection with the field named, not silently dropped.
      if (found.actor.role === 'customer') {
        const channelData = ChannelData.safeParse(socket.handshake.auth?.channelData ?? {});
        if (!channelData.success) return next(refusal(fromZodError(channelData.error)));
      }
      const identity = identityOf(found.actor);
      if (!(await limits.sockets.acquire(identity, socket.id))) {
        const max = limits.sockets.max;
        return next(refusal(new HubError(ErrorCode.RateLimited, `too many sockets for this identity (at most ${max})`, { scope: 'sockets', limit: max })));
      }
      // Closed while waiting: Socket.IO drops it without a `disconnect`, so give the slot back here.
      if (socket.conn.readyState !== 'open') {
        limits.sockets.release(identity, socket.id);
        return next(new Error('closed during the handshake'));
      }
      socket.data.actor = found.actor;
      if (found.expiresAt !== undefined) socket.data.expiresAt = found.expiresAt;
      next();
    })().catch((err: unknown) => next(err instanceof Error ? err : new Error(String(err))));
  });
  return io;
}

/**
 * Serves the calls of PROTOCOL.md §3, every event checked in this order: the socket's rate, the
 * identity's rate (a socket refused too often is disconnected, §9), size, known event, role, the
 * payload's schema; then the call, with one answer shape.
 */
export function serveCalls(io: HubServer, hub: Hub, opts: { log: Logger; metrics: Metrics; limits: Limits; /** Counts calls and disconnect handling for a drain (transport/drain.ts). */ work?: HubWork }): void {
  const { limits } = opts;
  const routes = callRoutes(hub);

  // Redis came back after an outage (transport/resync.ts): pushes of the meantime were lost. The SDK
  // catches up the conversations it follows; this sets each local staff socket up again, so an
  // agent's presence and offers are current and a participant added meanwhile (a bot invited while
  // the push was lost) gets the view of a conversation it does not follow yet.
  io.of('/').adapter.on('resync', () => {
    for (const socket of io.of('/').sockets.values()) {
      const { actor } = socket.data;
      if (actor.role === 'customer' || actor.role === 'connector') continue;
      void setUpAgain(socket);
    }
  });

  /** A restarted Redis answers `LOADING` while it replays its AOF, after the clients are ready: retried for about a minute. */
  async function setUpAgain(socket: HubSocket): Promise<void> {
    for (let attempt = 1, wait = 250; socket.connected; attempt++, wait = Math.min(wait * 2, 5_000)) {
      try {
        return await setUp(socket);
      } catch (err) {
        if (attempt >= 15) return void opts.log.warn({ err, participantId: socket.data.actor.id }, 'set-up after a Redis return failed');
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  io.on('connection', (socket) => {
    const { actor } = socket.data;
    const stopExpiry = endAtExpiry(socket); // PROTOCOL.md §2.3: `session.expired`, then the hub disconnects
    opts.metrics.sockets.inc({ role: actor.role });
    const own = [rooms.participant(actor.id), ...(actor.role === 'connector' ? actor.channels.map(rooms.connector) : [])];
    socket.join(own);
    // Calls wait for the personal rooms' subscriptions: a push from another node after the first call reaches this socket.
    socket.data.ready = roomsSettled(io.of('/').adapter, own, 'here').then(() => setUp(socket)).catch((err: unknown) => {
      opts.log.warn({ err, participantId: actor.id, role: actor.role }, 'connection setup failed');
      socket.disconnect(true);
      throw err;
    });
    socket.data.ready.catch(() => opts.log.debug({ participantId: actor.id }, 'calls refused: the connection setup failed'));
    opts.work?.calls.track(socket.data.ready);
    const identity = identityOf(actor);
    const bucket = limits.socketBucket();
    const strikes = limits.strikes();

    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = typeof args.at(-1) === 'function' ? (args.pop() as (res: Ack<object>) => void) : undefined;
      const done = opts.work?.calls.begin() ?? (() => {});
      const reply = (res: Ack<object>) => {
        done();
        ack?.(res);
      };
      const fail = (err: unknown) => {
        const error = toErrorBody(err);
        opts.metrics.callErrors.inc({ code: error.code });
        reply({ ok: false, error });
      };
      const limited = (scope: 'socket' | 'identity') => {
        if (!socket.connected) return done();
        const cut = strikes.add();
        const why = scope === 'socket' ? 'too many calls on this socket; slow down' : 'too many calls for this identity; slow down';
        if (!cut) return fail(new HubError(ErrorCode.RateLimited, why, { scope }));
        const max = limits.config.socketStrikes;
        const err = new HubError(ErrorCode.RateLimited, `${why}; disconnected after ${max} refusals within ${STRIKE_WINDOW_MS / 1000} s`, { scope, disconnected: true });
        fail(err);
        socket.emit('error', err.toBody());
        opts.log.info({ participantId: actor.id, role: actor.role, scope }, 'socket disconnected: rate limited');
        socket.disconnect(true);
      };
      if (!bucket.take()) return limited('socket');
      // One call after another per socket, in the order they came: two messages sent back to back
      // are appended (and seen) in that order, whatever each one awaits on its way to the store.
      inOrder = inOrder.then(() =>
        limits.identityCall(identity).then(
          (ok) => (!socket.connected ? done() : ok ? call(event, args, reply, fail) : limited('identity')),
          (err: unknown) => fail(err),
        ),
      ).catch((err: unknown) => opts.log.error({ err }, 'call queue')); // never stalls the queue
    });
    let inOrder: Promise<void> = Promise.resolve();

    const call = async (event: string, args: unknown[], reply: (res: Ack<object>) => void, fail: (err: unknown) => void): Promise<void> => {
      if (!socket.connected) return;
      const size = sizeOf(args);
      if (size > MAX_EVENT_BYTES) {
        return fail(new HubError(ErrorCode.TooLarge, `payload is ${size} bytes; the limit is ${MAX_EVENT_BYTES} bytes (256 KiB)`, { limit: MAX_EVENT_BYTES }));
      }
      if (!Object.hasOwn(CallSchemas, event)) return fail(badRequest(`unknown event ${JSON.stringify(event)}`, { event }));
      const name = event as CallName;
      const route = routes[name] as unknown as CallRoute<CallName>;
      if (!mayCall(name, actor.role)) return fail(forbidden(`${name} is not allowed for role ${actor.role}`));
      const parsed = CallSchemas[name].safeParse(args[0] ?? {});
      if (!parsed.success) return fail(fromZodError(parsed.error));
      const started = performance.now();
      await socket.data.ready
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
            if (!(err instanceof HubError)) opts.log.error({ err, event: name, participantId: actor.id, ...conversationOf(parsed.data, socket.data.place) }, 'call failed');
            fail(err);
          },
        )
        .finally(() => opts.metrics.callSeconds.observe({ event: name }, (performance.now() - started) / 1000))
        .catch(() => undefined); // a failed set-up was answered above; the queue goes on
    };

    socket.on('disconnect', () => {
      stopExpiry();
      limits.sockets.release(identity, socket.id);
      opts.metrics.sockets.dec({ role: actor.role });
      if (actor.role !== 'agent') return;
      const closing = hub.agents.socketClosed(actor).catch((err: unknown) => opts.log.warn({ err, participantId: actor.id }, 'agent disconnect handling failed'));
      opts.work?.disconnects.track(closing); // RunningHub.close() waits for it before closing the parts
    });
  });

  async function setUp(socket: HubSocket): Promise<void> {
    const { actor } = socket.data;
    if (actor.role === 'customer') {
      // Checked in the handshake already: parse again for its output.
      const channelData = ChannelData.parse(socket.handshake.auth?.channelData ?? {});
      const { place, view } = await hub.customers.connect({ actor, socketId: socket.id }, withHubChannelData(channelData, actor.channelData));
      socket.data.place = place;
      socket.emit('conversation', view);
    } else if (actor.role !== 'connector') {
      if (actor.role === 'agent') await hub.agents.connected(actor);
      for (const view of await hub.reads.viewsFor(actor)) socket.emit('conversation', view);
    }
  }
}

/** The conversation a call is about, for its log line: the payload's, else the customer socket's. */
function conversationOf(payload: unknown, place: { conversationId: string } | undefined): { conversationId?: string } {
  const named = (payload as { conversationId?: unknown } | null)?.conversationId;
  if (typeof named === 'string') return { conversationId: named };
  return place ? { conversationId: place.conversationId } : {};
}

/** The event's arguments' size as JSON, in bytes; what cannot be measured counts as too large. */
function sizeOf(args: unknown[]): number {
  if (args.length === 0) return 0;
  const payload = args.length === 1 ? args[0] : args;
  if (typeof payload === 'string') return Buffer.byteLength(payload);
  if (payload === null || typeof payload !== 'object') return 0;
  try {
    return Buffer.byteLength(JSON.stringify(payload));
  } catch {
    return Infinity;
  }
}

import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';
import {
  CallSchemas,
  ChannelData,
  ErrorCode,
  type Ack,
  type CallInput,
  type CallName,
  type CallResults,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type TokenRole,
} from '@conversation-hub/client-sdk/contract';
import type { Actor, Tokens } from '../auth/tokens.js';
import { fromZodError, HubError } from '../domain/errors.js';
import type { CustomerPlace, Hub } from '../engine/hub.js';
import type { Metrics } from './metrics.js';
import { rooms } from './rooms.js';
import { callingSocket } from './socket-fanout.js';

export interface SocketData {
  actor: Actor;
  /** Customers: their session and conversation, once the connection has opened them. */
  place?: CustomerPlace;
  /** Resolves when the connection's setup (session, rejoining rooms) is done. */
  ready: Promise<void>;
}

export interface InterServerEvents {}

export type HubServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type HubSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

type Handler<E extends CallName> = (s: HubSocket, input: CallInput<E>) => Promise<CallResults[E]>;
interface Route<E extends CallName> {
  roles: readonly TokenRole[];
  handler: Handler<E>;
}
type Routes = { [E in CallName]?: Route<E> };

export function createSocketServer(http: HttpServer, opts: { tokens: Tokens; log: Logger; metrics: Metrics; rate: number }): HubServer {
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

/** Wires the calls of protocol.md §3 to the engine: auth per role, one schema per event, one answer shape. */
export function serveCalls(io: HubServer, hub: Hub, opts: { log: Logger; metrics: Metrics; rate: number }): void {
  const routes: Routes = {
    'message.send': {
      roles: ['customer', 'agent', 'supervisor', 'bot', 'app'],
      handler: async (s, input) => ({
        activity: s.data.actor.role === 'customer' ? await hub.customerMessage(s.data.actor, place(s), input) : await hub.participantMessage(s.data.actor, input),
      }),
    },
    typing: {
      roles: ['customer', 'agent', 'supervisor'],
      handler: async (s, input) => {
        const conversationId = s.data.actor.role === 'customer' ? place(s).conversationId : input.conversationId;
        if (!conversationId) throw new HubError(ErrorCode.BadRequest, 'conversationId: required', { field: 'conversationId' });
        await hub.typing(s.data.actor, conversationId, input.typing);
        return {};
      },
    },
    'activities.since': {
      roles: ['customer', 'agent', 'supervisor', 'bot', 'app'],
      handler: (s, input) => hub.since(s.data.actor, input),
    },
    'session.end': {
      roles: ['customer'],
      handler: async (s) => {
        await hub.endSession(place(s));
        return {};
      },
    },
    'whisper.send': {
      roles: ['agent', 'supervisor', 'bot'],
      handler: async (s, input) => ({ activity: await hub.whisper(s.data.actor, input) }),
    },
    'custom.send': {
      roles: ['app', 'bot', 'agent', 'supervisor'],
      handler: async (s, input) => ({ activity: await hub.custom(s.data.actor, input) }),
    },
    'suggestion.send': {
      roles: ['bot'],
      handler: async (s, input) => ({ activity: await hub.suggestion(s.data.actor, input) }),
    },
    'handoff.request': {
      roles: ['bot'],
      handler: async (s, input) => ({ task: await hub.handoff(s.data.actor, input) }),
    },
    'agent.state': {
      roles: ['agent'],
      handler: async (s, input) => ({ state: await hub.agentState(s.data.actor, input) }),
    },
    'task.accept': {
      roles: ['agent'],
      handler: async (s, input) => ({ conversation: await hub.acceptTask(s.data.actor, input.taskId) }),
    },
    'task.reject': {
      roles: ['agent'],
      handler: async (s, input) => {
        await hub.rejectTask(s.data.actor, input.taskId);
        return {};
      },
    },
    'queue.list': {
      roles: ['agent'],
      handler: async (_s, input) => ({ tasks: await hub.queue(input.listId) }),
    },
    'task.pull': {
      roles: ['agent'],
      handler: async (s, input) => ({ conversation: await hub.pullTask(s.data.actor, input.taskId) }),
    },
    'conversation.transfer': {
      roles: ['agent'],
      handler: async (s, input) => ({ task: await hub.transfer(s.data.actor, input) }),
    },
    'wrapup.submit': {
      roles: ['agent'],
      handler: async (s, input) => {
        await hub.submitWrapUp(s.data.actor, input);
        return {};
      },
    },
    'customer.history': {
      roles: ['agent', 'supervisor'],
      handler: async (_s, input) => ({ conversations: await hub.customerHistory(input) }),
    },
    'connector.inbound': {
      roles: ['connector'],
      handler: (s, input) => hub.connectorInbound(s.data.actor, input),
    },
    'connector.session.end': {
      roles: ['connector'],
      handler: async (s, input) => {
        await hub.connectorSessionEnd(s.data.actor, input);
        return {};
      },
    },
    'conversation.join': {
      roles: ['supervisor', 'app'],
      handler: async (s, input) => ({ conversation: await hub.join(s.data.actor, input.conversationId) }),
    },
    'conversation.leave': {
      roles: ['agent', 'supervisor', 'bot', 'app'],
      handler: async (s, input) => {
        await hub.leave(s.data.actor, input.conversationId);
        return {};
      },
    },
  };

  io.on('connection', (socket) => {
    const { actor } = socket.data;
    opts.metrics.sockets.inc();
    socket.join(rooms.participant(actor.id));
    if (actor.role === 'connector') for (const si of actor.channels ?? []) socket.join(rooms.connector(si));
    socket.data.ready = setUp(socket).catch((err: unknown) => {
      opts.log.warn({ err, participant: actor.id }, 'connection setup failed');
      socket.disconnect(true);
      throw err;
    });
    socket.data.ready.catch(() => {});
    const bucket = new TokenBucket(opts.rate, opts.rate * 2);

    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = typeof args.at(-1) === 'function' ? (args.pop() as (res: Ack<object>) => void) : undefined;
      const reply = (res: Ack<object>) => ack?.(res);
      if (!Object.hasOwn(CallSchemas, event)) return reply(fail(new HubError(ErrorCode.BadRequest, `unknown event ${JSON.stringify(event)}`, { event })));
      const name = event as CallName;
      const route = routes[name] as Route<CallName> | undefined;
      if (!route) return reply(fail(new HubError(ErrorCode.BadRequest, `${name} is not available yet`, { event })));
      if (!route.roles.includes(actor.role)) return reply(fail(new HubError(ErrorCode.Forbidden, `${name} is not allowed for role ${actor.role}`)));
      if (!bucket.take()) return reply(fail(new HubError(ErrorCode.RateLimited, 'too many calls; slow down')));
      const parsed = CallSchemas[name].safeParse(args[0] ?? {});
      if (!parsed.success) return reply(fail(fromZodError(parsed.error)));
      const started = performance.now();
      socket.data.ready
        .then(() => callingSocket.run(socket.id, () => route.handler(socket, parsed.data as never)))
        .then(
          (result) => reply({ ok: true, ...result }),
          (err: unknown) => {
            if (!(err instanceof HubError)) opts.log.error({ err, event: name, participant: actor.id }, 'call failed');
            reply(fail(err));
          },
        )
        .finally(() => opts.metrics.callSeconds.observe({ event: name }, (performance.now() - started) / 1000));
    });

    socket.on('disconnect', () => {
      opts.metrics.sockets.dec();
      if (actor.role === 'agent') hub.agentSocketClosed(actor).catch((err: unknown) => opts.log.warn({ err, agent: actor.id }, 'agent disconnect handling failed'));
    });
  });

  async function setUp(socket: HubSocket): Promise<void> {
    const { actor } = socket.data;
    if (actor.role === 'customer') {
      const channelData = ChannelData.safeParse(socket.handshake.auth?.channelData ?? {});
      const { place, view } = await hub.connectCustomer(actor, channelData.success ? channelData.data : {});
      socket.data.place = place;
      socket.emit('conversation', view);
    } else if (actor.role !== 'connector') {
      if (actor.role === 'agent') await hub.agentConnected(actor);
      for (const view of await hub.viewsFor(actor)) socket.emit('conversation', view);
    }
  }
}

function place(s: HubSocket): CustomerPlace {
  if (!s.data.place) throw new HubError(ErrorCode.Conflict, 'the customer session is not open');
  return s.data.place;
}

function fail(err: unknown): Ack<never> {
  if (err instanceof HubError) return { ok: false, error: err.toBody() };
  return { ok: false, error: { code: ErrorCode.Internal, message: 'internal error' } };
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

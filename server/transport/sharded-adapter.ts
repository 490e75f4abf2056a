import { createShardedAdapter } from '@socket.io/redis-adapter';
import keySlot from 'cluster-key-slot';
import { MessageType, type Adapter, type BroadcastOptions, type Room } from 'socket.io-adapter';

/**
 * Sharded Pub/Sub, the gaps it opens and how they are closed (issue 15; both seen under load on
 * the local Redis Cluster):
 *
 * 1. A node hears a room only once it has SSUBSCRIBEd to the room's channel, and the redis adapter
 *    subscribes when the room gets its first socket there without waiting for Redis' answer. A push
 *    published just after a join can reach Redis before the subscription that should carry it.
 *    `settled(rooms)` resolves once every node holding the rooms' sockets is subscribed: locally it
 *    awaits the pending SSUBSCRIBEs; elsewhere it asks each node, on the main channel behind the
 *    join itself, to answer once its own SSUBSCRIBEs for the rooms are confirmed.
 * 2. The adapter applies this node's own operations locally only after Redis has acknowledged
 *    their publish, and a room's pushes and the joins and leaves (on the main channel) are answered
 *    by different shards of a cluster: a leave issued after a push could take effect first, and the
 *    agent leaving would miss the `participant.left` and `state.changed` just published. Here a
 *    join or a leave waits for the pushes in flight, and a push for the joins and leaves in flight,
 *    so this node applies them in the order they were issued. Pushes among themselves stay
 *    concurrent: one room's pushes share a channel, so Redis answers them in order.
 *
 * 3. The same across nodes, on a Redis Cluster only: another node's leave (or join) arrives on the
 *    main channel's shard, the pushes before it on the room's shard, and the two connections race.
 *    Before applying a leave or join from elsewhere, a node drains the room's shard connection
 *    (PING on it: Redis wrote the earlier pushes to that connection before the PONG) for the rooms
 *    it has sockets in; the main channel's later messages wait in order behind it.
 *
 * The classic adapter needs none of this: one subscription per node carries every room, in order.
 */

/** The subscriber's two calls the sharded adapter makes (node-redis, one Redis or a cluster). */
export interface ShardedSubscriber {
  sSubscribe(channels: string | string[], listener: never, bufferMode?: true): Promise<unknown>;
  sUnsubscribe(channels?: string | string[], listener?: never, bufferMode?: true): Promise<unknown>;
}

/** node-redis' cluster client, as far as this needs it: which connection a sharded channel's messages come on. */
interface ClusterSubscriber {
  slots: { master: { pubSub?: { client: { sendCommand(args: string[]): Promise<unknown> } } } }[];
}

/** On a cluster: resolves once every message Redis wrote to the channels' connections so far has been handled. */
function drainer(sub: ShardedSubscriber): ((channels: readonly string[]) => Promise<void>) | undefined {
  if (!('slots' in sub)) return undefined; // one Redis, one subscriber connection: already in order
  const cluster = sub as unknown as ClusterSubscriber; // its slot table is read each time: a resharding replaces it
  return (channels) =>
    Promise.all(channels.map((channel) => cluster.slots[keySlot(channel)]?.master.pubSub?.client.sendCommand(['PING']))).then(
      () => {},
      () => {},
    );
}

/** A subscriber for the adapter that remembers each SSUBSCRIBE until Redis has answered it. */
export function trackSubscriptions(sub: ShardedSubscriber): { client: ShardedSubscriber; pending(channel?: string): Promise<void> | undefined } {
  const pending = new Map<string, Promise<void>>();
  const client: ShardedSubscriber = {
    sSubscribe(channels, listener, bufferMode) {
      const answer = sub.sSubscribe(channels, listener, bufferMode);
      // Settles either way: a failed subscription is the resync's business (transport/resync.ts), not the join's.
      const done = answer.then(
        () => {},
        () => {},
      );
      for (const channel of [channels].flat()) {
        pending.set(channel, done);
        void done.then(() => pending.get(channel) === done && pending.delete(channel));
      }
      return answer;
    },
    sUnsubscribe: (channels, listener, bufferMode) => sub.sUnsubscribe(channels, listener, bufferMode),
  };
  // No channel: every subscription asked for so far (the adapter's own two, at its start).
  return { client, pending: (channel) => (channel === undefined ? Promise.all(pending.values()).then(() => {}) : pending.get(channel)) };
}

const EVENT = 'hub:rooms-settled';
const SETTLE_LIMIT_MS = 5_000;

export interface SettlingAdapter extends Adapter {
  /** Every node holding the rooms' sockets has applied this node's joins and leaves and is subscribed. */
  settled(rooms: readonly string[]): Promise<void>;
  /** This node is: enough for rooms only its own sockets joined (a connection's personal room). */
  subscribed(rooms: readonly string[]): Promise<void>;
  /** The adapter hears its main and response channels: this node counts and answers requests. */
  started(): Promise<void>;
}

type AdapterFactory = (nsp: unknown) => Adapter;

interface Namespace {
  name: string;
  on(event: string, fn: (...args: unknown[]) => void): unknown;
}

/**
 * This node's pushes and moves (joins, leaves) in the order issued, at a constant cost each: moves
 * run one after another, each once the pushes issued before it are done (one generation of pushes
 * per move); a push issued while a move is in flight runs after that move.
 */
export function orderGate() {
  const generationOf = () => {
    let resolve = () => {};
    const done = new Promise<void>((r) => (resolve = r));
    return { count: 0, closed: false, done, resolve };
  };
  let generation = generationOf();
  let lastMove: Promise<unknown> = Promise.resolve();
  let movesInFlight = 0;
  return {
    push(run: () => Promise<unknown>): void {
      const g = generation;
      g.count++;
      const end = () => {
        if (--g.count === 0 && g.closed) g.resolve();
      };
      (movesInFlight ? lastMove.then(run) : run()).then(end, end);
    },
    move<T>(op: () => T | Promise<T>): Promise<T> {
      const before = generation;
      before.closed = true;
      if (before.count === 0) before.resolve();
      generation = generationOf();
      movesInFlight++;
      const result = Promise.all([lastMove, before.done])
        .then(op)
        .finally(() => movesInFlight--);
      lastMove = result.catch(() => {});
      return result;
    },
    /** Resolves once the moves issued so far have been applied here. */
    moved: (): Promise<unknown> => lastMove,
  };
}

/** Bounded: a node that does not answer (or Redis away) only delays the caller, by at most 5 s. */
function within(work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, SETTLE_LIMIT_MS)));
  return Promise.race([work.then(() => {}), limit]).finally(() => clearTimeout(timer));
}

/** Wraps the sharded adapter's factory: its adapters keep this node's order and answer `settled(rooms)`. */
export function settlingAdapter(
  make: AdapterFactory,
  opts: { channelPrefix: string; pending(channel?: string): Promise<void> | undefined; drain?: ((channels: readonly string[]) => Promise<void>) | undefined },
): AdapterFactory {
  return function settling(nsp: unknown) {
    const adapter = make(nsp) as SettlingAdapter;
    const ns = nsp as Namespace;
    const gate = orderGate();
    const broadcast = adapter.broadcast.bind(adapter);
    adapter.broadcast = (packet: unknown, o: BroadcastOptions) => gate.push(() => Promise.resolve(broadcast(packet, o)));
    const addSockets = adapter.addSockets.bind(adapter);
    const delSockets = adapter.delSockets.bind(adapter);
    adapter.addSockets = (o: BroadcastOptions, r: Room[]) => void gate.move(() => addSockets(o, r));
    adapter.delSockets = (o: BroadcastOptions, r: Room[]) => void gate.move(() => delSockets(o, r));

    // The adapter's channels: its main one, and one per room (ShardedRedisAdapter.dynamicChannel).
    const main = `${opts.channelPrefix}#${ns.name}#`;
    const channelOf = (room: string) => `${main}${room}#`;
    const local = (rooms: readonly string[]) => Promise.all(rooms.map((room) => opts.pending(channelOf(room)))).then(() => {});
    if (opts.drain) drainBeforeMoves(adapter as unknown as RawReceiver, main, channelOf, opts.drain);
    ns.on(EVENT, (rooms, answer) => {
      if (!Array.isArray(rooms) || typeof answer !== 'function') return;
      void local(rooms.filter((r): r is string => typeof r === 'string')).then(() => answer(true));
    });
    const started = opts.pending() ?? Promise.resolve();
    adapter.started = () => within(started);
    adapter.subscribed = (rooms) => within(gate.moved().then(() => local(rooms)));
    adapter.settled = (rooms) =>
      within(
        gate.moved().then(() => {
          // Published after this node's joins and leaves, on the same channel: each node has applied them when it answers.
          const elsewhere = new Promise<void>((resolve) => {
            Promise.resolve(adapter.serverSideEmit([EVENT, rooms, () => resolve()])).catch(() => resolve());
          });
          return Promise.all([local(rooms), elsewhere]);
        }),
      );
    return adapter;
  };
}

interface RawReceiver {
  uid: string;
  rooms: Map<string, Set<string>>;
  onRawMessage(message: Buffer, channel: Buffer): void;
}

/** Point 3 above: the main channel's messages in order, a join or leave from elsewhere after its rooms' pushes. */
function drainBeforeMoves(adapter: RawReceiver, main: string, channelOf: (room: string) => string, drain: (channels: readonly string[]) => Promise<void>): void {
  const receive = adapter.onRawMessage.bind(adapter);
  let queue = Promise.resolve();
  let waiting = 0;
  adapter.onRawMessage = (message, channel) => {
    if (channel.toString() !== main) return receive(message, channel);
    const rooms = movedRooms(message, adapter.uid).filter((room) => adapter.rooms.has(room));
    if (rooms.length === 0 && waiting === 0) return receive(message, channel);
    waiting++;
    queue = queue
      .then(() => (rooms.length ? within(drain(rooms.map(channelOf))) : undefined))
      .then(() => receive(message, channel))
      .catch(() => {}) // the adapter logs its own; the queue goes on
      .finally(() => waiting--);
  };
}

/** The rooms of another node's SOCKETS_JOIN or SOCKETS_LEAVE; none for any other message. */
function movedRooms(message: Buffer, self: string): string[] {
  if (message[0] !== 0x7b) return []; // joins and leaves are JSON; binary broadcasts are msgpack
  try {
    const m = JSON.parse(message.toString()) as { type?: number; uid?: string; data?: { rooms?: unknown } };
    if ((m.type !== MessageType.SOCKETS_JOIN && m.type !== MessageType.SOCKETS_LEAVE) || m.uid === self || !Array.isArray(m.data?.rooms)) return [];
    return m.data.rooms.filter((r): r is string => typeof r === 'string');
  } catch {
    return [];
  }
}

/** Waits until the adapter hears its own channels (the sharded one); at once for others. */
export function adapterStarted(adapter: Adapter): Promise<void> {
  return 'started' in adapter ? (adapter as SettlingAdapter).started() : Promise.resolve();
}

/** Waits for the rooms' subscriptions (`here`: this node's only) where the adapter can tell (the sharded one); at once elsewhere. */
export function roomsSettled(adapter: Adapter, rooms: readonly string[], scope: 'everywhere' | 'here' = 'everywhere'): Promise<void> {
  if (!('settled' in adapter)) return Promise.resolve();
  const settling = adapter as SettlingAdapter;
  return scope === 'here' ? settling.subscribed(rooms) : settling.settled(rooms);
}

/** The sharded adapter, one channel per room (dynamic subscriptions), in order and with `settled(rooms)`. */
export function shardedAdapter(pub: unknown, sub: ShardedSubscriber, channelPrefix: string): AdapterFactory {
  const tracked = trackSubscriptions(sub);
  return settlingAdapter(createShardedAdapter(pub, tracked.client, { channelPrefix, subscriptionMode: 'dynamic' }) as never, { channelPrefix, pending: tracked.pending, drain: drainer(sub) });
}

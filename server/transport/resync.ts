import type { Logger } from 'pino';
import type { Adapter } from 'socket.io-adapter';
import type { ResyncPush } from '@conversation-hub/client-sdk/contract';
import type { HubRedisClient } from '../redis/connect.js';

/** What a connection needs to be watched: node-redis' events and its `isReady`. */
type Watched = Pick<HubRedisClient, 'isReady' | 'on' | 'off'>;

/**
 * Calls `onReturn` each time the connections are all ready again after any of them was lost
 * (`error` or `reconnecting`), once per outage however many of them dropped. node-redis emits
 * `ready` only after it has re-sent SUBSCRIBE/PSUBSCRIBE and had them confirmed, so for the
 * adapter's subscriber `ready` means: from now on, this node hears every publish again.
 * Answers a function that stops watching.
 */
export function watchRedisReturns(clients: readonly Watched[], onReturn: () => void): () => void {
  let lost = false;
  const onLost = () => {
    lost = true;
  };
  const onReady = () => {
    if (!lost || !clients.every((c) => c.isReady)) return;
    lost = false;
    onReturn();
  };
  // A cluster client tells of each node's connection with `node-` events (node-redis' cluster-slots).
  const events: [string, () => void][] = [['error', onLost], ['reconnecting', onLost], ['ready', onReady], ['node-error', onLost], ['node-reconnecting', onLost], ['node-ready', onReady]];
  for (const c of clients) for (const [event, fn] of events) c.on(event as 'error', fn);
  return () => {
    for (const c of clients) for (const [event, fn] of events) c.off(event as 'error', fn);
  };
}

/** The part of a Socket.IO namespace this module uses. */
interface LocalNamespace {
  name: string;
  sockets: Map<string, unknown>;
  local: { emit(event: 'resync', push: ResyncPush): boolean };
}

type AdapterFactory = (nsp: unknown) => Adapter;

/**
 * No silent gap after a Redis restart (PROTOCOL.md §4, §5): activities committed while this node's
 * subscriber was away were stored and acknowledged, but their pushes never reached this node. Once
 * every watched connection is back (the adapter's `pub` and `sub`, and the store's client), each
 * socket of this node (`local`: other nodes see their own connections come back) gets `resync`,
 * on which the SDK catches up every conversation it follows with `activities.since`.
 *
 * Wraps the adapter so the namespace is at hand and the watch ends with it.
 */
export function resyncingAdapter(make: AdapterFactory, opts: { clients: readonly Watched[]; log?: Logger }): AdapterFactory {
  // A function, not an arrow: Socket.IO calls the adapter factory with `new`.
  return function resyncing(nsp: unknown) {
    const adapter = make(nsp);
    const ns = nsp as LocalNamespace;
    const stop = watchRedisReturns(opts.clients, () => {
      opts.log?.info({ namespace: ns.name, sockets: ns.sockets.size }, 'redis back: local sockets told to resync');
      ns.local.emit('resync', {});
      // For the server's own catch-up (socket-server.ts): views and agent presence set up again.
      adapter.emit('resync');
    });
    const close = adapter.close.bind(adapter);
    adapter.close = () => {
      stop();
      return close();
    };
    return adapter;
  };
}

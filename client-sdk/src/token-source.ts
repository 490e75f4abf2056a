import type { ChannelData } from './contract/index.js';

/**
 * A token, or a function answering a fresh one (PROTOCOL.md §2.3): called before every connection
 * attempt, the first and every reconnect, so it should answer a token with time left (refreshing
 * it when needed). With a function the client reconnects by itself when the hub ends the socket
 * because its token expired (`session.expired`, reason `expired`), and catches up on what it missed.
 */
export type TokenSource = string | (() => string | Promise<string>);

/** socket.io's `auth`: an object for a fixed token, a callback (run before every attempt) for a token function. */
export function authOf(token: TokenSource, channelData: ChannelData | undefined) {
  const extra = channelData ? { channelData } : {};
  if (typeof token === 'string') return { token, ...extra };
  return (cb: (data: object) => void) => {
    Promise.resolve()
      .then(token)
      .then(
        (t) => cb({ token: t, ...extra }),
        // No token: the handshake is refused (`unauthorized`) and, after a first connection, retried.
        () => cb({ token: '', ...extra }),
      );
  };
}

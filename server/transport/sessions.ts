import type { Sessions } from '../ports.js';
import { rooms } from './rooms.js';
import type { HubServer, HubSocket } from './socket-types.js';

/** setTimeout's longest delay; a later expiry is waited for in steps. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * Ends the socket when its token expires (PROTOCOL.md §2.3): a `session.expired` push with reason
 * `expired`, then a server-side disconnect. A client with a fresh token connects again and catches
 * up. Answers a function that cancels the timer (call it on disconnect).
 */
export function endAtExpiry(socket: HubSocket): () => void {
  const at = socket.data.expiresAt;
  if (at === undefined) return () => {};
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = at - Date.now();
    if (left > MAX_DELAY) return void (timer = setTimeout(arm, MAX_DELAY));
    timer = setTimeout(() => {
      socket.emit('session.expired', { reason: 'expired', message: 'token expired' });
      socket.disconnect(true);
    }, Math.max(0, left));
  };
  arm();
  return () => clearTimeout(timer);
}

/**
 * Sessions through the Socket.IO adapter: the Redis adapter carries the push and the
 * `disconnectSockets` of a participant's room to every node.
 */
export function socketSessions(io: HubServer): Sessions {
  return {
    async dropUser(userId) {
      const room = io.in(rooms.participant(userId));
      room.emit('session.expired', { reason: 'revoked', message: 'the user was disabled' });
      room.disconnectSockets(true);
    },
  };
}

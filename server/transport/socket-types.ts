import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@conversation-hub/client-sdk/contract';
import type { Actor } from '../domain/actor.js';
import type { CustomerPlace } from '../engine/context.js';

export interface SocketData {
  actor: Actor;
  /** Customers: their session and conversation, once the connection has opened them; moved by the calls that move them. */
  place?: CustomerPlace;
  /** When the handshake's token expires (epoch ms): the hub ends the socket then (transport/sessions.ts). */
  expiresAt?: number;
  /** Resolves when the connection's setup (session, rejoining rooms) is done. */
  ready: Promise<void>;
}

// Nothing is sent between nodes but what the adapter carries for rooms.
export interface InterServerEvents {}

export type HubServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type HubSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

import type { Activity, ConnectorOutbound, ServerToClientEvents, TypingPush } from '@conversation-hub/client-sdk/contract';
import type { Fanout } from '../ports.js';
import { rooms } from './rooms.js';
import { roomsSettled } from './sharded-adapter.js';
import type { HubServer } from './socket-types.js';

/** The engine's Fanout on Socket.IO rooms: the adapter (in-memory or Redis) carries it to every node. */
export class SocketFanout implements Fanout {
  constructor(
    private readonly io: HubServer,
    /** The publish step's webhooks (server/webhooks/dispatch.ts): told of every activity and every connector.outbound. */
    private readonly hooks: { activities?(list: readonly Activity[]): void; connectorOutbound?(o: ConnectorOutbound): void } = {},
  ) {}

  activities(list: readonly Activity[], skipSocket?: string): void {
    for (const a of list) {
      // `agents` activities go only to the agents' room: a customer socket is never in it.
      const room = a.visibility === 'all' ? rooms.conversation(a.conversationId) : rooms.agents(a.conversationId);
      // A socket id is also a room: the caller's other tabs still get it.
      (skipSocket ? this.io.to(room).except(skipSocket) : this.io.to(room)).emit('activity', a);
    }
    this.hooks.activities?.(list);
  }

  async join(participantId: string, conversationId: string, seesAgents: boolean): Promise<void> {
    const target = seesAgents ? [rooms.conversation(conversationId), rooms.agents(conversationId)] : [rooms.conversation(conversationId)];
    this.io.in(rooms.participant(participantId)).socketsJoin(target);
    // Resolves once every node is subscribed to the rooms: the pushes that follow reach the joined sockets.
    await this.settled(target);
  }

  async leave(participantId: string, conversationId: string): Promise<void> {
    const target = [rooms.conversation(conversationId), rooms.agents(conversationId)];
    this.io.in(rooms.participant(participantId)).socketsLeave(target);
    // Every node has applied the leave: no push that follows reaches the sockets that left.
    await this.settled(target);
  }

  toParticipant<E extends keyof ServerToClientEvents>(participantId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.io.to(rooms.participant(participantId)).emit(event, ...args);
  }

  typing(push: TypingPush): void {
    this.io.to(rooms.conversation(push.conversationId)).except(rooms.participant(push.from.id)).emit('typing', push);
  }

  toList<E extends keyof ServerToClientEvents>(listId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.io.to(rooms.list(listId)).emit(event, ...args);
  }

  async setLists(agentId: string, join: string[], leave: string[]): Promise<void> {
    if (leave.length) this.io.in(rooms.participant(agentId)).socketsLeave(leave.map(rooms.list));
    if (join.length) this.io.in(rooms.participant(agentId)).socketsJoin(join.map(rooms.list));
    if (join.length || leave.length) await this.settled([...join, ...leave].map(rooms.list));
  }

  async isConnected(participantId: string): Promise<boolean> {
    // Asks every node (through the adapter): a socket may live anywhere.
    const sockets = await this.io.in(rooms.participant(participantId)).fetchSockets();
    return sockets.length > 0;
  }

  async watchDashboard(socketId: string, on: boolean): Promise<void> {
    // A socket id is a room of that one socket: through the adapter, wherever it is connected.
    if (on) this.io.in(socketId).socketsJoin(rooms.dashboard);
    else this.io.in(socketId).socketsLeave(rooms.dashboard);
    await this.settled([rooms.dashboard]);
  }

  async hasWatchers(): Promise<boolean> {
    return (await this.io.in(rooms.dashboard).fetchSockets()).length > 0;
  }

  toWatchers<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.io.to(rooms.dashboard).emit(event, ...args);
  }

  /** Every node with the rooms' sockets has applied this node's joins and leaves (transport/sharded-adapter.ts). */
  private settled(target: readonly string[]): Promise<void> {
    return roomsSettled(this.io.of('/').adapter, target);
  }

  connectorOutbound(outbound: ConnectorOutbound): void {
    this.io.to(rooms.connector(outbound.serviceIdentifier)).emit('connector.outbound', outbound);
    this.hooks.connectorOutbound?.(outbound);
  }
}

import type { ParticipantRole } from '@conversation-hub/client-sdk/contract';

/** Who a socket or HTTP caller is, from its token's claims (PROTOCOL.md §2.1). */
interface ActorBase {
  id: string;
  name?: string;
}
/** A customer speaks through one channel: the one their token was issued for. */
export type CustomerActor = ActorBase & {
  role: 'customer';
  serviceIdentifier: string;
  /** Channel data the hub vouches for (webchat: `verified`, `prechatEmail`, `emailVerified`...), laid over the socket's own (PROTOCOL.md §2.2). */
  channelData?: Record<string, string>;
};
/** A channel connector (WhatsApp, SMS...) speaks for the customers of the channels it serves. */
export type ConnectorActor = ActorBase & { role: 'connector'; channels: string[] };
export type StaffActor = ActorBase & { role: 'agent' | 'supervisor' | 'bot' | 'app' | 'controller' };
export type Actor = CustomerActor | ConnectorActor | StaffActor;

/** The role a token speaks as inside a conversation: a connector speaks for the customer. */
export function participantRole(actor: Actor): ParticipantRole {
  return actor.role === 'connector' ? 'customer' : actor.role;
}

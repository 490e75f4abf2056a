import type { Activity, ActivityDraft, AgentTask, Channel, ParticipantRole, ReceiptPush, RoutingMode } from '@conversation-hub/client-sdk/contract';
import type { EventSeed } from '../domain/after-write.js';
import type { ControllerAction } from '../domain/controller-rules.js';
import type { ConversationDoc, Transition } from '../domain/conversation.js';
import type { AppendOptions } from '../ports.js';

/** A change to one conversation, as the store commits it. */
export type Write =
  | { type: 'append'; draft: ActivityDraft; options?: AppendOptions }
  | { type: 'update'; conversationId: string; tx: Transition<ConversationDoc, unknown> }
  | { type: 'forCustomer'; customerId: string; tx: Transition<ConversationDoc | null, unknown> };

/** What a write committed. `doc` is absent for an append (one round trip on the hot path). */
export interface Written {
  conversationId: string;
  doc?: ConversationDoc;
  activities: Activity[];
  result: unknown;
}

/** One unit of work of the pipeline's queue. */
export type Step =
  | {
      kind: 'write';
      write: Write;
      /** The calling socket, whose acknowledgement carries the activities: the publish skips it. */
      skipSocket?: string;
      /** Events the write produced that its activities do not say (a handoff's list). */
      events?: EventSeed[];
      /** A customer's message: the channel it came through, whose hub-run bot gets a turn. */
      via?: string;
      /** Set on writes that may find the conversation gone or closing: then logged at debug and skipped. */
      optional?: string;
      /** Follow-up steps that depend on what was committed. */
      then?: (w: Written) => Step[];
    }
  | { kind: 'control'; conversationId: string; doc: ConversationDoc; event: EventSeed }
  | { kind: 'action'; conversationId: string; channel: Channel | null; action: ControllerAction }
  /** An agent left: its accepted task closes, its slot frees, and it is offered what waits. */
  | { kind: 'release'; conversationId: string; agentId: string }
  /** `channel`: the conversation's, when the step's maker had it (saves the routing a read). */
  | { kind: 'route'; task: AgentTask; mode: RoutingMode; channel?: Channel | null }
  | { kind: 'fill'; agentId: string }
  /** A participant nobody answered (an invited bot) is sent the conversation as it may see it. */
  | { kind: 'push.view'; participantId: string; conversationId: string; role: ParticipantRole }
  /** A read or delivered horizon moved: the other participants get a `receipt` (domain/receipts.ts `receiptTargets`). */
  | { kind: 'push.receipt'; conversationId: string; doc: ConversationDoc; receipt: ReceiptPush };

/** What a run of the pipeline did beyond the first write: the tasks its `create.task` actions made. */
export interface Outcome {
  tasks: AgentTask[];
}

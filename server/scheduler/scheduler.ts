/** The timers of the hub; each kind has one handler, registered before `start`. */
export type TimerKind = 'inactivity' | 'offer' | 'wrapup' | 'archive' | 'agent-grace' | 'housekeeping' | 'offer-retry' | 'opening' | 'queue-wait' | 'queue-positions' | 'bot-turn' | 'reports' | 'dashboard' | 'webhook' | 'whatsapp-send' | 'retention';

export interface Timer<D = unknown> {
  kind: TimerKind;
  key: string;
  data: D;
  dueAt: number;
  /** 1 on the first run, 2 on the first retry... */
  attempt: number;
}

/**
 * What a handler answers: nothing when done, or `{ rearmAt }` when it found the deadline had moved
 * (the customer spoke meanwhile), so the same timer fires again then. A handler that throws is
 * retried with backoff, up to the kind's `attempts`.
 */
export type TimerOutcome = void | { rearmAt: number };
export type TimerHandler<D = unknown> = (timer: Timer<D>) => Promise<TimerOutcome>;

export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
  /** Backoff doubles per attempt up to this. */
  maxBackoffMs: number;
}

/** What a timer's log lines carry: its kind and key, and the conversation or participant it is about when its data says. */
export function timerFields(t: Timer): { kind: TimerKind; key: string; conversationId?: string; participantId?: string } {
  const data = (t.data ?? {}) as { conversationId?: unknown; agentId?: unknown };
  const participantId = t.kind === 'agent-grace' ? t.key : data.agentId;
  return {
    kind: t.kind,
    key: t.key,
    ...(typeof data.conversationId === 'string' ? { conversationId: data.conversationId } : {}),
    ...(typeof participantId === 'string' ? { participantId } : {}),
  };
}

/** Told when a timer fires (its first attempt): how late, in seconds. For the metrics. */
export type LatenessRecorder = (kind: TimerKind, seconds: number) => void;

// About a minute of retries (0.2, 0.4 ... 10 s): a timer outlives a Redis restart or a Postgres
// outage of tens of seconds (the chaos run refuses Postgres for 20 s); with 3 attempts an inactivity
// timer whose channel lookup met the outage failed for good and its session never closed.
export const defaultRetry: RetryPolicy = { attempts: 12, backoffMs: 200, maxBackoffMs: 10_000 };

export function backoffFor(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (attempt - 1));
}


import { z } from 'zod';
import { Id, LongText, safeString } from './strings.js';

// ---- routing settings and pushes (PROTOCOL.md §1.5, §4) --------------------
// Added with queues, business hours, skills, the supervisor dashboard and reporting.

/** Why a task exists: the first ask for a human, a customer writing after the agent left, a transfer, an overflow, a bot's handoff. */
export const TaskReason = z.enum(['new', 'reroute', 'transfer', 'overflow', 'handoff']);
export type TaskReason = z.infer<typeof TaskReason>;

export const Skill = safeString({ min: 1, max: 100 });
export const RequiredSkills = z.array(Skill).max(20);

/** A channel's queue: at `maxWaitSeconds` a waiting task moves to `overflowListId`, or the customer is told `overflowMessage` and the sessions close. */
export const QueueSettings = z
  .object({
    maxWaitSeconds: z.number().positive().max(7 * 24 * 3600).optional(),
    overflowListId: Id.optional(),
    overflowMessage: LongText.optional(),
  })
  .strict();
export type QueueSettings = z.infer<typeof QueueSettings>;

export const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
export type Weekday = z.infer<typeof Weekday>;

/** `HH:MM` or `HH:MM:SS`, 00:00–24:00, local time of the channel's zone. */
export const TimeOfDay = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?$|^24:00(?::00)?$/, 'must be HH:MM or HH:MM:SS (00:00–24:00)');

/** Seconds since midnight: '09:00' and '09:00:00' are the same time (a string comparison says otherwise). */
const seconds = (t: string) => t.split(':').reduce((sum, part, i) => sum + Number(part) * [3600, 60, 1][i]!, 0);

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Opening hours in an IANA zone; `holidays` are local dates (YYYY-MM-DD) closed all day. */
export const BusinessHours = z
  .object({
    timezone: safeString({ min: 1, max: 64 }).refine(isTimeZone, { message: 'must be an IANA time zone, e.g. Europe/Paris' }),
    weekly: z
      .array(z.object({ day: Weekday, open: TimeOfDay, close: TimeOfDay }).strict().refine((w) => seconds(w.open) < seconds(w.close), { message: 'open must be before close' }))
      .max(50),
    holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')).max(366).optional(),
    closedMessage: LongText,
  })
  .strict();
export type BusinessHours = z.infer<typeof BusinessHours>;

/** `queue.position`: the customer's place among those waiting on its queue; `estimatedWaitSeconds` null until the queue has recent waits. */
export interface QueuePosition {
  conversationId: string;
  position: number;
  estimatedWaitSeconds: number | null;
}

/** The supervisor's dashboard: the answer to `supervisor.watch` and its `dashboard` pushes. */
export interface Dashboard {
  at: string;
  queues: DashboardQueue[];
  agents: DashboardAgent[];
  conversations: DashboardConversation[];
}
export interface DashboardQueue {
  /** null: tasks without a list. */
  listId: string | null;
  waiting: number;
  oldestWaitSeconds: number;
  /** Today (UTC): tasks answered within the threshold over tasks answered or abandoned; null when none. */
  serviceLevel: { thresholdSeconds: number; offered: number; answeredWithin: number; percent: number | null };
}
export interface DashboardAgent {
  agentId: string;
  state: 'ready' | 'not_ready';
  reason?: string;
  connected: boolean;
  load: number;
  capacity: number;
  since: string;
}
export interface DashboardConversation {
  conversationId: string;
  state: string;
  serviceIdentifier?: string;
  /** Seconds since its open task was created, while it waits for an agent; 0 otherwise. */
  waitingSeconds: number;
  agentIds: string[];
}

// ---- report queries (PROTOCOL.md §6.6) ---------------------------------------
const instant = z.string().datetime({ offset: true });
export const ReportRange = z.object({ from: instant, to: instant }).refine((r) => Date.parse(r.from) <= Date.parse(r.to), { message: 'from must not be after to', path: ['from'] });
export const ServiceLevelQuery = z
  .object({ from: instant, to: instant, thresholdSeconds: z.coerce.number().int().min(1).max(86_400).default(20) })
  .refine((r) => Date.parse(r.from) <= Date.parse(r.to), { message: 'from must not be after to', path: ['from'] });

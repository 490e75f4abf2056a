/**
 * Customers' places in a queue, pure (the RoutingStore runs it in one atomic step; Redis mirrors
 * it in lua/note_positions.lua): which waiting tasks have a position different from the one they
 * were last told, and which of those may be told now.
 */

/** The position last told for a task, and when (epoch ms). */
export interface PositionNote {
  position: number;
  at: number;
}

export interface PositionDecision {
  /** Indexes (into the waiting tasks, oldest first) to tell now, with their position: index + 1. */
  tell: number[];
  /** Some were held back: the earliest epoch ms one of them may be told. */
  retryAt?: number;
}

/**
 * `notes[i]`: the last note of the i-th waiting task (oldest first), if any. A task whose position
 * changed is told unless its last note is younger than `minIntervalMs` (then held back, so a
 * customer is not told every few seconds while the queue moves).
 */
export function decidePositions(notes: readonly (PositionNote | undefined)[], now: number, minIntervalMs: number): PositionDecision {
  const out: PositionDecision = { tell: [] };
  notes.forEach((note, i) => {
    if (note !== undefined && note.position === i + 1) return;
    if (note !== undefined && now - note.at < minIntervalMs) {
      const at = note.at + minIntervalMs;
      if (out.retryAt === undefined || at < out.retryAt) out.retryAt = at;
      return;
    }
    out.tell.push(i);
  });
  return out;
}

/** How many waits `averageWaitSeconds` averages over. */
export const RECENT_WAITS = 20;

/** The average of the recent waits (ms each), in seconds; null when none. Kept as a sum of ms so both stores compute it alike. */
export function averageWaitSeconds(sumMs: number, count: number): number | null {
  return count === 0 ? null : sumMs / count / 1000;
}

import type { BusinessHours, Weekday } from '@conversation-hub/client-sdk/contract';

/**
 * Business hours (PROTOCOL.md §1.5), pure: whether a channel is open at an instant and when it
 * opens next, in the hours' IANA zone, with Intl only (no time-zone library).
 *
 * Each weekly range of a local date is one real interval [opening, closing): its opening is the
 * first instant the local clock reads `open` or later, its closing the first instant it reads
 * `close` or later (`24:00`: the next local midnight). So an opening inside a spring-forward gap
 * opens at the first valid instant after it, and a range ending in an autumn repeated hour ends at
 * its first occurrence: the repeated hour never opens twice. A holiday (local date) has no range.
 */

const DAY_MS = 86_400_000;
/** How far ahead nextOpening looks before it answers null. */
export const SEARCH_DAYS = 400;
const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** True when `nowMs` falls in one of the ranges of `hours`. */
export function isOpenAt(hours: BusinessHours, nowMs: number): boolean {
  const day = localDay(hours.timezone, nowMs);
  // The day before and after too: a midnight fall-back puts an instant of day D before D+1's start.
  for (let k = -1; k <= 1; k++) {
    for (const [start, end] of intervals(hours, day + k * DAY_MS)) if (start <= nowMs && nowMs < end) return true;
  }
  return false;
}

/** `nowMs` when open, else the epoch ms at which it next opens; null when closed for the next 400 days. */
export function nextOpening(hours: BusinessHours, nowMs: number): number | null {
  if (isOpenAt(hours, nowMs)) return nowMs;
  const first = localDay(hours.timezone, nowMs) - DAY_MS;
  let best: number | null = null;
  for (let k = 0; k <= SEARCH_DAYS + 1; k++) {
    // A day's intervals lie within its own local day, so the first day with an answer has the earliest one.
    if (best !== null) return best;
    for (const [start, end] of intervals(hours, first + k * DAY_MS)) {
      if (end > nowMs && (best === null || start < best)) best = start;
    }
  }
  return best;
}

/** Seconds since local midnight of `HH:MM[:SS]` (`24:00` is 86,400). */
export function secondsOfDay(time: string): number {
  const [h = 0, m = 0, s = 0] = time.split(':').map(Number);
  return h * 3600 + m * 60 + s;
}

/** The real intervals of the local date `dayMs` (UTC midnight of that calendar date), sorted, non-empty. */
function intervals(hours: BusinessHours, dayMs: number): Array<[number, number]> {
  const weekday = WEEKDAYS[new Date(dayMs).getUTCDay()];
  const ranges = hours.weekly.filter((w) => w.day === weekday);
  if (ranges.length === 0) return [];
  if (hours.holidays?.includes(new Date(dayMs).toISOString().slice(0, 10))) return [];
  const out: Array<[number, number]> = [];
  for (const r of ranges) {
    const start = firstInstantAtOrAfter(hours.timezone, dayMs + secondsOfDay(r.open) * 1000);
    const end = firstInstantAtOrAfter(hours.timezone, dayMs + secondsOfDay(r.close) * 1000);
    // Empty when both ends fall in one spring-forward gap.
    if (start < end) out.push([start, end]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

// ---- the zone's wall clock ------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local wall-clock time of `t` as if it were UTC ("naive" ms), to the second plus t's own ms. */
function wallClock(timeZone: string, t: number): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const naive = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return naive + (((t % 1000) + 1000) % 1000);
}

const offset = (timeZone: string, t: number) => wallClock(timeZone, t) - t;

/** UTC midnight of the local calendar date of `t`. */
function localDay(timeZone: string, t: number): number {
  const w = wallClock(timeZone, t);
  return w - (((w % DAY_MS) + DAY_MS) % DAY_MS);
}

/** The first instant whose local wall clock reads `wall` (naive ms) or later. */
function firstInstantAtOrAfter(timeZone: string, wall: number): number {
  const offsets = new Set([offset(timeZone, wall - DAY_MS), offset(timeZone, wall), offset(timeZone, wall + DAY_MS)]);
  let exact: number | null = null;
  for (const o of offsets) {
    const t = wall - o;
    // The earliest of two readings in an autumn repeated hour.
    if (wallClock(timeZone, t) === wall && (exact === null || t < exact)) exact = t;
  }
  if (exact !== null) return exact;
  // A spring-forward gap: the clock jumps over `wall`; find the jump (the clock only moves forward here).
  let lo = wall - Math.max(...offsets) - 1;
  let hi = wall - Math.min(...offsets);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallClock(timeZone, mid) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

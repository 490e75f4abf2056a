import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { BusinessHours, type Weekday } from '@conversation-hub/client-sdk/contract';
import { isOpenAt, nextOpening, secondsOfDay } from '../../server/domain/business-hours.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
type Range = [Weekday, string, string];
function hours(timezone: string, ranges: Range[], holidays?: string[]): BusinessHours {
  // Through the contract, so every fixture is one an admin could store.
  return BusinessHours.parse({ timezone, weekly: ranges.map(([day, open, close]) => ({ day, open, close })), ...(holidays ? { holidays } : {}), closedMessage: 'Closed' });
}
const weekdays = (open: string, close: string): Range[] => (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((d) => [d, open, close]);

describe('isOpenAt / nextOpening', () => {
  const paris = hours('Europe/Paris', weekdays('09:00', '17:00'));

  test('a working week in Paris (CEST, +2): open from 09:00 up to, not including, 17:00', () => {
    expect(isOpenAt(paris, at('2024-05-06T06:59:59.999Z'))).toBe(false); // Monday 08:59:59.999
    expect(isOpenAt(paris, at('2024-05-06T07:00:00Z'))).toBe(true);
    expect(isOpenAt(paris, at('2024-05-06T14:59:59.999Z'))).toBe(true);
    expect(isOpenAt(paris, at('2024-05-06T15:00:00Z'))).toBe(false);
    expect(isOpenAt(paris, at('2024-05-11T10:00:00Z'))).toBe(false); // Saturday
  });

  test('nextOpening: now when open, else the next range start (over a weekend)', () => {
    expect(iso(nextOpening(paris, at('2024-05-06T08:00:00Z')))).toBe('2024-05-06T08:00:00.000Z');
    expect(iso(nextOpening(paris, at('2024-05-10T16:00:00Z')))).toBe('2024-05-13T07:00:00.000Z'); // Friday evening → Monday
    expect(iso(nextOpening(paris, at('2024-05-06T03:00:00Z')))).toBe('2024-05-06T07:00:00.000Z'); // the same morning
  });

  test('several ranges a day; 24:00 closes at the next local midnight', () => {
    const h = hours('Europe/Paris', [['mon', '09:00', '12:00'], ['mon', '13:00', '17:00'], ['sat', '20:00', '24:00']]);
    expect(isOpenAt(h, at('2024-05-06T10:30:00Z'))).toBe(false); // 12:30, lunch
    expect(iso(nextOpening(h, at('2024-05-06T10:30:00Z')))).toBe('2024-05-06T11:00:00.000Z');
    expect(isOpenAt(h, at('2024-05-11T21:59:59.999Z'))).toBe(true); // Saturday 23:59:59.999
    expect(isOpenAt(h, at('2024-05-11T22:00:00Z'))).toBe(false); // Sunday 00:00
    const night = hours('Europe/Paris', [['sat', '20:00', '24:00'], ['sun', '00:00', '02:00']]);
    expect(isOpenAt(night, at('2024-05-11T22:00:00Z'))).toBe(true); // runs on past midnight
    expect(isOpenAt(night, at('2024-05-12T00:00:00Z'))).toBe(false);
  });

  test('seconds in times', () => {
    const h = hours('UTC', [['mon', '09:00:30', '09:00:45']]);
    expect(isOpenAt(h, at('2024-05-06T09:00:29.999Z'))).toBe(false);
    expect(isOpenAt(h, at('2024-05-06T09:00:30Z'))).toBe(true);
    expect(isOpenAt(h, at('2024-05-06T09:00:44.999Z'))).toBe(true);
    expect(isOpenAt(h, at('2024-05-06T09:00:45Z'))).toBe(false);
    expect(iso(nextOpening(h, at('2024-05-06T09:00:45Z')))).toBe('2024-05-13T09:00:30.000Z');
    expect(secondsOfDay('24:00')).toBe(86_400);
    expect(secondsOfDay('07:08:09')).toBe(25_689);
  });

  test('holidays are local dates, closed all day', () => {
    const h = hours('Europe/Paris', weekdays('09:00', '17:00'), ['2024-12-25']);
    expect(isOpenAt(h, at('2024-12-25T09:00:00Z'))).toBe(false); // Wednesday 10:00 CET
    expect(iso(nextOpening(h, at('2024-12-24T17:00:00Z')))).toBe('2024-12-26T08:00:00.000Z');
    // Auckland's 25 December starts while it is still the 24th in UTC.
    const nz = hours('Pacific/Auckland', weekdays('09:00', '17:00'), ['2024-12-25']);
    expect(isOpenAt(nz, at('2024-12-24T22:00:00Z'))).toBe(false); // 25 Dec 11:00 NZDT
    expect(isOpenAt(nz, at('2024-12-25T22:00:00Z'))).toBe(true); // 26 Dec 11:00 NZDT
  });

  test('never open within 400 days: null', () => {
    expect(nextOpening(hours('UTC', []), at('2024-05-06T00:00:00Z'))).toBeNull();
    const mondays = Array.from({ length: 60 }, (_, i) => new Date(at('2024-05-06T00:00:00Z') + i * 7 * 86_400_000).toISOString().slice(0, 10));
    expect(nextOpening(hours('UTC', [['mon', '09:00', '10:00']], mondays), at('2024-05-05T00:00:00Z'))).toBeNull();
    const shorter = mondays.slice(0, 10);
    expect(iso(nextOpening(hours('UTC', [['mon', '09:00', '10:00']], shorter), at('2024-05-05T00:00:00Z')))).toBe('2024-07-15T09:00:00.000Z');
  });
});

describe('daylight saving changes', () => {
  test('Paris spring forward (31 Mar 2024, 02:00 → 03:00): a 02:30 opening opens at 03:00 CEST', () => {
    const h = hours('Europe/Paris', [['sun', '02:30', '04:00']]);
    expect(iso(nextOpening(h, at('2024-03-30T23:00:00Z')))).toBe('2024-03-31T01:00:00.000Z');
    expect(isOpenAt(h, at('2024-03-31T00:59:59.999Z'))).toBe(false); // 01:59:59.999 CET
    expect(isOpenAt(h, at('2024-03-31T01:00:00Z'))).toBe(true);
    expect(isOpenAt(h, at('2024-03-31T02:00:00Z'))).toBe(false); // 04:00 CEST
    // A range wholly inside the gap does not exist that day: the next Sunday's.
    const gap = hours('Europe/Paris', [['sun', '02:10', '02:50']]);
    expect(iso(nextOpening(gap, at('2024-03-30T23:00:00Z')))).toBe('2024-04-07T00:10:00.000Z');
    // Ordinary times that day are in CEST already.
    expect(iso(nextOpening(hours('Europe/Paris', [['sun', '09:00', '10:00']]), at('2024-03-30T23:00:00Z')))).toBe('2024-03-31T07:00:00.000Z');
  });

  test('Paris fall back (27 Oct 2024, 03:00 → 02:00): the repeated hour opens once', () => {
    const h = hours('Europe/Paris', [['sun', '02:15', '02:45']]);
    expect(iso(nextOpening(h, at('2024-10-26T22:00:00Z')))).toBe('2024-10-27T00:15:00.000Z'); // 02:15 CEST
    expect(isOpenAt(h, at('2024-10-27T00:30:00Z'))).toBe(true);
    expect(isOpenAt(h, at('2024-10-27T01:30:00Z'))).toBe(false); // 02:30 CET, the second time round
    expect(iso(nextOpening(h, at('2024-10-27T00:45:00Z')))).toBe('2024-11-03T01:15:00.000Z');
    // All day on the long day is 25 real hours.
    const all = hours('Europe/Paris', [['sun', '00:00', '24:00']]);
    expect(isOpenAt(all, at('2024-10-26T22:00:00Z'))).toBe(true);
    expect(isOpenAt(all, at('2024-10-27T22:59:59.999Z'))).toBe(true);
    expect(isOpenAt(all, at('2024-10-27T23:00:00Z'))).toBe(false);
    expect(isOpenAt(all, at('2024-10-26T21:59:59.999Z'))).toBe(false);
  });

  test('New York: office hours move with EST/EDT; the spring gap and the autumn repeat', () => {
    const office = hours('America/New_York', weekdays('09:00', '17:00'));
    expect(iso(nextOpening(office, at('2024-03-04T00:00:00Z')))).toBe('2024-03-04T14:00:00.000Z'); // EST
    expect(iso(nextOpening(office, at('2024-03-11T00:00:00Z')))).toBe('2024-03-11T13:00:00.000Z'); // EDT
    expect(iso(nextOpening(office, at('2024-11-01T22:00:00Z')))).toBe('2024-11-04T14:00:00.000Z'); // Friday 18:00 EDT → Monday EST

    const spring = hours('America/New_York', [['sun', '02:30', '03:30']]);
    expect(iso(nextOpening(spring, at('2024-03-10T00:00:00Z')))).toBe('2024-03-10T07:00:00.000Z'); // 03:00 EDT
    expect(isOpenAt(spring, at('2024-03-10T07:30:00Z'))).toBe(false); // 03:30 EDT

    const autumn = hours('America/New_York', [['sun', '01:30', '01:45']]);
    expect(iso(nextOpening(autumn, at('2024-11-03T00:00:00Z')))).toBe('2024-11-03T05:30:00.000Z'); // 01:30 EDT
    expect(isOpenAt(autumn, at('2024-11-03T06:35:00Z'))).toBe(false); // 01:35 EST
    expect(iso(nextOpening(autumn, at('2024-11-03T05:45:00Z')))).toBe('2024-11-10T06:30:00.000Z');
  });

  test('Pacific/Auckland: +13 in January, spring forward on 29 Sep 2024 (02:00 → 03:00)', () => {
    const office = hours('Pacific/Auckland', weekdays('09:00', '17:00'));
    expect(isOpenAt(office, at('2024-01-14T20:00:00Z'))).toBe(true); // Monday 15 Jan 09:00 NZDT
    expect(isOpenAt(office, at('2024-01-14T19:59:59Z'))).toBe(false);
    expect(isOpenAt(office, at('2024-06-16T21:00:00Z'))).toBe(true); // Monday 17 Jun 09:00 NZST (+12)
    const sunday = hours('Pacific/Auckland', [['sun', '02:30', '10:00']]);
    expect(iso(nextOpening(sunday, at('2024-09-28T00:00:00Z')))).toBe('2024-09-28T14:00:00.000Z'); // 03:00 NZDT
    // Autumn (7 Apr 2024, 03:00 → 02:00): a range over the repeated hour is one interval.
    const repeat = hours('Pacific/Auckland', [['sun', '02:00', '03:00']]);
    expect(iso(nextOpening(repeat, at('2024-04-06T00:00:00Z')))).toBe('2024-04-06T13:00:00.000Z');
    expect(isOpenAt(repeat, at('2024-04-06T14:30:00Z'))).toBe(true);
    expect(isOpenAt(repeat, at('2024-04-06T15:00:00Z'))).toBe(false);
  });

  test('America/Santiago changes at midnight: the day boundary itself moves', () => {
    // 7 Apr 2024: Sunday 00:00 (-03) goes back to Saturday 23:00 (-04); Sunday first reads 00:00 at 04:00Z.
    const sat = hours('America/Santiago', [['sat', '23:00', '24:00']]);
    expect(iso(nextOpening(sat, at('2024-04-06T20:00:00Z')))).toBe('2024-04-07T02:00:00.000Z');
    expect(isOpenAt(sat, at('2024-04-07T03:30:00Z'))).toBe(true); // Saturday 23:30 the second time: still before close
    expect(isOpenAt(sat, at('2024-04-07T04:00:00Z'))).toBe(false);
    const sun = hours('America/Santiago', [['sun', '00:00', '01:00']]);
    expect(iso(nextOpening(sun, at('2024-04-06T20:00:00Z')))).toBe('2024-04-07T04:00:00.000Z');
    // 8 Sep 2024: Saturday 24:00 (-04) jumps to Sunday 01:00 (-03): Sunday opens at the jump.
    const sunSpring = hours('America/Santiago', [['sun', '00:00', '02:00']]);
    expect(iso(nextOpening(sunSpring, at('2024-09-07T12:00:00Z')))).toBe('2024-09-08T04:00:00.000Z');
  });
});

// ---- property: nextOpening is open, and nothing before it is ----------------------------
const ZONES = ['Europe/Paris', 'America/New_York', 'Pacific/Auckland', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata', 'UTC'];
const DAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const hhmmss = (s: number) => {
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, '0'));
  return sec === '00' ? `${h}:${m}` : `${h}:${m}:${sec}`;
};
// Whole quarter hours mostly (as admins write them), a few with seconds; close up to 24:00.
const time = fc.oneof(fc.integer({ min: 0, max: 95 }).map((q) => q * 900), fc.integer({ min: 0, max: 86_399 }));
const range = fc.tuple(fc.constantFrom(...DAYS), time, time).filter(([, a, b]) => a !== b).map(([day, a, b]) => ({ day, open: hhmmss(Math.min(a, b)), close: hhmmss(Math.max(a, b)) }));
const rangeTo24 = fc.tuple(fc.constantFrom(...DAYS), time).map(([day, a]) => ({ day, open: hhmmss(a), close: '24:00' }));
// Instants near the 2024–2025 DST changes of these zones as well as anywhere in the two years.
const CHANGES = ['2024-03-10T07:00Z', '2024-03-31T01:00Z', '2024-04-06T14:00Z', '2024-04-06T15:00Z', '2024-09-08T04:00Z', '2024-09-28T14:00Z', '2024-10-05T15:00Z', '2024-10-27T01:00Z', '2024-11-03T06:00Z', '2025-03-30T01:00Z'].map(at);
const instant = fc.oneof(
  fc.integer({ min: at('2024-01-01T00:00:00Z'), max: at('2025-12-31T00:00:00Z') }),
  fc.tuple(fc.constantFrom(...CHANGES), fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 })).map(([c, d]) => c + d),
);
const MINUTE = 60_000;

describe('property', () => {
  test('isOpenAt(nextOpening(t)); closed from t up to it (minute steps over short spans)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.array(fc.oneof(range, rangeTo24), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 3 }),
        instant,
        (timezone, weekly, holidayOffsets, t) => {
          const holidays = holidayOffsets.map((d) => new Date(t + d * 86_400_000).toISOString().slice(0, 10));
          const h = BusinessHours.parse({ timezone, weekly, holidays, closedMessage: 'Closed' });
          const next = nextOpening(h, t);
          if (next === null) return; // every range empty or on holidays within 400 days: possible, rare
          expect(next).toBeGreaterThanOrEqual(t);
          expect(isOpenAt(h, next)).toBe(true);
          if (next === t) return;
          expect(isOpenAt(h, next - 1)).toBe(false);
          if (next - t > 3 * 3600_000) return;
          for (let s = t; s < next; s += MINUTE) expect(isOpenAt(h, s)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});

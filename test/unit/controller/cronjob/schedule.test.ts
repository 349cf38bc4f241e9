import { describe, expect, it } from 'vitest';
import { formatInZone, isValidTimeZone, mostRecentScheduleTime, parseSchedule } from '../../../../src/controller/cronjob/schedule.js';

const utc = (s: string): number => Date.parse(s);
const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString().replace('.000Z', 'Z'));

function runs(expr: string, from: string, n: number, tz = 'Etc/UTC'): Array<string | undefined> {
  const s = parseSchedule(expr, tz);
  const out: Array<string | undefined> = [];
  let t: number | undefined = utc(from);
  for (let i = 0; i < n && t !== undefined; i++) {
    t = s.next(t);
    out.push(iso(t));
  }
  return out;
}

describe('parseSchedule', () => {
  it.each([
    ['*/2 * * * * *', '2026-01-01T12:00:00.500Z', ['2026-01-01T12:00:02Z', '2026-01-01T12:00:04Z', '2026-01-01T12:00:06Z']],
    ['*/2 * * * * *', '2026-01-01T12:00:02Z', ['2026-01-01T12:00:04Z', '2026-01-01T12:00:06Z', '2026-01-01T12:00:08Z']],
    ['*/15 * * * *', '2026-01-01T12:07:00Z', ['2026-01-01T12:15:00Z', '2026-01-01T12:30:00Z', '2026-01-01T12:45:00Z']],
    ['@hourly', '2026-01-01T12:07:00Z', ['2026-01-01T13:00:00Z', '2026-01-01T14:00:00Z', '2026-01-01T15:00:00Z']],
    ['@daily', '2026-12-31T12:00:00Z', ['2027-01-01T00:00:00Z', '2027-01-02T00:00:00Z', '2027-01-03T00:00:00Z']],
    ['0 9 * * MON-FRI', '2026-01-02T10:00:00Z', ['2026-01-05T09:00:00Z', '2026-01-06T09:00:00Z', '2026-01-07T09:00:00Z']],
    ['0 0 L * *', '2026-01-15T00:00:00Z', ['2026-01-31T00:00:00Z', '2026-02-28T00:00:00Z', '2026-03-31T00:00:00Z']],
    ['0 0 29 2 *', '2026-01-01T00:00:00Z', ['2028-02-29T00:00:00Z', '2032-02-29T00:00:00Z', '2036-02-29T00:00:00Z']],
    ['0 0 * * 5#2', '2026-01-01T00:00:00Z', ['2026-01-09T00:00:00Z', '2026-02-13T00:00:00Z', '2026-03-13T00:00:00Z']],
    // Both day fields restricted: either matches (robfig/cron, Vixie cron).
    ['0 0 13 * 5', '2026-02-01T00:00:00Z', ['2026-02-06T00:00:00Z', '2026-02-13T00:00:00Z', '2026-02-20T00:00:00Z']],
  ])('%s after %s', (expr, from, want) => {
    expect(runs(expr, from, 3)).toEqual(want);
  });

  it('knows whether the schedule has seconds', () => {
    expect(parseSchedule('* * * * * *').hasSeconds).toBe(true);
    expect(parseSchedule('* * * * *').hasSeconds).toBe(false);
    expect(parseSchedule('@weekly').hasSeconds).toBe(false);
  });

  it('evaluates in the time zone, across DST changes', () => {
    expect(runs('0 9 * * *', '2026-01-01T00:00:00Z', 2, 'Asia/Kolkata')).toEqual(['2026-01-01T03:30:00Z', '2026-01-02T03:30:00Z']);
    expect(runs('0 9 * * *', '2026-07-01T00:00:00Z', 1, 'America/New_York')).toEqual(['2026-07-01T13:00:00Z']);
    // 02:30 does not exist on 2026-03-08 in New York: that run happens at 03:30 EDT.
    expect(runs('30 2 * * *', '2026-03-07T12:00:00Z', 2, 'America/New_York')).toEqual(['2026-03-08T07:30:00Z', '2026-03-09T06:30:00Z']);
    // 01:30 happens twice on 2026-11-01: it runs once.
    expect(runs('30 1 * * *', '2026-10-31T12:00:00Z', 2, 'America/New_York')).toEqual(['2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z']);
  });

  it.each([['* * *'], ['61 * * * *'], ['* * * * * * *'], ['0 0 31 2 *'], ['nonsense']])('rejects %s', (expr) => {
    expect(() => parseSchedule(expr)).toThrow();
  });

  it('rejects unknown time zones', () => {
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(() => parseSchedule('* * * * *', 'Mars/Olympus_Mons')).toThrow(/unknown time zone/);
  });

  it('formats times in the zone as RFC 3339', () => {
    expect(formatInZone(utc('2026-01-01T12:00:00Z'), 'Etc/UTC')).toBe('2026-01-01T12:00:00Z');
    expect(formatInZone(utc('2026-01-01T12:00:00Z'), 'Asia/Kolkata')).toBe('2026-01-01T17:30:00+05:30');
    expect(formatInZone(utc('2026-01-01T12:00:00Z'), 'America/New_York')).toBe('2026-01-01T07:00:00-05:00');
  });
});

describe('mostRecentScheduleTime', () => {
  const everyMinute = parseSchedule('* * * * *', 'Etc/UTC');
  const now = utc('2026-01-01T12:00:30Z');

  it('finds nothing before the first scheduled time', () => {
    expect(mostRecentScheduleTime(everyMinute, utc('2026-01-01T12:00:00Z'), now)).toEqual({ manyMissed: false });
  });

  it('finds the one scheduled time since earliest', () => {
    expect(mostRecentScheduleTime(everyMinute, utc('2026-01-01T11:59:10Z'), now)).toEqual({ time: utc('2026-01-01T12:00:00Z'), manyMissed: false });
  });

  it('finds the latest of a few missed times', () => {
    expect(mostRecentScheduleTime(everyMinute, utc('2026-01-01T11:00:00Z'), now)).toEqual({ time: utc('2026-01-01T12:00:00Z'), manyMissed: false });
  });

  it('flags more than 100 missed times and still finds the latest', () => {
    expect(mostRecentScheduleTime(everyMinute, utc('2025-12-31T12:00:00Z'), now)).toEqual({ time: utc('2026-01-01T12:00:00Z'), manyMissed: true });
    const weekdays = parseSchedule('0 9 * * MON-FRI', 'Etc/UTC');
    // 2026-01-04 is a Sunday: the latest is Friday the 2nd.
    expect(mostRecentScheduleTime(weekdays, utc('2025-01-01T00:00:00Z'), utc('2026-01-04T12:00:00Z'))).toEqual({ time: utc('2026-01-02T09:00:00Z'), manyMissed: true });
  });
});

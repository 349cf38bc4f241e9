// Cron schedules for CronJobs: node-cron parses and validates the expression
// (5 fields, or 6 with seconds first; names, ranges, steps, @macros, L and
// N#k); this module evaluates it against any instant in any IANA time zone,
// so the controller can ask "when is the next run after t?" of the injected
// clock instead of keeping timers of its own.
//
// Like robfig/cron (which kube uses), when both day-of-month and day-of-week
// are restricted (neither is `*` or `?`), a day matches if either does.
// Wall-clock times skipped by a DST change run at the equivalent time after
// the change (as Go's time.Date normalises them); repeated ones run once.

import { parse } from 'node-cron';

export interface CronSchedule {
  readonly expression: string;
  /** Six fields: the schedule has second resolution. */
  readonly hasSeconds: boolean;
  /** IANA zone, or undefined for the process's local zone. */
  readonly timeZone: string | undefined;
  /** The first scheduled instant strictly after `after` (ms since the epoch), or undefined if none within 8 years. */
  next(after: number): number | undefined;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? '';
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      ...(timeZone ? { timeZone } : {}),
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(key, f);
  }
  return f;
}

/** Whether `timeZone` names a time zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone || timeZone === 'Local') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The wall clock at `instant` in the zone, as if it were UTC (ms, whole seconds). */
export function wallClock(instant: number, timeZone: string | undefined): number {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const hour = Number(parts.hour) % 24;
  return Date.UTC(year, Number(parts.month) - 1, Number(parts.day), hour, Number(parts.minute), Number(parts.second));
}

/** The zone's UTC offset at `instant` (ms). */
export function zoneOffset(instant: number, timeZone: string | undefined): number {
  return wallClock(instant, timeZone) - Math.floor(instant / 1000) * 1000;
}

/** The instant a wall-clock time (as fake UTC) denotes in the zone; gaps move forward, overlaps take the earlier. */
function instantOf(wall: number, timeZone: string | undefined): number {
  const a = wall - zoneOffset(wall, timeZone);
  const b = wall - zoneOffset(a, timeZone);
  const exact = [a, b].filter((t) => wallClock(t, timeZone) === wall);
  if (exact.length > 0) return Math.min(...exact);
  return Math.max(a, b);
}

/** RFC 3339 in the zone's offset ("2026-01-01T09:00:00+05:30", or "...Z" at offset 0), as Go formats it. */
export function formatInZone(instant: number, timeZone: string | undefined): string {
  const offset = zoneOffset(instant, timeZone);
  const wall = new Date(wallClock(instant, timeZone)).toISOString().replace(/\.\d{3}Z$/, '');
  if (offset === 0) return `${wall}Z`;
  const abs = Math.abs(offset) / 60_000;
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${wall}${offset < 0 ? '-' : '+'}${hh}:${mm}`;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function lastDayOfMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parse a cron expression (throws an Error saying what is wrong). Time zones
 * are checked here too: an unknown one throws.
 */
export function parseSchedule(expression: string, timeZone?: string): CronSchedule {
  const trimmed = expression.trim();
  if (timeZone !== undefined && !isValidTimeZone(timeZone)) throw new Error(`unknown time zone ${timeZone}`);
  const expanded = MACROS[trimmed.toLowerCase()] ?? trimmed;
  const raw = expanded.split(/\s+/);
  if (raw.length !== 5 && raw.length !== 6) throw new Error(`expected 5 or 6 fields, found ${raw.length}: ${expression}`);
  const hasSeconds = raw.length === 6;
  const fields = parse(expanded);
  const domRaw = raw[hasSeconds ? 3 : 2];
  const dowRaw = raw[hasSeconds ? 5 : 4];
  const star = (f: string): boolean => f === '*' || f === '?';
  const anyDay = star(domRaw) || star(dowRaw);

  const seconds = new Set(fields.second);
  const minutes = new Set(fields.minute);
  const hours = new Set(fields.hour);
  const months = new Set(fields.month);
  const domNums = new Set(fields.dayOfMonth.filter((v): v is number => typeof v === 'number'));
  const domSpecial = fields.dayOfMonth.filter((v): v is string => typeof v === 'string');
  const dowNums = new Set(fields.dayOfWeek.filter((v): v is number => typeof v === 'number').map((d) => d % 7));
  const dowSpecial = fields.dayOfWeek.filter((v): v is string => typeof v === 'string');

  const domMatches = (y: number, m: number, d: number): boolean => {
    if (domNums.has(d)) return true;
    const last = lastDayOfMonth(y, m);
    for (const s of domSpecial) {
      if (s === 'L' && d === last) return true;
      const before = /^L-(\d+)$/.exec(s);
      if (before && d === last - Number(before[1])) return true;
    }
    return false;
  };
  const dowMatches = (y: number, m: number, d: number): boolean => {
    const w = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
    if (dowNums.has(w)) return true;
    for (const s of dowSpecial) {
      const nth = /^(\d)#(\d)$/.exec(s);
      if (nth && Number(nth[1]) % 7 === w && Math.ceil(d / 7) === Number(nth[2])) return true;
      const lastOf = /^(\d)L$/.exec(s);
      if (lastOf && Number(lastOf[1]) % 7 === w && d + 7 > lastDayOfMonth(y, m)) return true;
    }
    return false;
  };
  const dayMatches = (y: number, m: number, d: number): boolean =>
    anyDay ? domMatches(y, m, d) && dowMatches(y, m, d) : domMatches(y, m, d) || dowMatches(y, m, d);

  const step = hasSeconds ? 1000 : 60_000;
  return {
    expression,
    hasSeconds,
    timeZone,
    next(after: number): number | undefined {
      const startWall = wallClock(after, timeZone);
      let wall = Math.floor(startWall / step) * step + step;
      const limit = startWall + 8 * 366 * 86_400_000;
      while (wall <= limit) {
        const t = new Date(wall);
        const y = t.getUTCFullYear();
        const mo = t.getUTCMonth() + 1;
        const d = t.getUTCDate();
        const h = t.getUTCHours();
        const mi = t.getUTCMinutes();
        const s = t.getUTCSeconds();
        if (!months.has(mo)) {
          wall = Date.UTC(y, mo, 1);
          continue;
        }
        if (!dayMatches(y, mo, d)) {
          wall = Date.UTC(y, mo - 1, d + 1);
          continue;
        }
        if (!hours.has(h)) {
          wall = Date.UTC(y, mo - 1, d, h + 1);
          continue;
        }
        if (!minutes.has(mi)) {
          wall = Date.UTC(y, mo - 1, d, h, mi + 1);
          continue;
        }
        if (!seconds.has(s)) {
          wall = Date.UTC(y, mo - 1, d, h, mi, s + 1);
          continue;
        }
        const instant = instantOf(wall, timeZone);
        if (instant > after) return instant;
        wall += step;
      }
      return undefined;
    },
  };
}

export interface MostRecent {
  /** The latest scheduled time in (earliest, now], if any. */
  time?: number;
  /** More than 100 scheduled times were missed since `earliest`. */
  manyMissed: boolean;
}

/** The most recent scheduled time after `earliest` and not after `now` (kube's mostRecentScheduleTime). */
export function mostRecentScheduleTime(schedule: CronSchedule, earliest: number, now: number): MostRecent {
  const t1 = schedule.next(earliest);
  if (t1 === undefined || now < t1) return { manyMissed: false };
  const t2 = schedule.next(t1);
  if (t2 === undefined || now < t2) return { time: t1, manyMissed: false };
  let last = t2;
  for (let count = 2; count <= 100; count++) {
    const n = schedule.next(last);
    if (n === undefined || n > now) return { time: last, manyMissed: false };
    last = n;
  }
  // Over 100 missed: look for the latest one in widening windows before now.
  let window = Math.max(t2 - t1, 1000);
  for (;;) {
    const start = Math.max(last, now - window);
    let latest: number | undefined;
    for (let t = schedule.next(start); t !== undefined && t <= now; t = schedule.next(t)) latest = t;
    if (latest !== undefined) return { time: latest, manyMissed: true };
    if (start === last) return { time: last, manyMissed: true };
    window *= 2;
  }
}

// Durations, --since, ages and timestamps as the CLI reads (flags) and prints
// them (tables, progress lines, audit).
import { describe, expect, it } from 'vitest';
import { ageOf, formatAge, formatDuration, formatTimestamp, parseDuration, parseSince } from '../../../src/cli/time.js';

describe('parseDuration', () => {
  it.each([
    ['5m', 300_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['2d', 172_800_000],
    ['300', 300_000],
  ])('%s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '5x', 'm5', '5m junk', 'yesterday'])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('parseSince', () => {
  const now = Date.UTC(2026, 0, 10);
  it('takes an age before now', () => expect(parseSince('24h', now)).toBe(now - 86_400_000));
  it('takes a date', () => expect(parseSince('2026-01-01', now)).toBe(Date.UTC(2026, 0, 1)));
  it('takes a date and time', () => expect(parseSince('2026-01-01T10:00:00Z', now)).toBe(Date.UTC(2026, 0, 1, 10)));
  it('rejects anything else', () => {
    expect(parseSince('yesterday', now)).toBeUndefined();
    expect(parseSince('12', now)).toBeUndefined();
    expect(parseSince('2026-13-45', now)).toBeUndefined();
  });
});

describe('formatting', () => {
  it('ages as kubectl prints them', () => {
    expect(formatAge(45_000)).toBe('45s');
    expect(formatAge(5 * 60_000 + 30_000)).toBe('5m30s');
    expect(formatAge(42 * 60_000)).toBe('42m');
    expect(formatAge(3 * 3_600_000 + 12 * 60_000)).toBe('3h12m');
    expect(formatAge(30 * 3_600_000)).toBe('30h');
    expect(formatAge(5 * 86_400_000)).toBe('5d');
    expect(formatAge(-5)).toBe('0s');
  });

  it('durations', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(12_000)).toBe('12s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000)).toBe('2h5m');
  });

  it('ages of timestamps and absolute times in UTC', () => {
    expect(ageOf('2026-01-01T00:00:00Z', Date.UTC(2026, 0, 1, 0, 2))).toBe('2m');
    expect(ageOf(undefined)).toBe('<unknown>');
    expect(formatTimestamp('2026-01-02T10:04:05Z')).toBe('2026-01-02 10:04:05Z');
    expect(formatTimestamp(undefined)).toBe('');
  });
});

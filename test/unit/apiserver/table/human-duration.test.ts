import { describe, expect, it } from 'vitest';
import { humanDuration, parseTime, translateTimestampSince } from '../../../../src/apiserver/table/human-duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  it.each([
    // Clock skew of up to a second reads as now; more is invalid.
    [-2 * S, '<invalid>'],
    [-1999, '0s'],
    [-1 * S, '0s'],
    [-1, '0s'],
    [0, '0s'],
    [999, '0s'],
    [43 * S, '43s'],
    [59 * S, '59s'],
    [90 * S, '90s'],
    [119 * S + 999, '119s'],
    // 2 to 10 minutes: minutes and seconds.
    [2 * M, '2m'],
    [2 * M + 3 * S, '2m3s'],
    [9 * M + 59 * S, '9m59s'],
    // 10 minutes to 3 hours: minutes.
    [10 * M, '10m'],
    [10 * M + 59 * S, '10m'],
    [179 * M + 59 * S, '179m'],
    // 3 to 8 hours: hours and minutes.
    [3 * H, '3h'],
    [3 * H + M, '3h1m'],
    [7 * H + 59 * M, '7h59m'],
    // 8 to 48 hours: hours.
    [8 * H, '8h'],
    [47 * H + 59 * M, '47h'],
    // 2 to 8 days: days and hours.
    [48 * H, '2d'],
    [2 * D + 5 * H, '2d5h'],
    [7 * D + 23 * H, '7d23h'],
    // 8 days to 2 years: days.
    [8 * D, '8d'],
    [729 * D, '729d'],
    // 2 to 8 years: years and days.
    [2 * Y, '2y'],
    [2 * Y + 10 * D, '2y10d'],
    [7 * Y + 364 * D, '7y364d'],
    // 8 years and more: years.
    [8 * Y, '8y'],
    [20 * Y + 100 * D, '20y'],
  ])('%d ms → %s', (ms, expected) => {
    expect(humanDuration(ms)).toBe(expected);
  });
});

describe('translateTimestampSince', () => {
  const now = Date.parse('2025-01-01T12:00:00Z');

  it('measures from an RFC 3339 timestamp to now', () => {
    expect(translateTimestampSince('2025-01-01T11:59:17Z', now)).toBe('43s');
    expect(translateTimestampSince('2025-01-01T11:57:57Z', now)).toBe('2m3s');
    expect(translateTimestampSince('2024-12-25T12:00:00Z', now)).toBe('7d');
    expect(translateTimestampSince('2025-01-01T12:00:00.500000Z', now)).toBe('0s');
  });

  it('is <unknown> without a timestamp', () => {
    expect(translateTimestampSince(undefined, now)).toBe('<unknown>');
    expect(translateTimestampSince('', now)).toBe('<unknown>');
    expect(translateTimestampSince(null, now)).toBe('<unknown>');
    expect(translateTimestampSince('not a time', now)).toBe('<unknown>');
    expect(parseTime('2025-01-01T00:00:00Z')).toBe(Date.UTC(2025, 0, 1));
  });
});

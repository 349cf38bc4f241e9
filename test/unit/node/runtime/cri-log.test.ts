import { describe, expect, it } from 'vitest';
import { CriLogFormatter, parseCriLine, rfc3339Nano } from '../../../../src/node/runtime/process/cri-log.js';

const T = 1_767_225_600_123_456_789n; // 2026-01-01T00:00:00.123456789Z

function collect(maxLine?: number) {
  const out: string[] = [];
  const f = new CriLogFormatter((b) => out.push(b.toString('utf8')), () => T, maxLine);
  return { f, text: () => out.join('') };
}

describe('CRI log lines', () => {
  it('formats RFC3339 with nine fractional digits', () => {
    expect(rfc3339Nano(T)).toBe('2026-01-01T00:00:00.123456789Z');
    expect(rfc3339Nano(1_767_225_600_000_000_001n)).toBe('2026-01-01T00:00:00.000000001Z');
  });

  it('writes full lines with stream and F tag, keeping the tail until its newline', () => {
    const { f, text } = collect();
    f.write('stdout', Buffer.from('hello\nwor'));
    expect(text()).toBe('2026-01-01T00:00:00.123456789Z stdout F hello\n');
    f.write('stderr', Buffer.from('oops\n'));
    f.write('stdout', Buffer.from('ld\n\n'));
    expect(text().split('\n').filter(Boolean)).toEqual([
      '2026-01-01T00:00:00.123456789Z stdout F hello',
      '2026-01-01T00:00:00.123456789Z stderr F oops',
      '2026-01-01T00:00:00.123456789Z stdout F world',
      '2026-01-01T00:00:00.123456789Z stdout F ',
    ]);
  });

  it('splits long lines into P chunks and flushes an unterminated tail as F', () => {
    const { f, text } = collect(4);
    f.write('stdout', Buffer.from('abcdefghij'));
    f.write('stdout', Buffer.from('k\nxy'));
    f.flush();
    expect(text().split('\n').filter(Boolean).map((l) => l.slice(31))).toEqual(['stdout P abcd', 'stdout P efgh', 'stdout F ijk', 'stdout F xy']);
  });

  it('keeps streams apart', () => {
    const { f, text } = collect();
    f.write('stdout', Buffer.from('a'));
    f.write('stderr', Buffer.from('b\n'));
    f.write('stdout', Buffer.from('c\n'));
    expect(text().split('\n').filter(Boolean).map((l) => l.slice(31))).toEqual(['stderr F b', 'stdout F ac']);
  });

  it('parses its own lines (and shorter fractions)', () => {
    expect(parseCriLine('2026-01-01T00:00:00.123456789Z stderr P some text')).toEqual({ time: '2026-01-01T00:00:00.123456789Z', stream: 'stderr', partial: true, content: 'some text' });
    expect(parseCriLine('2026-01-01T00:00:00.1Z stdout F ')).toMatchObject({ content: '' });
    expect(parseCriLine('garbage')).toBeUndefined();
  });
});

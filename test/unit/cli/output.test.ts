// Output helpers: kubectl-style table alignment (colour codes not counted),
// colour only on a TTY without NO_COLOR, structured output, progress lines.
import { describe, expect, it } from 'vitest';
import { colorEnabled, firstLine, formatStructured, makeStyle, renderTable, startProgress, terminal, truncate, visibleLength } from '../../../src/cli/output.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (c: string) => chunks.push(c) };
}

describe('renderTable', () => {
  it('upper-cases headers and pads every column to its widest cell, three spaces apart', () => {
    const text = renderTable(['name', 'sync', 'age'], [['web', 'Synced', '5m'], ['a-much-longer-name', 'OutOfSync', '12s']]);
    expect(text.split('\n')).toEqual([
      'NAME                 SYNC        AGE',
      'web                  Synced      5m',
      'a-much-longer-name   OutOfSync   12s',
    ]);
  });

  it('measures cells without ANSI colour codes', () => {
    const style = makeStyle(true);
    const text = renderTable(['a', 'b'], [[style.green('ok'), 'x'], ['longer', 'y']]);
    const [, first, second] = text.split('\n');
    expect(first!.replace(/\u001b\[[0-9;]*m/g, '')).toBe('ok       x');
    expect(second).toBe('longer   y');
    expect(visibleLength(style.red('abc'))).toBe(3);
  });

  it('leaves no trailing blanks and prints empty cells as nothing', () => {
    const text = renderTable(['a', 'b', 'c'], [['1', undefined, '']]);
    expect(text.split('\n')[1]).toBe('1');
    expect(text.split('\n').every((l) => l === l.trimEnd())).toBe(true);
  });

  it('keeps a multi-line cell on one row', () => {
    expect(renderTable(['m'], [['one\ntwo']]).split('\n')[1]).toBe('one two');
  });
});

describe('colour', () => {
  it('is on only for a TTY without NO_COLOR and not on a dumb terminal', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({}, {})).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });

  it('styles are the identity when colour is off', () => {
    const style = makeStyle(false);
    expect(style.red('x')).toBe('x');
    expect(style.status('Degraded')).toBe('Degraded');
  });

  it('colours status words by meaning when on', () => {
    const style = makeStyle(true);
    expect(style.status('Synced')).toBe('\u001b[32mSynced\u001b[39m');
    expect(style.status('Failed')).toBe('\u001b[31mFailed\u001b[39m');
    expect(style.status('OutOfSync')).toBe('\u001b[33mOutOfSync\u001b[39m');
    expect(style.status('Whatever')).toBe('Whatever');
  });

  it('a terminal on a pipe never colours', () => {
    const out = sink(false);
    const term = terminal({ stdout: out, stderr: sink(false), env: {} });
    expect(term.color).toBe(false);
    term.out(term.style.green('plain'));
    expect(out.chunks).toEqual(['plain\n']);
  });

  it('a terminal on a TTY colours unless NO_COLOR is set', () => {
    expect(terminal({ stdout: sink(true), stderr: sink(true), env: {} }).color).toBe(true);
    expect(terminal({ stdout: sink(true), stderr: sink(true), env: { NO_COLOR: 'yes' } }).color).toBe(false);
  });
});

describe('structured output and text helpers', () => {
  it('prints yaml and json', () => {
    expect(formatStructured({ a: 1, b: ['x'] }, 'json')).toBe('{\n  "a": 1,\n  "b": [\n    "x"\n  ]\n}');
    expect(formatStructured({ a: 1, b: ['x'] }, 'yaml')).toBe('a: 1\nb:\n  - x');
  });

  it('first line and truncation', () => {
    expect(firstLine('subject\n\nbody')).toBe('subject');
    expect(firstLine(undefined)).toBe('');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
});

describe('startProgress', () => {
  it('prints plain lines off a TTY: when the text changes, and periodically', () => {
    let t = 0;
    const s = sink(false);
    const p = startProgress('waiting', { stream: s, now: () => t, intervalMs: 10_000 });
    p.update('waiting');
    t = 2000;
    p.update('Running');
    t = 3000;
    p.update('Running');
    t = 13_000;
    p.update('Running');
    p.stop('done');
    expect(s.chunks).toEqual(['waiting (0s)\n', 'Running (2s)\n', 'Running (13s)\n', 'done\n']);
  });

  it('redraws in place on a TTY and clears the line when stopped', () => {
    const s = sink(true);
    const p = startProgress('waiting', { stream: s, now: () => 0 });
    p.stop();
    expect(s.chunks[0]).toMatch(/^\r\u001b\[2K. waiting \(0s\)$/);
    expect(s.chunks[s.chunks.length - 1]).toBe('\r\u001b[2K');
  });
});

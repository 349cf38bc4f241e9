// Label selectors: parsing the query form, converting LabelSelector, matching.

import { describe, expect, it } from 'vitest';
import { formatSelector, Selector, toSelector } from '../../../src/client/selector.js';

describe('Selector', () => {
  it('parses every operator and matches labels', () => {
    const s = Selector.parse('app=web, tier in (front,back),!canary,env!=prod,track,version notin (1,2),gen>3,age<10');
    const ok = { app: 'web', tier: 'front', env: 'dev', track: 'x', version: '3', gen: '4', age: '9' };
    expect(s.matches(ok)).toBe(true);
    expect(s.matches({ ...ok, canary: 'true' })).toBe(false);
    expect(s.matches({ ...ok, tier: 'db' })).toBe(false);
    expect(s.matches({ ...ok, env: 'prod' })).toBe(false);
    const { track: _t, ...noTrack } = ok;
    expect(s.matches(noTrack)).toBe(false);
    expect(s.matches({ ...ok, version: '1' })).toBe(false);
    expect(s.matches({ ...ok, gen: '3' })).toBe(false);
    expect(s.matches({ ...ok, age: 'ten' })).toBe(false);
    expect(Selector.parse('a==b').matches({ a: 'b' })).toBe(true);
    expect(Selector.parse('example.com/role=x').matches({ 'example.com/role': 'x' })).toBe(true);
  });

  it('treats an empty selector as everything and a missing label as not equal', () => {
    expect(Selector.parse('').matches(undefined)).toBe(true);
    expect(Selector.parse('  ').empty).toBe(true);
    expect(Selector.parse('a!=b').matches({})).toBe(true);
    expect(Selector.parse('a notin (b)').matches(undefined)).toBe(true);
    expect(Selector.parse('a=b').matches(undefined)).toBe(false);
  });

  it('rejects malformed selectors', () => {
    for (const bad of ['a in (b', 'a=b,', '=b', 'a>x', 'a=b c', 'bad key=1']) {
      expect(() => Selector.parse(bad), bad).toThrow(expect.objectContaining({ status: expect.objectContaining({ code: 400, reason: 'BadRequest' }) }));
    }
  });

  it('converts LabelSelector and formats canonically', () => {
    const s = Selector.fromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['b', 'a'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'track', operator: 'Exists' },
      ],
    });
    // Canonical as in Kubernetes: requirements sorted by key.
    expect(s.toString()).toBe('app=web,!canary,env notin (prod),tier in (a,b),track');
    expect(Selector.parse(s.toString()).toString()).toBe(s.toString());
    expect(formatSelector({ matchLabels: { a: '1', b: '2' } })).toBe('a=1,b=2');
    expect(formatSelector('x=y')).toBe('x=y');
    expect(formatSelector(undefined)).toBe('');
    expect(toSelector({}).empty).toBe(true);
    expect(Selector.fromSet({ a: '1' }).matches({ a: '1', b: '2' })).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import {
  everything,
  labelSelectorFromSelector,
  labelValueErrors,
  newRequirement,
  nothing,
  parseLabelSelector,
  qualifiedNameErrors,
  selectorFromLabelSelector,
  selectorFromSet,
  type LabelSelector,
} from '../../../../src/api/labels.js';
import { StatusError } from '../../../../src/api/status.js';

function parseError(text: string): StatusError {
  try {
    parseLabelSelector(text);
  } catch (err) {
    expect(err).toBeInstanceOf(StatusError);
    return err as StatusError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parseLabelSelector: every operator matches as Kubernetes does', () => {
  const labels = { app: 'web', tier: 'front', env: 'prod', replicas: '3', empty: '' };
  const cases: Array<[string, Record<string, string> | undefined, boolean]> = [
    ['', labels, true],
    ['app=web', labels, true],
    ['app=api', labels, false],
    ['app==web', labels, true],
    ['app!=web', labels, false],
    ['app!=api', labels, true],
    ['missing!=x', labels, true], // != matches objects without the label
    ['app in (api,web)', labels, true],
    ['app in (api)', labels, false],
    ['missing in (x)', labels, false],
    ['app notin (api)', labels, true],
    ['app notin (web,api)', labels, false],
    ['missing notin (x)', labels, true],
    ['app', labels, true],
    ['missing', labels, false],
    ['!missing', labels, true],
    ['!app', labels, false],
    ['empty=', labels, true], // an empty value equals an empty label
    ['missing=', labels, false],
    ['empty in (,x)', labels, true],
    ['replicas>2', labels, true],
    ['replicas>3', labels, false],
    ['replicas<4', labels, true],
    ['app>1', labels, false], // non-integer label never satisfies gt/lt
    ['missing<4', labels, false],
    ['app=web,tier=front,!canary', labels, true],
    ['app=web,tier=back', labels, false],
    ['app', undefined, false],
    ['!app', undefined, true],
  ];
  it.each(cases)('%j against the labels → %s', (text, ls, want) => {
    expect(parseLabelSelector(text).matches(ls)).toBe(want);
  });
});

describe('parseLabelSelector: canonical strings', () => {
  const cases: Array<[string, string]> = [
    ['', ''],
    ['a=b', 'a=b'],
    ['a==b', 'a==b'],
    ['a!=b', 'a!=b'],
    ['  tier in ( front , back ) ,  app=web  ', 'app=web,tier in (back,front)'],
    ['x notin (c,a,b,a)', 'x notin (a,b,c)'],
    ['b,!a', '!a,b'], // sorted by key
    ['z=1,a=2,m', 'a=2,m,z=1'],
    ['x in (foo,,baz),y,z notin ()', 'x in (,baz,foo),y,z notin ()'],
    ['a in (,b)', 'a in (,b)'],
    ['a in (b,)', 'a in (,b)'],
    ['a=', 'a='],
    ['a>1,b<2', 'a>1,b<2'],
    ['example.com/app=web', 'example.com/app=web'],
    ['in in (in,notin)', 'in in (in,notin)'], // keywords are values in a value position
    ['a\tin\n(b)', 'a in (b)'],
  ];
  it.each(cases)('%j prints as %j', (text, want) => {
    expect(parseLabelSelector(text).toString()).toBe(want);
  });

  it('round-trips: parsing the canonical string gives the same selector', () => {
    const s = parseLabelSelector('tier notin (b,a), app , !canary, env=prod, n>5');
    expect(parseLabelSelector(s.toString()).toString()).toBe(s.toString());
    expect(s.requirements.map((r) => r.key)).toEqual(['app', 'canary', 'env', 'n', 'tier']);
  });
});

describe('parseLabelSelector: malformed input is a 400 with Kubernetes wording', () => {
  const cases: Array<[string, string]> = [
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a in (b c)', "unable to parse requirement: found 'c', expected: ',' or ')'"],
    ['a=b=c', "found '=', expected: ',' or 'end of string'"],
    ['a=b,', "found '', expected: identifier after ','"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    ['a=(b)', "unable to parse requirement: found '(', expected: identifier"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['a in ()x', "found 'x', expected: ',' or 'end of string'"],
  ];
  it.each(cases)('%j → %s', (text, message) => {
    const err = parseError(text);
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toBe(message);
  });

  it('rejects keys that are not qualified names', () => {
    expect(parseError('a b/c d=e').message).toMatch(/^unable to parse requirement: found 'b\/c', expected: in/);
    expect(parseError('-app=web').message).toBe(
      `unable to parse requirement: Invalid value: "-app": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    );
    expect(parseError('Example.com/app').message).toMatch(/Invalid value: "Example.com\/app": prefix part a lowercase RFC 1123 subdomain/);
    expect(parseError('a/b/c').message).toMatch(/a qualified name must consist of .* with an optional DNS subdomain prefix and '\/'/);
    expect(parseError(`${'k'.repeat(64)}`).message).toMatch(/name part must be no more than 63 characters/);
  });

  it('rejects invalid values with the value path', () => {
    expect(parseError('app=-web').message).toMatch(/^unable to parse requirement: values\[0\]\[app\]: Invalid value: "-web": a valid label must be an empty string/);
    expect(parseError(`app=${'v'.repeat(64)}`).message).toMatch(/must be no more than 63 characters/);
  });

  it('requires an integer for gt and lt', () => {
    expect(parseError('a>b').message).toBe(`unable to parse requirement: values[0]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer`);
  });
});

describe('selectorFromLabelSelector', () => {
  const pod = { app: 'web', tier: 'front' };

  it('ANDs matchLabels and matchExpressions', () => {
    const ls: LabelSelector = {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['front', 'edge'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'app', operator: 'Exists' },
        { key: 'env', operator: 'NotIn', values: ['dev'] },
      ],
    };
    const s = selectorFromLabelSelector(ls);
    expect(s.matches(pod)).toBe(true);
    expect(s.matches({ ...pod, canary: 'true' })).toBe(false);
    expect(s.matches({ ...pod, env: 'dev' })).toBe(false);
    expect(s.toString()).toBe('app=web,app,!canary,env notin (dev),tier in (edge,front)');
  });

  it('selects everything when empty and nothing when null', () => {
    expect(selectorFromLabelSelector({}).empty()).toBe(true);
    expect(selectorFromLabelSelector({}).matches(pod)).toBe(true);
    expect(selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [] }).matches(undefined)).toBe(true);
    const none = selectorFromLabelSelector(null);
    expect(none.matches(pod)).toBe(false);
    expect(none.matches({})).toBe(false);
    expect(none.empty()).toBe(false);
    expect(selectorFromLabelSelector(undefined).matches(pod)).toBe(false);
    expect(nothing().toString()).toBe('');
    expect(everything().matches(undefined)).toBe(true);
  });

  it('rejects bad operators and values with 400s', () => {
    expect(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] })).toThrowError(
      '"Gt" is not a valid label selector operator',
    );
    expect(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toThrowError(
      `values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty`,
    );
    expect(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })).toThrowError(
      'values set must be empty for exists and does not exist',
    );
    expect(() => selectorFromLabelSelector({ matchLabels: { 'bad key': 'x' } })).toThrowError(/key: Invalid value: "bad key"/);
    try {
      selectorFromLabelSelector({ matchLabels: { a: 'b c' } });
      expect.unreachable();
    } catch (err) {
      expect((err as StatusError).code).toBe(400);
    }
  });

  it('converts back to the object form', () => {
    const s = parseLabelSelector('app=web,tier in (a,b),!canary,env');
    expect(labelSelectorFromSelector(s)).toEqual({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'env', operator: 'Exists' },
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
      ],
    });
    expect(selectorFromLabelSelector(labelSelectorFromSelector(s)).toString()).toBe(s.toString());
    expect(() => labelSelectorFromSelector(parseLabelSelector('a!=b'))).toThrowError(/cannot be expressed/);
  });
});

describe('selectorFromSet and requiresExactMatch', () => {
  it('builds key=value requirements sorted by key', () => {
    const s = selectorFromSet({ tier: 'front', app: 'web' });
    expect(s.toString()).toBe('app=web,tier=front');
    expect(s.matches({ app: 'web', tier: 'front', extra: 'x' })).toBe(true);
    expect(s.matches({ app: 'web' })).toBe(false);
    expect(selectorFromSet({}).empty()).toBe(true);
    expect(selectorFromSet(undefined).matches({ a: 'b' })).toBe(true);
  });

  it('reports the value a selector pins a label to', () => {
    const s = parseLabelSelector('app=web,tier in (front),env in (a,b),x!=y');
    expect(s.requiresExactMatch('app')).toBe('web');
    expect(s.requiresExactMatch('tier')).toBe('front');
    expect(s.requiresExactMatch('env')).toBeUndefined();
    expect(s.requiresExactMatch('x')).toBeUndefined();
    expect(s.requiresExactMatch('nope')).toBeUndefined();
  });

  it('does not treat inherited properties as labels', () => {
    expect(parseLabelSelector('constructor').matches({})).toBe(false);
    expect(parseLabelSelector('!toString').matches({})).toBe(true);
  });
});

describe('validation helpers', () => {
  it('accepts what Kubernetes accepts', () => {
    for (const k of ['a', 'app.kubernetes.io/name', 'A_b-c.d', 'x/y', `${'a'.repeat(63)}`]) expect(qualifiedNameErrors(k)).toEqual([]);
    for (const v of ['', 'v1', 'my_value', '1.2.3', 'A-b']) expect(labelValueErrors(v)).toEqual([]);
    expect(qualifiedNameErrors('/a')).toEqual(['prefix part must be non-empty']);
    expect(labelValueErrors('a b')).toHaveLength(1);
  });

  it('newRequirement validates and normalizes', () => {
    expect(newRequirement('a', 'in', ['z', 'y', 'z']).values).toEqual(['y', 'z']);
    expect(() => newRequirement('a', '=', ['x', 'y'])).toThrowError(/exact-match compatibility requires one single value/);
  });
});

import { describe, expect, it } from 'vitest';
import { applyJsonPatch, formatJsonPointer, parseJsonPointer } from '../../../../src/api/patch/json-patch.js';
import { StatusError } from '../../../../src/api/status.js';

function failure(target: unknown, ops: unknown): StatusError {
  try {
    applyJsonPatch(target, ops);
  } catch (err) {
    expect(err).toBeInstanceOf(StatusError);
    return err as StatusError;
  }
  throw new Error('expected the patch to fail');
}

describe('applyJsonPatch: the RFC 6902 appendix A examples', () => {
  const ok: Array<[string, unknown, unknown[], unknown]> = [
    ['A.1 adding an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['A.2 adding an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 removing an object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 removing an array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replacing a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    [
      'A.6 moving a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    ['A.7 moving an array element', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
    [
      'A.8 testing a value: success',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    ['A.10 adding a nested member object', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    ['A.11 ignoring unrecognized elements', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
    ['A.14 ~ escape ordering', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    ['A.16 adding an array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
  ];
  it.each(ok)('%s', (_name, target, ops, want) => {
    expect(applyJsonPatch(target, ops)).toEqual(want);
  });

  const failing: Array<[string, unknown, unknown[], RegExp]> = [
    ['A.9 testing a value: error', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], /operation 0 \(test \/baz\) failed: test failed: value "qux" is not "bar"/],
    ['A.12 adding to a nonexistent target', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], /path \/baz does not exist/],
    ['A.15 comparing strings and numbers', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }], /test failed: value 10 is not "10"/],
  ];
  it.each(failing)('%s → 422', (_name, target, ops, message) => {
    const err = failure(target, ops);
    expect(err.code).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.message).toMatch(/^the server rejected our request due to an error in our request: json patch operation/);
    expect(err.message).toMatch(message);
  });
});

describe('applyJsonPatch: more operations', () => {
  const doc = { metadata: { name: 'web', labels: { 'app.kubernetes.io/name': 'web' } }, spec: { replicas: 1, list: [1, 2, 3] } };

  it.each([
    [[{ op: 'add', path: '', value: { whole: true } }], { whole: true }],
    [[{ op: 'replace', path: '', value: [1] }], [1]],
    [[{ op: 'add', path: '/spec/list/0', value: 0 }], { ...doc, spec: { replicas: 1, list: [0, 1, 2, 3] } }],
    [[{ op: 'add', path: '/spec/list/3', value: 4 }], { ...doc, spec: { replicas: 1, list: [1, 2, 3, 4] } }],
    [[{ op: 'replace', path: '/spec/list/1', value: 9 }], { ...doc, spec: { replicas: 1, list: [1, 9, 3] } }],
    [[{ op: 'copy', from: '/spec/list', path: '/spec/copy' }], { ...doc, spec: { replicas: 1, list: [1, 2, 3], copy: [1, 2, 3] } }],
    [[{ op: 'move', from: '/spec/replicas', path: '/spec/replicas' }], doc],
    [[{ op: 'add', path: '/spec/replicas', value: 5 }], { ...doc, spec: { replicas: 5, list: [1, 2, 3] } }],
    [
      [{ op: 'remove', path: '/metadata/labels/app.kubernetes.io~1name' }],
      { ...doc, metadata: { name: 'web', labels: {} } },
    ],
    [[{ op: 'test', path: '/spec', value: { list: [1, 2, 3], replicas: 1 } }], doc], // member order does not matter
    [[], doc],
  ])('%j', (ops, want) => {
    expect(applyJsonPatch(doc, ops)).toEqual(want);
  });

  it('keeps the member order of a replaced object member', () => {
    const out = applyJsonPatch({ a: 1, b: 2, c: 3 }, [{ op: 'replace', path: '/b', value: 9 }]);
    expect(Object.keys(out as object)).toEqual(['a', 'b', 'c']);
  });

  it('applies all operations or none, and never mutates its inputs', () => {
    const target = structuredClone(doc);
    const ops = [
      { op: 'add', path: '/spec/list/-', value: { deep: [1] } },
      { op: 'remove', path: '/metadata/name' },
      { op: 'test', path: '/spec/replicas', value: 2 },
    ];
    const opsCopy = structuredClone(ops);
    expect(failure(target, ops).code).toBe(422);
    expect(target).toEqual(doc);
    expect(ops).toEqual(opsCopy);
    const out = applyJsonPatch(target, ops.slice(0, 1)) as any;
    out.spec.list[3].deep.push(2);
    expect(ops[0]).toEqual(opsCopy[0]);
  });

  it('copies values rather than aliasing them', () => {
    const out = applyJsonPatch({ a: { x: 1 } }, [
      { op: 'copy', from: '/a', path: '/b' },
      { op: 'replace', path: '/b/x', value: 2 },
    ]);
    expect(out).toEqual({ a: { x: 1 }, b: { x: 2 } });
  });

  const unprocessable: Array<[unknown[], RegExp]> = [
    [[{ op: 'remove', path: '/nope' }], /operation 0 \(remove \/nope\) failed: path \/nope does not exist/],
    [[{ op: 'replace', path: '/spec/nope', value: 1 }], /path \/spec\/nope does not exist/],
    [[{ op: 'remove', path: '/spec/list/3' }], /index 3 is out of bounds/],
    [[{ op: 'add', path: '/spec/list/5', value: 1 }], /index 5 is out of bounds/],
    [[{ op: 'add', path: '/spec/list/01', value: 1 }], /"01" is not a valid array index/],
    [[{ op: 'replace', path: '/spec/list/-', value: 1 }], /"-" is not a valid array index/],
    [[{ op: 'add', path: '/spec/replicas/x', value: 1 }], /\/spec\/replicas is number, not an object or array/],
    [[{ op: 'move', from: '/spec', path: '/spec/inner' }], /cannot move \/spec into its own child \/spec\/inner/],
    [[{ op: 'copy', from: '/nope', path: '/x' }], /path \/nope does not exist/],
    [[{ op: 'remove', path: '' }], /cannot remove the whole document/],
    [[{ op: 'test', path: '/spec/replicas', value: 1 }, { op: 'test', path: '/spec/list', value: [3, 2, 1] }], /operation 1 \(test \/spec\/list\)/],
  ];
  it.each(unprocessable)('%j → 422', (ops, message) => {
    const err = failure(doc, ops);
    expect(err.code).toBe(422);
    expect(err.message).toMatch(message);
  });

  const malformed: Array<[unknown, RegExp]> = [
    [{ op: 'add', path: '/a', value: 1 }, /json patch must be a JSON array of operations, got object/],
    [[{ path: '/a' }], /operation 0 has no "op"/],
    [[{ op: 'merge', path: '/a' }], /unsupported op "merge"/],
    [[{ op: 'add', value: 1 }], /\(add\) has no "path"/],
    [[{ op: 'add', path: '/a' }], /\(add \/a\) has no "value"/],
    [[{ op: 'test', path: '/a' }], /\(test \/a\) has no "value"/],
    [[{ op: 'move', path: '/a' }], /\(move \/a\) has no "from"/],
    [[{ op: 'add', path: 'a', value: 1 }], /must be empty or start with "\/"/],
    [[{ op: 'add', path: '/a~2', value: 1 }], /invalid escape sequence/],
    [['add'], /operation 0 must be an object, got string/],
  ];
  it.each(malformed)('%j → 400', (ops, message) => {
    const err = failure(doc, ops);
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toMatch(message);
  });

  it('accepts a null value for add, replace and test', () => {
    expect(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '/a', value: null }, { op: 'test', path: '/a', value: null }])).toEqual({ a: null });
  });
});

describe('JSON pointers', () => {
  it.each([
    ['', []],
    ['/', ['']],
    ['/a/b', ['a', 'b']],
    ['/a~1b/c~0d', ['a/b', 'c~d']],
    ['/~01', ['~1']],
  ])('%j ⇄ %j', (pointer, tokens) => {
    expect(parseJsonPointer(pointer)).toEqual(tokens);
    expect(formatJsonPointer(tokens)).toBe(pointer);
  });
});

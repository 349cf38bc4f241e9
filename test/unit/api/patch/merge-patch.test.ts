import { describe, expect, it } from 'vitest';
import { applyMergePatch, createMergePatch } from '../../../../src/api/patch/merge-patch.js';

describe('applyMergePatch: the RFC 7386 appendix A examples', () => {
  const cases: Array<[unknown, unknown, unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(cases)('%j + %j = %j', (target, patch, want) => {
    expect(applyMergePatch(target, patch)).toEqual(want);
  });
});

describe('applyMergePatch on Kubernetes objects', () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] } } },
  };

  it('merges maps, deletes with null and replaces lists whole', () => {
    const out = applyMergePatch(deployment, {
      metadata: { labels: { tier: null, env: 'prod' } },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } },
    });
    expect(out).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web', env: 'prod' } },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } },
    });
  });

  it('never mutates its inputs', () => {
    const target = structuredClone(deployment);
    const patch = { metadata: { labels: { app: null } }, spec: { template: { spec: { containers: [{ name: 'x' }] } } } };
    const patchCopy = structuredClone(patch);
    const out = applyMergePatch(target, patch) as any;
    expect(target).toEqual(deployment);
    expect(patch).toEqual(patchCopy);
    out.spec.template.spec.containers[0].name = 'changed';
    expect(patch.spec.template.spec.containers[0].name).toBe('x');
  });

  it('treats __proto__ as an ordinary key', () => {
    const out = applyMergePatch({}, JSON.parse('{"__proto__": {"polluted": true}, "a": 1}')) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'a']);
  });
});

describe('createMergePatch', () => {
  it.each([
    [{ a: 1 }, { a: 1 }, {}],
    [{ a: 1 }, { a: 2 }, { a: 2 }],
    [{ a: 1, b: 2 }, { a: 1 }, { b: null }],
    [{ a: { b: 1, c: 2 } }, { a: { b: 1, d: 3 } }, { a: { c: null, d: 3 } }],
    [{ a: [1, 2] }, { a: [1, 2] }, {}],
    [{ a: [1, 2] }, { a: [2] }, { a: [2] }],
    [{ a: { b: 1 } }, { a: 'x' }, { a: 'x' }],
  ])('diff %j → %j is %j, and applying it gets there', (original, modified, want) => {
    const patch = createMergePatch(original as any, modified as any);
    expect(patch).toEqual(want);
    expect(applyMergePatch(original, patch)).toEqual(modified);
  });
});

// ignoreDifferences: JSON pointers and the supported jq subset remove fields from the
// comparison and from the patch; unsupported jq is an error.

import { describe, expect, it } from 'vitest';
import { diffResource, prepareForApply, validateIgnoreRules, type IgnoreRule } from '../../../../src/gitops/diff/index.js';
import { compileJqPath, deleteJqPath } from '../../../../src/gitops/diff/jq-path.js';
import { APP, applied, deployment } from './fixtures.js';

describe('jq subset', () => {
  const doc = () => ({
    metadata: { annotations: { 'example.com/x': '1', keep: '2' } },
    spec: { containers: [{ name: 'a', image: 'i1', env: [{ name: 'E' }] }, { name: 'b', image: 'i2' }], replicas: 3 },
  });

  it.each([
    ['.spec.replicas', (d: any) => expect(d.spec.replicas).toBeUndefined()],
    ['.metadata.annotations["example.com/x"]', (d: any) => expect(d.metadata.annotations).toEqual({ keep: '2' })],
    ['.spec.containers[].image', (d: any) => expect(d.spec.containers.map((c: any) => c.image)).toEqual([undefined, undefined])],
    ['.spec.containers[] | select(.name == "b") | .image', (d: any) => expect(d.spec.containers.map((c: any) => c.image)).toEqual(['i1', undefined])],
    ['.spec.containers[] | select(.name != "b")', (d: any) => expect(d.spec.containers.map((c: any) => c.name)).toEqual(['b'])],
    ['.spec.containers[0].env', (d: any) => expect(d.spec.containers[0].env).toBeUndefined()],
    ['.spec.containers[-1]', (d: any) => expect(d.spec.containers).toHaveLength(1)],
    ['.spec | .containers[] | select(.env[].name == "E") | .name', (d: any) => expect(d.spec.containers[0].name).toBeUndefined()],
    ['.nothing.here[]', (d: any) => expect(d).toEqual(doc())],
  ])('%s', (expr, check) => {
    const d = doc();
    deleteJqPath(d, compileJqPath(expr));
    check(d);
  });

  it.each(['.a | length', '.a[1:2]', 'del(.a)', '.a // "x"', '.', '.a[] | select(.b)', '.a | select(.b > 1)', 'keys', '.a,.b'])('rejects %s', (expr) => {
    expect(() => compileJqPath(expr)).toThrow(/unsupported jq path expression/);
  });
});

describe('ignore rules in diffs', () => {
  it('a jsonPointer makes scaling invisible and keeps replicas out of the patch', () => {
    const ignore: IgnoreRule[] = [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }];
    const { applied: a, live } = applied(deployment());
    (live.spec as any).replicas = 7;
    expect(diffResource(a, live, { ignore }).status).toBe('Synced');
    const changed = prepareForApply(deployment('web', { image: 'nginx:2' }), APP);
    const d = diffResource(changed, live, { ignore });
    expect(d.status).toBe('OutOfSync');
    expect((d.body as any).spec.replicas).toBeUndefined();
    expect((d.live as any).spec.replicas).toBeUndefined();
  });

  it('rules match by kind, group, name and namespace', () => {
    const { applied: a, live } = applied(deployment());
    (live.spec as any).replicas = 7;
    const check = (rule: Omit<IgnoreRule, 'jsonPointers'>) => diffResource(a, live, { ignore: [{ ...rule, jsonPointers: ['/spec/replicas'] }] }).status;
    expect(check({ kind: 'Deployment' })).toBe('Synced');
    expect(check({ kind: '*', name: 'web' })).toBe('Synced');
    expect(check({ group: '', kind: 'Deployment' })).toBe('OutOfSync');
    expect(check({ kind: 'Deployment', name: 'api' })).toBe('OutOfSync');
    expect(check({ kind: 'Deployment', namespace: 'other' })).toBe('OutOfSync');
  });

  it('a jq select ignores one container\'s image', () => {
    const ignore: IgnoreRule[] = [{ kind: 'Deployment', jqPathExpressions: ['.spec.template.spec.containers[] | select(.name == "app") | .image'] }];
    const { applied: a, live } = applied(deployment());
    (live.spec as any).template.spec.containers[0].image = 'nginx:patched-by-someone';
    expect(diffResource(a, live).status).toBe('OutOfSync');
    expect(diffResource(a, live, { ignore }).status).toBe('Synced');
  });

  it('unsupported expressions and bad pointers are errors', () => {
    expect(() => validateIgnoreRules([{ kind: 'Deployment', jqPathExpressions: ['.spec | keys'] }])).toThrow(/unsupported/);
    expect(() => validateIgnoreRules([{ kind: 'Deployment', jsonPointers: ['spec/replicas'] }])).toThrow(/JSON pointer/);
    const { applied: a, live } = applied(deployment());
    expect(() => diffResource(a, live, { ignore: [{ kind: 'Deployment', jqPathExpressions: ['.a | length'] }] })).toThrow(/unsupported/);
  });
});

import { describe, expect, it } from 'vitest';
import type { DaemonSet, Node, PodSpec, PodTemplateSpec, Taint, Toleration } from '../../../../src/api/generated/index.js';
import {
  addDaemonPodTolerations,
  computeHash,
  isPodAvailable,
  nodeShouldRunDaemonPod,
  replaceNodeNameAffinity,
  scaledValue,
  targetNodeName,
  toleratesTaint,
} from '../../../../src/controller/daemonset/util.js';

function node(name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { taints } };
}

function ds(spec: Partial<PodSpec> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'd', namespace: 'default' },
    spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } } },
  };
}

describe('toleratesTaint', () => {
  const taint: Taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
  it.each<[Toleration, boolean]>([
    [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, true],
    [{ key: 'k', value: 'v' }, true],
    [{ key: 'k', operator: 'Equal', value: 'w' }, false],
    [{ key: 'k', operator: 'Exists' }, true],
    [{ operator: 'Exists' }, true],
    [{ key: 'k', operator: 'Exists', effect: 'NoExecute' }, false],
    [{ key: 'other', operator: 'Exists' }, false],
  ])('%j → %s', (tol, want) => {
    expect(toleratesTaint(tol, taint)).toBe(want);
  });
});

describe('nodeShouldRunDaemonPod', () => {
  it.each<[string, Node, DaemonSet, { shouldRun: boolean; shouldContinueRunning: boolean }]>([
    ['a plain node', node('n'), ds(), { shouldRun: true, shouldContinueRunning: true }],
    ['nodeSelector matches', node('n', { disk: 'ssd' }), ds({ nodeSelector: { disk: 'ssd' } }), { shouldRun: true, shouldContinueRunning: true }],
    ['nodeSelector does not match', node('n', { disk: 'hdd' }), ds({ nodeSelector: { disk: 'ssd' } }), { shouldRun: false, shouldContinueRunning: false }],
    ['another nodeName', node('n'), ds({ nodeName: 'm' }), { shouldRun: false, shouldContinueRunning: false }],
    [
      'required affinity matches',
      node('n', { zone: 'a' }),
      ds({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] } } } }),
      { shouldRun: true, shouldContinueRunning: true },
    ],
    [
      'required affinity does not match',
      node('n', { zone: 'c' }),
      ds({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } }),
      { shouldRun: false, shouldContinueRunning: false },
    ],
    ['untolerated NoSchedule: keep running, do not start', node('n', {}, [{ key: 'x', effect: 'NoSchedule' }]), ds(), { shouldRun: false, shouldContinueRunning: true }],
    ['untolerated NoExecute: evict', node('n', {}, [{ key: 'x', effect: 'NoExecute' }]), ds(), { shouldRun: false, shouldContinueRunning: false }],
    ['PreferNoSchedule is ignored', node('n', {}, [{ key: 'x', effect: 'PreferNoSchedule' }]), ds(), { shouldRun: true, shouldContinueRunning: true }],
    ['tolerated taint', node('n', {}, [{ key: 'x', effect: 'NoExecute' }]), ds({ tolerations: [{ key: 'x', operator: 'Exists' }] }), { shouldRun: true, shouldContinueRunning: true }],
    ['not-ready is tolerated by default', node('n', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]), ds(), { shouldRun: true, shouldContinueRunning: true }],
    ['cordoned is tolerated by default', node('n', {}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), ds(), { shouldRun: true, shouldContinueRunning: true }],
    ['network-unavailable only for hostNetwork', node('n', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), ds({ hostNetwork: true }), { shouldRun: true, shouldContinueRunning: true }],
    ['network-unavailable otherwise', node('n', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), ds(), { shouldRun: false, shouldContinueRunning: true }],
  ])('%s', (_name, n, d, want) => {
    expect(nodeShouldRunDaemonPod(n, d)).toEqual(want);
  });
});

describe('daemon pod placement', () => {
  it('adds the default tolerations once', () => {
    const spec: PodSpec = { containers: [], tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }] };
    const tolerations = addDaemonPodTolerations(spec);
    expect(tolerations.filter((t) => t.key === 'node.kubernetes.io/not-ready')).toHaveLength(1);
    expect(tolerations.map((t) => `${t.key}:${t.effect}`).sort()).toEqual([
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
  });

  it('pins a pod to a node through matchFields, keeping label terms', () => {
    const bare: PodSpec = { containers: [] };
    replaceNodeNameAffinity(bare, 'n1');
    expect(bare.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual({
      nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }],
    });
    expect(targetNodeName({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: bare })).toBe('n1');
    const withTerms: PodSpec = {
      containers: [],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['old'] }] }] } } },
    };
    replaceNodeNameAffinity(withTerms, 'n2');
    expect(withTerms.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] },
    ]);
    expect(targetNodeName({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { containers: [], nodeName: 'bound' } })).toBe('bound');
  });
});

describe('computeHash', () => {
  const template: PodTemplateSpec = { metadata: { labels: { a: 'b', c: 'd' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } };
  it('is stable under key order and changes with the template or collisionCount', () => {
    const reordered: PodTemplateSpec = { spec: { containers: [{ image: 'i:1', name: 'c' }] }, metadata: { labels: { c: 'd', a: 'b' } } };
    expect(computeHash(reordered)).toBe(computeHash(template));
    expect(computeHash({ ...template, spec: { containers: [{ name: 'c', image: 'i:2' }] } })).not.toBe(computeHash(template));
    expect(computeHash(template, 1)).not.toBe(computeHash(template));
    expect(computeHash(template)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });
});

describe('availability and maxUnavailable', () => {
  const readySince = (iso: string) => ({ apiVersion: 'v1' as const, kind: 'Pod' as const, metadata: {}, status: { conditions: [{ type: 'Ready', status: 'True' as const, lastTransitionTime: iso }] } });
  it('needs minReadySeconds of readiness', () => {
    const now = Date.parse('2026-01-01T00:00:10Z');
    expect(isPodAvailable(readySince('2026-01-01T00:00:05Z'), 0, now)).toBe(true);
    expect(isPodAvailable(readySince('2026-01-01T00:00:05Z'), 5, now)).toBe(true);
    expect(isPodAvailable(readySince('2026-01-01T00:00:05Z'), 6, now)).toBe(false);
    expect(isPodAvailable({ apiVersion: 'v1', kind: 'Pod', metadata: {} }, 0, now)).toBe(false);
  });
  it('scales percentages up', () => {
    expect(scaledValue(undefined, 10, 1)).toBe(1);
    expect(scaledValue(2, 10, 1)).toBe(2);
    expect(scaledValue('25%', 10, 1)).toBe(3);
    expect(scaledValue('0%', 10, 1)).toBe(0);
    expect(() => scaledValue('x%', 10, 1)).toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import type { Node, Pod, Taint } from '../../../../src/api/generated/index.js';
import {
  desiredTaints,
  effectiveTolerations,
  matchingTolerations,
  minTolerationMs,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
  toleratesTaint,
} from '../../../../src/controller/nodelifecycle/index.js';

const unreachable = { key: TAINT_UNREACHABLE, effect: 'NoExecute' as const };

describe('toleratesTaint', () => {
  it('follows kube: effect, key, Exists and Equal', () => {
    expect(toleratesTaint({ operator: 'Exists' }, unreachable)).toBe(true);
    expect(toleratesTaint({ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoSchedule' }, unreachable)).toBe(false);
    expect(toleratesTaint({ key: 'k', value: 'v', effect: 'NoExecute' }, { key: 'k', value: 'v', effect: 'NoExecute' })).toBe(true);
    expect(toleratesTaint({ key: 'k', value: 'w' }, { key: 'k', value: 'v', effect: 'NoExecute' })).toBe(false);
    expect(toleratesTaint({ key: 'k' }, { key: 'k', effect: 'NoExecute' })).toBe(true);
  });
});

describe('matchingTolerations and minTolerationMs', () => {
  it('needs every taint tolerated; the shortest tolerationSeconds wins; none means forever', () => {
    const taints = [unreachable, { key: 'x', effect: 'NoExecute' as const }];
    expect(matchingTolerations(taints, [{ key: TAINT_UNREACHABLE, operator: 'Exists' }]).all).toBe(false);
    const { all, used } = matchingTolerations(taints, [
      { key: TAINT_UNREACHABLE, operator: 'Exists', tolerationSeconds: 30 },
      { key: 'x', operator: 'Exists', tolerationSeconds: 5 },
    ]);
    expect(all).toBe(true);
    expect(minTolerationMs(used)).toBe(5000);
    expect(minTolerationMs([{ operator: 'Exists' }])).toBe(-1);
    expect(minTolerationMs([{ operator: 'Exists' }, { operator: 'Exists', tolerationSeconds: 3 }])).toBe(3000);
    expect(minTolerationMs([{ operator: 'Exists', tolerationSeconds: 0 }])).toBe(0);
    expect(minTolerationMs([{ operator: 'Exists', tolerationSeconds: -5 }])).toBe(0);
  });
});

describe('effectiveTolerations', () => {
  const pod = (tolerations: NonNullable<Pod['spec']>['tolerations']): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [], tolerations } });

  it('adds the DefaultTolerationSeconds tolerations only where the pod has none', () => {
    expect(effectiveTolerations(pod(undefined), 300)).toEqual([
      { key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    const own = { key: TAINT_UNREACHABLE, operator: 'Exists' as const, effect: 'NoExecute' as const, tolerationSeconds: 1 };
    expect(effectiveTolerations(pod([own]), 300)).toEqual([own, { key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]);
    expect(effectiveTolerations(pod([{ operator: 'Exists' }]), 300)).toEqual([{ operator: 'Exists' }]);
  });
});

describe('desiredTaints', () => {
  const node = (conditions: Array<[string, 'True' | 'False' | 'Unknown']>, taints: Taint[] = [], unschedulable = false): Node => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n' },
    spec: { taints, unschedulable },
    status: { conditions: conditions.map(([type, status]) => ({ type, status })) },
  });
  const keys = (n: Node): string[] => desiredTaints(n, 'T').map((t) => `${t.key}:${t.effect}`).sort();

  it('maps conditions to taints and keeps the ones it does not manage', () => {
    expect(keys(node([['Ready', 'True']]))).toEqual([]);
    expect(keys(node([['Ready', 'Unknown']]))).toEqual([`${TAINT_UNREACHABLE}:NoExecute`, `${TAINT_UNREACHABLE}:NoSchedule`]);
    expect(keys(node([['Ready', 'False'], ['MemoryPressure', 'True']], [{ key: 'mine', effect: 'NoExecute' }], true))).toEqual([
      'mine:NoExecute',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      `${TAINT_NOT_READY}:NoExecute`,
      `${TAINT_NOT_READY}:NoSchedule`,
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
  });

  it('swaps not-ready for unreachable, keeps timeAdded of taints that stay, and removes them on recovery', () => {
    const before = node([['Ready', 'Unknown']], [{ key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: 'old' }]);
    expect(desiredTaints(before, 'now').find((t) => t.effect === 'NoExecute')).toEqual({ key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: 'now' });
    const staying = node([['Ready', 'Unknown']], [{ key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: 'old' }]);
    expect(desiredTaints(staying, 'now').find((t) => t.effect === 'NoExecute')?.timeAdded).toBe('old');
    expect(keys(node([['Ready', 'True']], [{ key: TAINT_UNREACHABLE, effect: 'NoExecute' }, { key: TAINT_UNREACHABLE, effect: 'NoSchedule' }]))).toEqual([]);
  });
});

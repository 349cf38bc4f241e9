// The Deployment arithmetic, table-driven against kube's behaviour: fenceposts
// and their rounding, how far the new ReplicaSet may grow, proportional
// shares, revisions, conditions and progress.

import { describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '../../../../src/api/generated/index.js';
import {
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  findActiveOrLatest,
  findNewReplicaSet,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportionalSizes,
  resolveFenceposts,
  scaledValue,
  setCondition,
  setNewReplicaSetAnnotations,
} from '../../../../src/controller/deployment/util.js';
import { maxScaledDown } from '../../../../src/controller/deployment/rolling.js';

function deployment(replicas: number, strategy: NonNullable<Deployment['spec']>['strategy'] = {}, extra: Partial<NonNullable<Deployment['spec']>> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'd-uid', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] } },
      strategy,
      ...extra,
    },
  };
}

let seq = 0;
function rs(
  name: string,
  replicas: number,
  status: { replicas?: number; availableReplicas?: number } = {},
  annotations: Record<string, string> = {},
  image = 'nginx:1.25',
): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', uid: `${name}-uid`, creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, seq++)).toISOString(), annotations },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web', 'pod-template-hash': name } }, spec: { containers: [{ name: 'app', image }] } },
    },
    status: { replicas: status.replicas ?? replicas, availableReplicas: status.availableReplicas ?? replicas },
  };
}

describe('fenceposts', () => {
  it.each([
    // maxSurge, maxUnavailable, desired → surge (rounded up), unavailable (rounded down)
    ['25%', '25%', 10, 3, 2],
    ['25%', '25%', 4, 1, 1],
    ['25%', '25%', 1, 1, 0],
    [0, 0, 5, 0, 1], // both 0 would never progress
    ['0%', '0%', 5, 0, 1],
    [1, 1, 5, 1, 1],
    ['50%', 0, 4, 2, 0],
    ['10%', '10%', 3, 1, 0],
    [undefined, undefined, 10, 3, 2],
  ] as const)('maxSurge %s, maxUnavailable %s of %i → surge %i, unavailable %i', (surge, unavailable, desired, wantSurge, wantUnavailable) => {
    expect(resolveFenceposts(surge, unavailable, desired)).toEqual({ surge: wantSurge, unavailable: wantUnavailable });
  });

  it('parses int-or-percent, rejecting malformed strings', () => {
    expect(scaledValue('33%', 10, true)).toBe(4);
    expect(scaledValue('33%', 10, false)).toBe(3);
    expect(scaledValue(7, 10, false)).toBe(7);
    expect(scaledValue('7', 10, false)).toBe(7);
    expect(() => scaledValue('seven', 10, false)).toThrow(/not a percentage/);
  });

  it('maxUnavailable is capped at replicas and 0 for Recreate', () => {
    expect(maxUnavailable(deployment(3, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 5 } }))).toBe(3);
    expect(maxUnavailable(deployment(0))).toBe(0);
    expect(maxUnavailable(deployment(5, { type: 'Recreate' }))).toBe(0);
    expect(maxSurge(deployment(5, { type: 'Recreate' }))).toBe(0);
  });
});

describe('newRSNewReplicas', () => {
  const d = deployment(10, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } });

  it('grows the new ReplicaSet up to replicas + maxSurge in total', () => {
    const old = rs('old', 10);
    const fresh = rs('new', 0, {}, {}, 'nginx:1.26');
    expect(newRSNewReplicas(d, [old, fresh], fresh)).toBe(3);
    old.spec!.replicas = 8;
    old.status!.replicas = 8;
    fresh.spec!.replicas = 3;
    expect(newRSNewReplicas(d, [old, fresh], fresh)).toBe(5);
  });

  it('counts pods an old ReplicaSet still reports after its target went down', () => {
    const old = rs('old', 8, { replicas: 10, availableReplicas: 10 });
    const fresh = rs('new', 3, {}, {}, 'nginx:1.26');
    expect(newRSNewReplicas(d, [old, fresh], fresh)).toBe(3);
  });

  it('never exceeds replicas, and Recreate goes straight to replicas', () => {
    const fresh = rs('new', 9);
    expect(newRSNewReplicas(d, [fresh], fresh)).toBe(10);
    expect(newRSNewReplicas(deployment(4, { type: 'Recreate' }), [rs('old', 4), fresh], fresh)).toBe(4);
  });
});

describe('maxScaledDown', () => {
  it('keeps replicas - maxUnavailable available, counting unavailable new pods', () => {
    const d = deployment(10, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } });
    const old = rs('old', 10);
    const fresh = rs('new', 3, { replicas: 3, availableReplicas: 0 }, {}, 'nginx:1.26');
    expect(maxScaledDown(d, [old, fresh], fresh)).toBe(2);
    fresh.spec!.replicas = 5;
    fresh.status = { replicas: 5, availableReplicas: 0 };
    old.spec!.replicas = 8;
    old.status = { replicas: 8, availableReplicas: 8 };
    expect(maxScaledDown(d, [old, fresh], fresh)).toBe(0);
  });
});

describe('proportional scaling', () => {
  it('spreads a scale-up by each ReplicaSet’s share of max-replicas, leftovers to the largest', () => {
    const d = deployment(20, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } });
    const annotations = { 'deployment.kubernetes.io/max-replicas': '13' };
    const old = rs('old', 8, {}, annotations);
    const fresh = rs('new', 5, {}, annotations, 'nginx:1.26');
    const { sizes, direction } = proportionalSizes(d, [old, fresh]);
    expect(direction).toBe('up');
    expect(Object.fromEntries(sizes)).toEqual({ old: 14, new: 9 });
  });

  it('scales down, older ReplicaSets first on ties, never below 0', () => {
    const d = deployment(5, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } });
    const annotations = { 'deployment.kubernetes.io/max-replicas': '11' };
    const a = rs('a', 5, {}, annotations);
    const b = rs('b', 5, {}, annotations, 'nginx:1.26');
    const { sizes, direction } = proportionalSizes(d, [a, b]);
    expect(direction).toBe('down');
    expect([...sizes.values()].reduce((x, y) => x + y, 0)).toBe(6);
    expect(Object.fromEntries(sizes)).toEqual({ a: 3, b: 3 });
  });

  it('scaling to 0 empties every ReplicaSet', () => {
    const d = deployment(0);
    const { sizes } = proportionalSizes(d, [rs('a', 3), rs('b', 2, {}, {}, 'nginx:1.26')]);
    expect(Object.fromEntries(sizes)).toEqual({ a: 0, b: 0 });
  });

  it('one active ReplicaSet, or the newest when none is active, takes the whole count', () => {
    const a = rs('a', 0);
    const b = rs('b', 0, {}, {}, 'nginx:1.26');
    expect(findActiveOrLatest(undefined, [a, b])?.metadata.name).toBe('b');
    const c = rs('c', 2, {}, {}, 'nginx:1.27');
    expect(findActiveOrLatest(undefined, [a, c])?.metadata.name).toBe('c');
    expect(findActiveOrLatest(c, [rs('d', 1)])).toBeUndefined();
  });
});

describe('revisions and the new ReplicaSet', () => {
  it('finds the ReplicaSet whose template equals the Deployment’s, ignoring the hash label', () => {
    const d = deployment(2);
    const old = rs('old', 0, {}, {}, 'nginx:1.24');
    const same = rs('same', 2);
    expect(findNewReplicaSet(d, [old, same])?.metadata.name).toBe('same');
  });

  it('raises the revision and remembers the old one, copying the Deployment’s annotations', () => {
    const d = deployment(3);
    d.metadata.annotations = { team: 'web', 'deployment.kubernetes.io/revision': '9', 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
    const target = rs('x', 0, {}, { 'deployment.kubernetes.io/revision': '1' });
    expect(setNewReplicaSetAnnotations(d, target, 3, true)).toBe(true);
    expect(target.metadata.annotations).toEqual({ team: 'web', 'deployment.kubernetes.io/revision': '3', 'deployment.kubernetes.io/revision-history': '1' });
    expect(setNewReplicaSetAnnotations(d, target, 3, true)).toBe(false);
    const created = rs('y', 0);
    setNewReplicaSetAnnotations(d, created, 4, false);
    expect(created.metadata.annotations).toMatchObject({
      'deployment.kubernetes.io/revision': '4',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
  });
});

describe('conditions and progress', () => {
  it('keeps a condition whose status and reason did not change, and the transition time when only the reason did', () => {
    const status = { conditions: [{ type: 'Progressing', status: 'True' as const, reason: 'A', lastTransitionTime: 't0', lastUpdateTime: 't0' }] };
    setCondition(status, { type: 'Progressing', status: 'True', reason: 'A', lastTransitionTime: 't1', lastUpdateTime: 't1' });
    expect(status.conditions[0].lastUpdateTime).toBe('t0');
    setCondition(status, { type: 'Progressing', status: 'True', reason: 'B', lastTransitionTime: 't2', lastUpdateTime: 't2' });
    expect(status.conditions[0]).toMatchObject({ reason: 'B', lastTransitionTime: 't0', lastUpdateTime: 't2' });
  });

  it('is complete, progressing or timed out as kube decides', () => {
    const d = deployment(3, {}, { progressDeadlineSeconds: 10 });
    d.status = { replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 };
    expect(deploymentComplete(d, { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 })).toBe(true);
    expect(deploymentComplete(d, { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 0 })).toBe(false);
    expect(deploymentProgressing(d, { replicas: 3, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 })).toBe(true);
    expect(deploymentProgressing(d, { replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 })).toBe(false);
    const start = Date.UTC(2026, 0, 1);
    const status = { conditions: [{ type: 'Progressing', status: 'True' as const, reason: 'ReplicaSetUpdated', lastUpdateTime: new Date(start).toISOString() }] };
    expect(deploymentTimedOut(d, status, start + 9_000)).toBe(false);
    expect(deploymentTimedOut(d, status, start + 11_000)).toBe(true);
    status.conditions[0].reason = 'NewReplicaSetAvailable';
    expect(deploymentTimedOut(d, status, start + 60_000)).toBe(false);
  });
});

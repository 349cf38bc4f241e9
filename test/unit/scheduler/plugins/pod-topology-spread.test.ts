import { describe, expect, it } from 'vitest';
import type { TopologySpreadConstraint } from '../../../../src/api/generated/index.js';
import { PodTopologySpread } from '../../../../src/scheduler/plugins/pod-topology-spread/index.js';
import { runScore } from '../support/score.js';
import { codes, makeNode, makePod, nodeInfo, podInfo, runFilter } from '../support/fixtures.js';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';
const web = (n: number): ReturnType<typeof makePod>[] => Array.from({ length: n }, (_, i) => makePod(`web-${Math.random().toString(36).slice(2)}-${i}`, { labels: { app: 'web' } }));
const constraint = (c: Partial<TopologySpreadConstraint>): TopologySpreadConstraint => ({
  maxSkew: 1,
  topologyKey: ZONE,
  whenUnsatisfiable: 'DoNotSchedule',
  labelSelector: { matchLabels: { app: 'web' } },
  ...c,
});

// z1: a (2 web), b (1 web); z2: c (1 web); z3: d (0); e has no zone.
function cluster(): ReturnType<typeof nodeInfo>[] {
  return [
    nodeInfo(makeNode('a', { labels: { [ZONE]: 'z1' } }), ...web(2)),
    nodeInfo(makeNode('b', { labels: { [ZONE]: 'z1' } }), ...web(1)),
    nodeInfo(makeNode('c', { labels: { [ZONE]: 'z2' } }), ...web(1)),
    nodeInfo(makeNode('d', { labels: { [ZONE]: 'z3', disk: 'ssd' } })),
    nodeInfo(makeNode('e')),
  ];
}

const NOT_MATCH = "Unschedulable: node(s) didn't match pod topology spread constraints";
const MISSING = "UnschedulableAndUnresolvable: node(s) didn't match pod topology spread constraints (missing required label)";

describe('PodTopologySpread filter', () => {
  it.each<{ name: string; constraints: TopologySpreadConstraint[]; labels?: Record<string, string>; nodeSelector?: Record<string, string>; want: Record<string, string> }>([
    {
      name: 'maxSkew 1 over zones (3, 1, 0): only the empty zone',
      constraints: [constraint({})],
      labels: { app: 'web' },
      want: { a: NOT_MATCH, b: NOT_MATCH, c: NOT_MATCH, d: 'Success', e: MISSING },
    },
    {
      name: 'maxSkew 2: zones with at most 1 pod',
      constraints: [constraint({ maxSkew: 2 })],
      labels: { app: 'web' },
      want: { a: NOT_MATCH, b: NOT_MATCH, c: 'Success', d: 'Success', e: MISSING },
    },
    {
      name: 'a pod the selector does not match adds no skew',
      constraints: [constraint({ maxSkew: 1 })],
      labels: { app: 'other' },
      want: { a: NOT_MATCH, b: NOT_MATCH, c: 'Success', d: 'Success', e: MISSING },
    },
    {
      name: 'by hostname',
      constraints: [constraint({ topologyKey: HOST })],
      labels: { app: 'web' },
      want: { a: NOT_MATCH, b: NOT_MATCH, c: NOT_MATCH, d: 'Success', e: 'Success' },
    },
    {
      name: 'nodeAffinityPolicy Honor: only eligible domains set the minimum',
      constraints: [constraint({ maxSkew: 1 })],
      labels: { app: 'web' },
      nodeSelector: { [ZONE]: 'z1' },
      // Only z1 (3 pods) is eligible, so the minimum is 3 and z1 nodes have skew 1. Nodes
      // outside the eligible domains count 0 pods and pass here (NodeAffinity rejects them).
      want: { a: 'Success', b: 'Success', c: 'Success', d: 'Success', e: MISSING },
    },
    {
      name: 'minDomains above the number of domains makes the minimum 0',
      constraints: [constraint({ maxSkew: 2, minDomains: 5 })],
      labels: { app: 'web' },
      want: { a: NOT_MATCH, b: NOT_MATCH, c: 'Success', d: 'Success', e: MISSING },
    },
    {
      name: 'ScheduleAnyway never filters',
      constraints: [constraint({ whenUnsatisfiable: 'ScheduleAnyway' })],
      labels: { app: 'web' },
      want: { a: 'Success', b: 'Success', c: 'Success', d: 'Success', e: 'Success' },
    },
  ])('$name', ({ constraints, labels, nodeSelector, want }) => {
    const pod = podInfo('p', { labels: labels ?? {}, spec: { topologySpreadConstraints: constraints, ...(nodeSelector ? { nodeSelector } : {}) } });
    // The node selector itself is NodeAffinity's job; here only the counting changes.
    expect(codes(runFilter(new PodTopologySpread(), pod, cluster()))).toEqual(want);
  });

  it('ignores pods in other namespaces and terminating pods', () => {
    const gone = { ...makePod('old', { labels: { app: 'web' } }) };
    gone.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    const nodes = [
      nodeInfo(makeNode('a', { labels: { [ZONE]: 'z1' } }), makePod('x', { labels: { app: 'web' }, namespace: 'other' }), gone),
      nodeInfo(makeNode('b', { labels: { [ZONE]: 'z2' } })),
    ];
    const pod = podInfo('p', { labels: { app: 'web' }, spec: { topologySpreadConstraints: [constraint({})] } });
    expect(codes(runFilter(new PodTopologySpread(), pod, nodes))).toEqual({ a: 'Success', b: 'Success' });
  });

  it('matchLabelKeys narrows the selector with the pod labels', () => {
    const nodes = [
      nodeInfo(makeNode('a', { labels: { [ZONE]: 'z1' } }), makePod('v1', { labels: { app: 'web', rev: '1' } }), makePod('v1b', { labels: { app: 'web', rev: '1' } })),
      nodeInfo(makeNode('b', { labels: { [ZONE]: 'z2' } })),
    ];
    const pod = podInfo('p', { labels: { app: 'web', rev: '2' }, spec: { topologySpreadConstraints: [constraint({ matchLabelKeys: ['rev'] })] } });
    expect(codes(runFilter(new PodTopologySpread(), pod, nodes))).toEqual({ a: 'Success', b: 'Success' });
  });
});

describe('PodTopologySpread score', () => {
  it('scores domains with fewer matching pods higher; nodes without the key score 0', () => {
    const pod = podInfo('p', { labels: { app: 'web' }, spec: { topologySpreadConstraints: [constraint({ whenUnsatisfiable: 'ScheduleAnyway' })] } });
    const nodes = cluster();
    const got = runScore(new PodTopologySpread(), pod, nodes) as Record<string, number>;
    expect(got.e).toBe(0);
    expect(got.d).toBe(100);
    expect(got.c).toBeGreaterThan(got.a);
    expect(got.a).toBe(got.b); // same zone
  });

  it('skips pods without soft constraints', () => {
    expect(runScore(new PodTopologySpread(), podInfo('p'), cluster())).toBe('skip');
  });
});

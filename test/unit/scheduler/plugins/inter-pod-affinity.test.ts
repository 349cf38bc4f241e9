import { describe, expect, it } from 'vitest';
import type { PodAffinityTerm, PodSpec } from '../../../../src/api/generated/index.js';
import { InterPodAffinity } from '../../../../src/scheduler/plugins/inter-pod-affinity/index.js';
import { runScore } from '../support/score.js';
import { codes, makeNode, makePod, nodeInfo, podInfo, runFilter } from '../support/fixtures.js';

const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';
const term = (labels: Record<string, string>, topologyKey: string, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm => ({
  labelSelector: { matchLabels: labels },
  topologyKey,
  ...extra,
});

// a, b in zone z1; c in z2; d has no zone label.
function cluster(): ReturnType<typeof nodeInfo>[] {
  return [
    nodeInfo(makeNode('a', { labels: { [ZONE]: 'z1' } }), makePod('db-0', { labels: { app: 'db' } })),
    nodeInfo(makeNode('b', { labels: { [ZONE]: 'z1' } })),
    nodeInfo(makeNode('c', { labels: { [ZONE]: 'z2' } }), makePod('web-0', { labels: { app: 'web' }, namespace: 'other' })),
    nodeInfo(makeNode('d')),
  ];
}

describe('InterPodAffinity filter', () => {
  const cases: Array<{ name: string; spec: Partial<PodSpec>; labels?: Record<string, string>; want: Record<string, string> }> = [
    {
      name: 'required affinity to a zone with a db pod',
      spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, ZONE)] } } },
      want: {
        a: 'Success',
        b: 'Success',
        c: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
        d: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
      },
    },
    {
      name: 'required affinity by hostname',
      spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, HOST)] } } },
      want: {
        a: 'Success',
        b: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
        c: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
        d: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
      },
    },
    {
      name: 'affinity to pods that exist nowhere, but the pod matches itself: the first of a group goes anywhere',
      labels: { app: 'cache' },
      spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'cache' }, ZONE)] } } },
      want: { a: 'Success', b: 'Success', c: 'Success', d: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules" },
    },
    {
      name: 'affinity only looks in the pod namespace by default',
      spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, ZONE)] } } },
      want: {
        a: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
        b: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
        c: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
        d: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
      },
    },
    {
      name: 'affinity with namespaces listed',
      spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, ZONE, { namespaces: ['other'] })] } } },
      want: {
        a: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
        b: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
        c: 'Success',
        d: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
      },
    },
    {
      name: 'affinity with an empty namespaceSelector (all namespaces)',
      spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, ZONE, { namespaceSelector: {} })] } } },
      want: {
        a: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
        b: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
        c: 'Success',
        d: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
      },
    },
    {
      name: 'required anti-affinity by zone',
      spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, ZONE)] } } },
      want: {
        a: "Unschedulable: node(s) didn't match pod anti-affinity rules",
        b: "Unschedulable: node(s) didn't match pod anti-affinity rules",
        c: 'Success',
        d: 'Success',
      },
    },
    {
      name: 'required anti-affinity by hostname',
      spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, HOST)] } } },
      want: { a: "Unschedulable: node(s) didn't match pod anti-affinity rules", b: 'Success', c: 'Success', d: 'Success' },
    },
  ];
  it.each(cases)('$name', ({ spec, labels, want }) => {
    expect(codes(runFilter(new InterPodAffinity(), podInfo('p', { spec, labels: labels ?? {} }), cluster()))).toEqual(want);
  });

  it("respects existing pods' anti-affinity", () => {
    const guard = makePod('guard', {
      labels: { app: 'guard' },
      spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'noisy' }, ZONE)] } } },
    });
    const nodes = [nodeInfo(makeNode('a', { labels: { [ZONE]: 'z1' } }), guard), nodeInfo(makeNode('b', { labels: { [ZONE]: 'z1' } })), nodeInfo(makeNode('c', { labels: { [ZONE]: 'z2' } }))];
    expect(codes(runFilter(new InterPodAffinity(), podInfo('noisy', { labels: { app: 'noisy' } }), nodes))).toEqual({
      a: "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules",
      b: "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules",
      c: 'Success',
    });
    expect(codes(runFilter(new InterPodAffinity(), podInfo('quiet', { labels: { app: 'quiet' } }), nodes))).toEqual({ a: 'Success', b: 'Success', c: 'Success' });
  });

  it('uses namespace labels for namespaceSelector', () => {
    const plugin = new InterPodAffinity({ namespaceLabels: (ns): Record<string, string> => (ns === 'other' ? { team: 'web' } : {}) });
    const spec: Partial<PodSpec> = {
      affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, ZONE, { namespaceSelector: { matchLabels: { team: 'web' } } })] } },
    };
    const got = runFilter(plugin, podInfo('p', { spec }), cluster());
    expect(Object.entries(got).filter(([, s]) => s.isSuccess()).map(([n]) => n)).toEqual(['c']);
  });
});

describe('InterPodAffinity score', () => {
  it('prefers domains with pods the pod likes, avoids those it dislikes', () => {
    const spec: Partial<PodSpec> = {
      affinity: {
        podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term({ app: 'db' }, ZONE) }] },
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term({ app: 'db' }, HOST) }] },
      },
    };
    // a: +10 (zone) -5 (host) = 5; b: +10; c, d: 0 → normalized over [0, 10].
    expect(runScore(new InterPodAffinity(), podInfo('p', { spec }), cluster())).toEqual({ a: 50, b: 100, c: 0, d: 0 });
  });

  it("counts existing pods' required affinity toward the pod (hard pod affinity weight)", () => {
    const fan = makePod('fan', { spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'star' }, HOST)] } } } });
    const nodes = [nodeInfo(makeNode('a'), fan), nodeInfo(makeNode('b'))];
    expect(runScore(new InterPodAffinity(), podInfo('star', { labels: { app: 'star' } }), nodes)).toEqual({ a: 100, b: 0 });
  });

  it('skips when no pod has affinity', () => {
    expect(runScore(new InterPodAffinity(), podInfo('p'), [nodeInfo(makeNode('a'))])).toBe('skip');
  });
});

import { describe, expect, it } from 'vitest';
import type { NodeSelectorRequirement, PodSpec } from '../../../../src/api/generated/index.js';
import { NodeAffinity } from '../../../../src/scheduler/plugins/node-affinity/index.js';
import { runScore } from '../support/score.js';
import { makeNode, nodeInfo, podInfo, runFilter } from '../support/fixtures.js';

const required = (...terms: Array<{ matchExpressions?: NodeSelectorRequirement[]; matchFields?: NodeSelectorRequirement[] }>): Partial<PodSpec> => ({
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } },
});

const nodes = [
  nodeInfo(makeNode('a', { labels: { zone: 'z1', disk: 'ssd', cores: '8' } })),
  nodeInfo(makeNode('b', { labels: { zone: 'z2', disk: 'hdd', cores: '4' } })),
  nodeInfo(makeNode('c', { labels: { zone: 'z3' } })),
];

function fitting(spec: Partial<PodSpec>): string[] {
  const got = runFilter(new NodeAffinity(), podInfo('p', { spec }), nodes);
  for (const s of Object.values(got)) if (!s.isSuccess()) expect(s.message()).toBe("node(s) didn't match Pod's node affinity/selector");
  return Object.entries(got).filter(([, s]) => s.isSuccess()).map(([n]) => n);
}

describe('NodeAffinity filter', () => {
  it.each([
    { name: 'no constraints', spec: {}, want: ['a', 'b', 'c'] },
    { name: 'nodeSelector', spec: { nodeSelector: { disk: 'ssd' } }, want: ['a'] },
    { name: 'nodeSelector with no match', spec: { nodeSelector: { disk: 'nvme' } }, want: [] },
    { name: 'In', spec: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1', 'z3'] }] }), want: ['a', 'c'] },
    { name: 'NotIn (missing label passes)', spec: required({ matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['hdd'] }] }), want: ['a', 'c'] },
    { name: 'Exists', spec: required({ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }), want: ['a', 'b'] },
    { name: 'DoesNotExist', spec: required({ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }), want: ['c'] },
    { name: 'Gt', spec: required({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }), want: ['a'] },
    { name: 'Lt', spec: required({ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['8'] }] }), want: ['b'] },
    { name: 'Gt with a non-integer value matches nothing', spec: required({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['x'] }] }), want: [] },
    {
      name: 'requirements in a term are ANDed',
      spec: required({ matchExpressions: [{ key: 'disk', operator: 'Exists' }, { key: 'zone', operator: 'In', values: ['z2'] }] }),
      want: ['b'],
    },
    {
      name: 'terms are ORed',
      spec: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z3'] }] }),
      want: ['a', 'c'],
    },
    { name: 'an empty term matches nothing', spec: required({}), want: [] },
    { name: 'matchFields metadata.name In', spec: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] }), want: ['b'] },
    { name: 'matchFields metadata.name NotIn', spec: required({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['b'] }] }), want: ['a', 'c'] },
    {
      name: 'nodeSelector and affinity both apply',
      spec: { nodeSelector: { disk: 'ssd' }, ...required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] }) },
      want: [],
    },
  ])('$name', ({ spec, want }) => {
    expect(fitting(spec as Partial<PodSpec>)).toEqual(want);
  });
});

describe('NodeAffinity score', () => {
  it('sums the weights of matching preferred terms, normalized to 100', () => {
    const spec: Partial<PodSpec> = {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
            { weight: 30, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1', 'z2'] }] } },
          ],
        },
      },
    };
    expect(runScore(new NodeAffinity(), podInfo('p', { spec }), nodes)).toEqual({ a: 100, b: 75, c: 0 });
  });

  it('skips pods without preferences', () => {
    expect(runScore(new NodeAffinity(), podInfo('p'), nodes)).toBe('skip');
  });
});

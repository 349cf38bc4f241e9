import { describe, expect, it } from 'vitest';
import { balancedScore, NodeResourcesBalancedAllocation } from '../../../../src/scheduler/plugins/node-resources-balanced-allocation/index.js';
import { runScore } from '../support/score.js';
import { makeNode, makePod, nodeInfo, podInfo } from '../support/fixtures.js';

describe('NodeResourcesBalancedAllocation', () => {
  it.each([
    { fractions: [0.5, 0.5], want: 100 },
    { fractions: [0.2, 0.6], want: 80 },
    { fractions: [1, 0], want: 50 },
    { fractions: [0.1, 0.1, 0.4], want: 85 },
  ])('balancedScore($fractions) = $want', ({ fractions, want }) => {
    expect(balancedScore(fractions)).toBe(want);
  });

  it('prefers the node where cpu and memory end up equally used', () => {
    const alloc = { cpu: '4', memory: '4Gi', pods: '110' };
    const nodes = [
      nodeInfo(makeNode('balanced', { allocatable: alloc }), makePod('x', { requests: { cpu: '1', memory: '1Gi' } })),
      nodeInfo(makeNode('cpu-heavy', { allocatable: alloc }), makePod('y', { requests: { cpu: '3' } })),
    ];
    const pod = podInfo('p', { requests: { cpu: '1', memory: '1Gi' } });
    // balanced: 0.5/0.5 → 100; cpu-heavy: cpu 1.0, memory 0.25 → 1 - 0.375 → 62.
    expect(runScore(new NodeResourcesBalancedAllocation(), pod, nodes)).toEqual({ balanced: 100, 'cpu-heavy': 62 });
  });
});

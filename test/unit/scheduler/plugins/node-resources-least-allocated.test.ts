import { describe, expect, it } from 'vitest';
import { leastRequestedScore, NodeResourcesLeastAllocated } from '../../../../src/scheduler/plugins/node-resources-least-allocated/index.js';
import { runScore } from '../support/score.js';
import { makeNode, makePod, nodeInfo, podInfo } from '../support/fixtures.js';

describe('NodeResourcesLeastAllocated', () => {
  it.each([
    { requested: 0, capacity: 4000, want: 100 },
    { requested: 1000, capacity: 4000, want: 75 },
    { requested: 3333, capacity: 10000, want: 66 },
    { requested: 5000, capacity: 4000, want: 0 },
    { requested: 10, capacity: 0, want: 0 },
  ])('leastRequestedScore($requested, $capacity) = $want', ({ requested, capacity, want }) => {
    expect(leastRequestedScore(requested, capacity)).toBe(want);
  });

  it('prefers the emptier node, averaging cpu and memory', () => {
    const alloc = { cpu: '4', memory: '4Gi', pods: '110' };
    const nodes = [
      nodeInfo(makeNode('empty', { allocatable: alloc })),
      nodeInfo(makeNode('half', { allocatable: alloc }), makePod('x', { requests: { cpu: '2', memory: '2Gi' } })),
      nodeInfo(makeNode('cpu-heavy', { allocatable: alloc }), makePod('y', { requests: { cpu: '3', memory: '0' } })),
    ];
    const pod = podInfo('p', { requests: { cpu: '1', memory: '1Gi' } });
    // empty: (75 + 75) / 2; half: (25 + 25) / 2; cpu-heavy: (0 + 75) / 2.
    expect(runScore(new NodeResourcesLeastAllocated(), pod, nodes)).toEqual({ empty: 75, half: 25, 'cpu-heavy': 37 });
  });

  it('counts 100m / 200Mi for containers without requests', () => {
    const nodes = [nodeInfo(makeNode('n', { allocatable: { cpu: '1', memory: '1000Mi', pods: '110' } }))];
    // cpu: (1000 - 100) * 100 / 1000 = 90; memory: (1000Mi - 200Mi) / 1000Mi = 80.
    expect(runScore(new NodeResourcesLeastAllocated(), podInfo('p'), nodes)).toEqual({ n: 85 });
  });
});

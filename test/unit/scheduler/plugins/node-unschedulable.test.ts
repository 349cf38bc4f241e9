import { describe, expect, it } from 'vitest';
import { NodeUnschedulable } from '../../../../src/scheduler/plugins/node-unschedulable/index.js';
import { codes, makeNode, nodeInfo, podInfo, runFilter } from '../support/fixtures.js';

describe('NodeUnschedulable', () => {
  const cases = [
    { name: 'schedulable node', unschedulable: false, tolerations: [], want: 'Success' },
    { name: 'cordoned node', unschedulable: true, tolerations: [], want: 'UnschedulableAndUnresolvable: node(s) were unschedulable' },
    {
      name: 'cordoned node, pod tolerates the taint',
      unschedulable: true,
      tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists' as const, effect: 'NoSchedule' as const }],
      want: 'Success',
    },
    { name: 'cordoned node, toleration of everything', unschedulable: true, tolerations: [{ operator: 'Exists' as const }], want: 'Success' },
    {
      name: 'cordoned node, toleration for another effect',
      unschedulable: true,
      tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists' as const, effect: 'NoExecute' as const }],
      want: 'UnschedulableAndUnresolvable: node(s) were unschedulable',
    },
  ];
  it.each(cases)('$name', ({ unschedulable, tolerations, want }) => {
    const got = runFilter(new NodeUnschedulable(), podInfo('p', { spec: { tolerations } }), [nodeInfo(makeNode('n', { unschedulable }))]);
    expect(codes(got).n).toBe(want);
  });
});

import { describe, expect, it } from 'vitest';
import { NodeName } from '../../../../src/scheduler/plugins/node-name/index.js';
import { codes, makeNode, nodeInfo, podInfo, runFilter } from '../support/fixtures.js';

describe('NodeName', () => {
  it.each([
    { name: 'no node name', nodeName: undefined, want: 'Success' },
    { name: 'matching node name', nodeName: 'n', want: 'Success' },
    { name: 'other node name', nodeName: 'm', want: "UnschedulableAndUnresolvable: node(s) didn't match the requested node name" },
  ])('$name', ({ nodeName, want }) => {
    const got = runFilter(new NodeName(), podInfo('p', { spec: nodeName ? { nodeName } : {} }), [nodeInfo(makeNode('n'))]);
    expect(codes(got).n).toBe(want);
  });
});

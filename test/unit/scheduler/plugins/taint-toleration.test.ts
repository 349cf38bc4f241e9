import { describe, expect, it } from 'vitest';
import type { Taint, Toleration } from '../../../../src/api/generated/index.js';
import { toleratesTaint } from '../../../../src/scheduler/framework/index.js';
import { TaintToleration } from '../../../../src/scheduler/plugins/taint-toleration/index.js';
import { runScore } from '../support/score.js';
import { codes, makeNode, nodeInfo, podInfo, runFilter } from '../support/fixtures.js';

describe('toleratesTaint', () => {
  const taint: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  it.each<{ name: string; toleration: Toleration; want: boolean }>([
    { name: 'Equal with the same value', toleration: { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, want: true },
    { name: 'operator defaults to Equal', toleration: { key: 'dedicated', value: 'gpu' }, want: true },
    { name: 'Equal with another value', toleration: { key: 'dedicated', operator: 'Equal', value: 'cpu' }, want: false },
    { name: 'Exists on the key', toleration: { key: 'dedicated', operator: 'Exists' }, want: true },
    { name: 'Exists with an empty key tolerates everything', toleration: { operator: 'Exists' }, want: true },
    { name: 'another effect', toleration: { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, want: false },
    { name: 'empty effect matches all effects', toleration: { key: 'dedicated', operator: 'Exists', effect: '' }, want: true },
    { name: 'another key', toleration: { key: 'other', operator: 'Exists' }, want: false },
  ])('$name', ({ toleration, want }) => {
    expect(toleratesTaint(toleration, taint)).toBe(want);
  });
});

describe('TaintToleration filter', () => {
  const cp: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
  const noExec: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' };
  const prefer: Taint = { key: 'spot', value: 'true', effect: 'PreferNoSchedule' };
  it.each<{ name: string; taints: Taint[]; tolerations: Toleration[]; want: string }>([
    { name: 'no taints', taints: [], tolerations: [], want: 'Success' },
    { name: 'NoSchedule untolerated', taints: [cp], tolerations: [], want: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }' },
    { name: 'NoSchedule tolerated', taints: [cp], tolerations: [{ key: cp.key, operator: 'Exists', effect: 'NoSchedule' }], want: 'Success' },
    { name: 'NoExecute untolerated', taints: [noExec], tolerations: [], want: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {node.kubernetes.io/not-ready: }' },
    { name: 'NoExecute tolerated for a while', taints: [noExec], tolerations: [{ key: noExec.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }], want: 'Success' },
    { name: 'PreferNoSchedule does not filter', taints: [prefer], tolerations: [], want: 'Success' },
    {
      name: 'reports the first untolerated taint with its value',
      taints: [cp, { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
      tolerations: [{ key: cp.key, operator: 'Exists' }],
      want: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {dedicated: gpu}',
    },
  ])('$name', ({ taints, tolerations, want }) => {
    expect(codes(runFilter(new TaintToleration(), podInfo('p', { spec: { tolerations } }), [nodeInfo(makeNode('n', { taints }))])).n).toBe(want);
  });
});

describe('TaintToleration score', () => {
  const prefer = (key: string): Taint => ({ key, effect: 'PreferNoSchedule' });
  const nodes = [
    nodeInfo(makeNode('clean')),
    nodeInfo(makeNode('one', { taints: [prefer('a')] })),
    nodeInfo(makeNode('two', { taints: [prefer('a'), prefer('b')] })),
    nodeInfo(makeNode('hard', { taints: [{ key: 'x', effect: 'NoSchedule' }] })),
  ];
  it('scores fewer untolerated PreferNoSchedule taints higher', () => {
    expect(runScore(new TaintToleration(), podInfo('p'), nodes)).toEqual({ clean: 100, one: 50, two: 0, hard: 100 });
  });
  it('tolerated PreferNoSchedule taints do not count', () => {
    const pod = podInfo('p', { spec: { tolerations: [{ key: 'a', operator: 'Exists', effect: 'PreferNoSchedule' }] } });
    expect(runScore(new TaintToleration(), pod, nodes)).toEqual({ clean: 100, one: 100, two: 0, hard: 100 });
  });
  it('tolerations for NoSchedule only do not help scoring', () => {
    const pod = podInfo('p', { spec: { tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }] } });
    expect(runScore(new TaintToleration(), pod, nodes)).toEqual({ clean: 100, one: 50, two: 0, hard: 100 });
  });
});

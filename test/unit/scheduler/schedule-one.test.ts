// One scheduling decision over a snapshot with the default plugins: the
// feasible-node sampling, the rotation of the start node, kube's FitError
// message, PreFilter rejections and node sets, and that plugin bugs become
// Error statuses rather than exceptions.

import { describe, expect, it } from 'vitest';
import { CycleState, NodeInfo, PreFilterResult, Profile, Snapshot, Status, type FilterPlugin, type PreFilterPlugin } from '../../../src/scheduler/framework/index.js';
import { defaultPlugins } from '../../../src/scheduler/plugins/registry.js';
import { fitErrorMessage, numFeasibleNodesToFind, ScheduleAlgorithm } from '../../../src/scheduler/schedule-one.js';
import { makeNode, makePod, nodeInfo, podInfo } from './support/fixtures.js';

const binder = { bind: async () => undefined };
const profile = (): Profile => new Profile('default-scheduler', defaultPlugins({ namespaceLabels: () => undefined }, binder));

describe('numFeasibleNodesToFind', () => {
  it.each([
    { nodes: 50, pct: undefined, want: 50 },
    { nodes: 100, pct: undefined, want: 100 },
    { nodes: 1000, pct: undefined, want: 420 }, // 50 - 8 = 42%
    { nodes: 5000, pct: undefined, want: 500 }, // 50 - 40 = 10%
    { nodes: 6000, pct: undefined, want: 300 }, // 50 - 48 = 2% → 5%
    { nodes: 1000, pct: 1, want: 100 }, // never fewer than 100
    { nodes: 1000, pct: 30, want: 300 },
    { nodes: 1000, pct: 100, want: 1000 },
  ])('$nodes nodes at $pct% → $want', ({ nodes, pct, want }) => {
    expect(numFeasibleNodesToFind(nodes, pct)).toBe(want);
  });
});

describe('fitErrorMessage', () => {
  it('sorts the reason histogram like kube and appends the PostFilter message', () => {
    const msg = fitErrorMessage(3, {
      reasons: new Map([
        ['Insufficient cpu', 2],
        ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }', 1],
      ]),
      unschedulablePlugins: new Set(),
      postFilterMsg: 'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    });
    expect(msg).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
  });
});

describe('ScheduleAlgorithm', () => {
  it('picks the best scored node', () => {
    const nodes = [
      nodeInfo(makeNode('busy'), ...Array.from({ length: 3 }, (_, i) => makePod(`x${i}`, { requests: { cpu: '1' } }))),
      nodeInfo(makeNode('idle')),
    ];
    const algo = new ScheduleAlgorithm(profile());
    const out = algo.schedulePod(new CycleState(), podInfo('p', { requests: { cpu: '500m', memory: '512Mi' } }), Snapshot.of(nodes));
    expect(out).toMatchObject({ kind: 'scheduled', nodeName: 'idle', feasibleNodes: 2 });
  });

  it('explains a pod that fits nowhere with kube wording', () => {
    const nodes = [
      nodeInfo(makeNode('small-1', { allocatable: { cpu: '1', memory: '1Gi', pods: '110' } })),
      nodeInfo(makeNode('small-2', { allocatable: { cpu: '1', memory: '1Gi', pods: '110' } })),
      nodeInfo(makeNode('cp', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] })),
      nodeInfo(makeNode('cordoned', { unschedulable: true })),
    ];
    const out = new ScheduleAlgorithm(profile()).schedulePod(new CycleState(), podInfo('p', { requests: { cpu: '2' } }), Snapshot.of(nodes));
    expect(out.kind).toBe('unschedulable');
    if (out.kind !== 'unschedulable') return;
    expect(out.error.message).toBe(
      '0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) were unschedulable, 2 Insufficient cpu. ' +
        'preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.',
    );
    expect([...out.error.diagnosis.unschedulablePlugins].sort()).toEqual(['NodeResourcesFit', 'NodeUnschedulable', 'TaintToleration']);
  });

  it('stops filtering after enough feasible nodes and rotates where it starts', () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => new NodeInfo(`n${i}`, makeNode(`n${i}`)));
    const algo = new ScheduleAlgorithm(profile(), { percentageOfNodesToScore: 10 });
    const snapshot = Snapshot.of(nodes);
    const first = algo.schedulePod(new CycleState(), podInfo('a'), snapshot);
    expect(first).toMatchObject({ kind: 'scheduled', evaluatedNodes: 100, feasibleNodes: 100 });
    expect(algo.nextStartNodeIndex).toBe(100);
    algo.schedulePod(new CycleState(), podInfo('b'), snapshot);
    expect(algo.nextStartNodeIndex).toBe(200);
  });

  it('reports a PreFilter rejection once, for every node', () => {
    const reject: PreFilterPlugin = { name: 'Gate', preFilter: () => Status.unschedulableAndUnresolvable('pod is gated') };
    const algo = new ScheduleAlgorithm(new Profile('x', [reject]));
    const out = algo.schedulePod(new CycleState(), podInfo('p'), Snapshot.of([nodeInfo(makeNode('a')), nodeInfo(makeNode('b'))]));
    expect(out.kind === 'unschedulable' && out.error.message).toBe(
      '0/2 nodes are available: pod is gated. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
  });

  it('only filters the nodes a PreFilter result names', () => {
    const seen: string[] = [];
    const only: PreFilterPlugin & FilterPlugin = {
      name: 'Only',
      preFilter: () => new PreFilterResult(new Set(['b', 'missing'])),
      filter: (_s, _p, n) => {
        seen.push(n.name);
        return Status.unschedulable('nope');
      },
    };
    const out = new ScheduleAlgorithm(new Profile('x', [only])).schedulePod(new CycleState(), podInfo('p'), Snapshot.of([nodeInfo(makeNode('a')), nodeInfo(makeNode('b'))]));
    expect(seen).toEqual(['b']);
    expect(out.kind === 'unschedulable' && out.error.message).toBe(
      "0/2 nodes are available: 1 node(s) didn't satisfy plugin(s) [Only], 1 nope. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
    );
  });

  it('turns a throwing plugin into an Error status', () => {
    const buggy: FilterPlugin = {
      name: 'Buggy',
      filter: () => {
        throw new TypeError('boom');
      },
    };
    const out = new ScheduleAlgorithm(new Profile('x', [buggy])).schedulePod(new CycleState(), podInfo('p'), Snapshot.of([nodeInfo(makeNode('a'))]));
    expect(out.kind).toBe('error');
    expect(out.kind === 'error' && out.status.message()).toBe('running Buggy: boom');
  });

  it('says so when there are no nodes', () => {
    const out = new ScheduleAlgorithm(profile()).schedulePod(new CycleState(), podInfo('p'), Snapshot.of([]));
    expect(out).toEqual({ kind: 'noNodes', message: 'no nodes available to schedule pods' });
  });
});

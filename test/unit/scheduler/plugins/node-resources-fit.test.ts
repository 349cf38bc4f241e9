import { describe, expect, it } from 'vitest';
import type { Container } from '../../../../src/api/generated/index.js';
import { podRequests } from '../../../../src/scheduler/framework/index.js';
import { fitsRequest, NodeResourcesFit } from '../../../../src/scheduler/plugins/node-resources-fit/index.js';
import { codes, makeNode, makePod, nodeInfo, podInfo, runFilter } from '../support/fixtures.js';

const c = (name: string, requests: Record<string, string>, extra: Partial<Container> = {}): Container => ({ name, image: 'i', resources: { requests }, ...extra });

describe('pod requests', () => {
  it.each([
    { name: 'sum of app containers', containers: [c('a', { cpu: '100m' }), c('b', { cpu: '200m', memory: '1Gi' })], init: [], cpu: 300, memory: 1024 ** 3 },
    { name: 'an init container larger than the app', containers: [c('a', { cpu: '100m' })], init: [c('i', { cpu: '2' })], cpu: 2000, memory: 0 },
    { name: 'init containers run one at a time', containers: [c('a', { cpu: '1' })], init: [c('i1', { cpu: '500m' }), c('i2', { cpu: '800m' })], cpu: 1000, memory: 0 },
    {
      name: 'sidecars add to the app and to later init containers',
      containers: [c('a', { cpu: '1' })],
      init: [c('s', { cpu: '500m' }, { restartPolicy: 'Always' }), c('i', { cpu: '1200m' })],
      cpu: 1700,
      memory: 0,
    },
  ])('$name', ({ containers, init, cpu, memory }) => {
    const r = podRequests({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers, initContainers: init } });
    expect(r.milliCPU).toBe(cpu);
    expect(r.memory).toBe(memory);
  });

  it('counts the scheduling defaults for containers without requests (nonZero)', () => {
    const r = podRequests({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [c('a', {}), c('b', { cpu: '1' })] } }, true);
    expect(r.milliCPU).toBe(1100);
    expect(r.memory).toBe(2 * 200 * 1024 * 1024);
  });
});

describe('NodeResourcesFit', () => {
  const node = makeNode('n', { allocatable: { cpu: '2', memory: '4Gi', pods: '3', 'ephemeral-storage': '10Gi', 'example.com/gpu': '2' } });
  const used = makePod('used', { requests: { cpu: '1', memory: '1Gi', 'example.com/gpu': '1' } });

  const cases: Array<{ name: string; requests?: Record<string, string>; init?: Container[]; existing?: number; want: string }> = [
    { name: 'no requests', want: 'Success' },
    { name: 'fits', requests: { cpu: '1', memory: '3Gi' }, want: 'Success' },
    { name: 'cpu too big', requests: { cpu: '1001m' }, want: 'Unschedulable: Insufficient cpu' },
    { name: 'cpu and memory too big', requests: { cpu: '1500m', memory: '3.5Gi' }, want: 'Unschedulable: Insufficient cpu, Insufficient memory' },
    { name: 'ephemeral storage', requests: { 'ephemeral-storage': '11Gi' }, want: 'Unschedulable: Insufficient ephemeral-storage' },
    { name: 'extended resource fits', requests: { 'example.com/gpu': '1' }, want: 'Success' },
    { name: 'extended resource exhausted', requests: { 'example.com/gpu': '2' }, want: 'Unschedulable: Insufficient example.com/gpu' },
    { name: 'extended resource the node lacks', requests: { 'example.com/fpga': '1' }, want: 'Unschedulable: Insufficient example.com/fpga' },
    { name: 'init container too big', requests: { cpu: '100m' }, init: [c('i', { cpu: '1500m' })], want: 'Unschedulable: Insufficient cpu' },
    { name: 'too many pods', existing: 3, want: 'Unschedulable: Too many pods' },
    { name: 'too many pods and cpu', existing: 3, requests: { cpu: '1500m' }, want: 'Unschedulable: Too many pods, Insufficient cpu' },
  ];
  it.each(cases)('$name', ({ requests, init, existing, want }) => {
    // `existing` pods on the node in all, the one using 1 cpu included.
    const extra = Array.from({ length: Math.max(0, (existing ?? 1) - 1) }, (_, i) => makePod(`e${i}`));
    const ni = nodeInfo(node, used, ...extra);
    const pod = podInfo('p', { ...(requests ? { requests } : {}), ...(init ? { spec: { initContainers: init } } : {}) });
    expect(codes(runFilter(new NodeResourcesFit(), pod, [ni])).n).toBe(want);
  });

  it('reports what is short', () => {
    const ni = nodeInfo(node, used);
    expect(fitsRequest(podInfo('p', { requests: { cpu: '2' } }), ni)).toEqual([
      { resourceName: 'cpu', reason: 'Insufficient cpu', requested: 2000, used: 1000, capacity: 2000 },
    ]);
  });

  it('counts pods added to the NodeInfo (assumed pods)', () => {
    const ni = nodeInfo(node);
    const pod = podInfo('p', { requests: { cpu: '1' } });
    const fit = new NodeResourcesFit();
    ni.addPod(podInfo('a1', { requests: { cpu: '1' } }));
    expect(runFilter(fit, pod, [ni]).n.isSuccess()).toBe(true);
    const assumed = podInfo('a2', { requests: { cpu: '1' } });
    ni.addPod(assumed);
    expect(codes(runFilter(fit, pod, [ni])).n).toBe('Unschedulable: Insufficient cpu');
    ni.removePod(assumed.uid);
    expect(runFilter(fit, pod, [ni]).n.isSuccess()).toBe(true);
  });
});

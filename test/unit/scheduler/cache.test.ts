// The scheduler cache: nodes and pods from informers, assumed pods counted at
// once, confirmed by the informer, forgotten when the bind fails, expired when
// never confirmed; snapshots rebuilt only on membership changes.

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/util/clock.js';
import { PodInfo, Snapshot } from '../../../src/scheduler/framework/index.js';
import { SchedulerCache } from '../../../src/scheduler/cache.js';
import { makeNode, makePod } from './support/fixtures.js';

const bound = (name: string, node: string, cpu = '1', uid?: string) => {
  const p = makePod(name, { requests: { cpu }, ...(uid ? { uid } : {}) });
  p.spec!.nodeName = node;
  return p;
};

describe('SchedulerCache', () => {
  it('sums the requests of pods on each node', () => {
    const cache = new SchedulerCache({ clock: new FakeClock() });
    cache.addNode(makeNode('n1'));
    cache.addPod(bound('a', 'n1', '1'));
    cache.addPod(bound('b', 'n1', '500m'));
    expect(cache.nodeInfo('n1')!.requested.milliCPU).toBe(1500);
    cache.removePod(bound('a', 'n1', '1', cache.nodeInfo('n1')!.pods.find((p) => p.name === 'a')!.uid));
    expect(cache.nodeInfo('n1')!.requested.milliCPU).toBe(500);
  });

  it('counts an assumed pod until the informer confirms it, without double counting', () => {
    const cache = new SchedulerCache({ clock: new FakeClock() });
    cache.addNode(makeNode('n1'));
    const pod = makePod('p', { requests: { cpu: '1' }, uid: 'u-p' });
    const pi = new PodInfo(pod);
    cache.assumePod(pi, 'n1');
    expect(cache.isAssumed('u-p')).toBe(true);
    expect(cache.nodeInfo('n1')!.requested.milliCPU).toBe(1000);
    cache.finishBinding(pi);
    cache.addPod({ ...pod, spec: { ...pod.spec!, nodeName: 'n1' } });
    expect(cache.isAssumed('u-p')).toBe(false);
    expect(cache.nodeInfo('n1')!.requested.milliCPU).toBe(1000);
    expect(cache.nodeInfo('n1')!.pods).toHaveLength(1);
  });

  it('forgets an assumed pod whose bind failed', () => {
    const cache = new SchedulerCache({ clock: new FakeClock() });
    cache.addNode(makeNode('n1'));
    const pi = new PodInfo(makePod('p', { requests: { cpu: '1' } }));
    cache.assumePod(pi, 'n1');
    cache.forgetPod(pi);
    expect(cache.nodeInfo('n1')!.requested.milliCPU).toBe(0);
    expect(cache.podCount()).toBe(0);
  });

  it('expires assumed pods the informer never confirms', () => {
    const clock = new FakeClock();
    const cache = new SchedulerCache({ clock, assumedPodTtlMs: 30_000 });
    cache.addNode(makeNode('n1'));
    const pi = new PodInfo(makePod('p', { requests: { cpu: '1' } }));
    cache.assumePod(pi, 'n1');
    clock.advance(60_000);
    expect(cache.cleanupAssumedPods()).toBe(0); // binding not finished: never expires
    cache.finishBinding(pi);
    clock.advance(29_999);
    expect(cache.cleanupAssumedPods()).toBe(0);
    clock.advance(1);
    expect(cache.cleanupAssumedPods()).toBe(1);
    expect(cache.nodeInfo('n1')!.requested.milliCPU).toBe(0);
  });

  it('moves a confirmed pod to the node the informer says', () => {
    const cache = new SchedulerCache({ clock: new FakeClock() });
    cache.addNode(makeNode('n1'));
    cache.addNode(makeNode('n2'));
    const pod = makePod('p', { requests: { cpu: '1' } });
    cache.assumePod(new PodInfo(pod), 'n1');
    cache.addPod({ ...pod, spec: { ...pod.spec!, nodeName: 'n2' } });
    expect(cache.nodeInfo('n1')!.requested.milliCPU).toBe(0);
    expect(cache.nodeInfo('n2')!.requested.milliCPU).toBe(1000);
  });

  it('keeps pods of a node seen before the node, and of a deleted node', () => {
    const cache = new SchedulerCache({ clock: new FakeClock() });
    cache.addPod(bound('early', 'n1'));
    expect(cache.nodeInfo('n1')).toBeUndefined();
    cache.addNode(makeNode('n1'));
    expect(cache.nodeInfo('n1')!.requested.milliCPU).toBe(1000);
    cache.removeNode('n1');
    expect(cache.nodeCount()).toBe(0);
    cache.addNode(makeNode('n1'));
    expect(cache.nodeInfo('n1')!.pods).toHaveLength(1);
  });

  it('drops terminal pods', () => {
    const cache = new SchedulerCache({ clock: new FakeClock() });
    cache.addNode(makeNode('n1'));
    const p = bound('done', 'n1');
    cache.addPod(p);
    cache.updatePod({ ...p, status: { phase: 'Succeeded' } });
    expect(cache.nodeInfo('n1')!.pods).toHaveLength(0);
  });

  it('updates a snapshot, rebuilding lists only when they changed', () => {
    const cache = new SchedulerCache({ clock: new FakeClock() });
    const snapshot = new Snapshot();
    cache.addNode(makeNode('n1'));
    cache.updateSnapshot(snapshot);
    const list = snapshot.nodeInfoList;
    expect(list.map((n) => n.name)).toEqual(['n1']);
    cache.addPod(bound('a', 'n1'));
    cache.updateSnapshot(snapshot);
    expect(snapshot.nodeInfoList).toBe(list);
    const anti = makePod('anti', { spec: { nodeName: 'n1', affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'x', labelSelector: {} }] } } } });
    cache.addPod(anti);
    cache.updateSnapshot(snapshot);
    expect(snapshot.havePodsWithRequiredAntiAffinityList.map((n) => n.name)).toEqual(['n1']);
    cache.addNode(makeNode('n2'));
    cache.updateSnapshot(snapshot);
    expect(snapshot.nodeInfoList.map((n) => n.name)).toEqual(['n1', 'n2']);
  });
});

// The scheduling queue on a fake clock: priority then FIFO, per-pod backoff,
// parking unschedulable pods until an event one of their rejecting plugins
// cares about, events while in flight, and the leftover flush.

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/util/clock.js';
import type { ClusterEvent } from '../../../src/scheduler/framework/index.js';
import { SchedulingQueue } from '../../../src/scheduler/queue.js';
import { makePod } from './support/fixtures.js';

const events: Record<string, readonly ClusterEvent[]> = {
  NodeResourcesFit: ['NodeAdd', 'NodeUpdate', 'AssignedPodDelete'],
  TaintToleration: ['NodeAdd', 'NodeUpdate'],
};

function newQueue(clock = new FakeClock()): { q: SchedulingQueue; clock: FakeClock } {
  const q = new SchedulingQueue({ clock, eventsOf: (p) => events[p] });
  q.run();
  return { q, clock };
}

async function popName(q: SchedulingQueue): Promise<string | undefined> {
  return (await q.pop())?.podInfo.name;
}

describe('SchedulingQueue', () => {
  it('pops by priority, then first in first out', async () => {
    const { q, clock } = newQueue();
    q.add(makePod('low-1', { spec: { priority: 0 } }));
    clock.advance(1);
    q.add(makePod('high', { spec: { priority: 100 } }));
    clock.advance(1);
    q.add(makePod('low-2', { spec: { priority: 0 } }));
    expect([await popName(q), await popName(q), await popName(q)]).toEqual(['high', 'low-1', 'low-2']);
  });

  it('waits for a pod when empty, and returns undefined once closed', async () => {
    const { q } = newQueue();
    const next = q.pop();
    q.add(makePod('late'));
    expect((await next)?.podInfo.name).toBe('late');
    const none = q.pop();
    q.close();
    expect(await none).toBeUndefined();
  });

  it('backs off exponentially from 1 s to at most 10 s', async () => {
    const { q } = newQueue();
    q.add(makePod('p'));
    const qp = (await q.pop())!;
    const durations: number[] = [];
    for (let attempts = 1; attempts <= 6; attempts++) {
      qp.attempts = attempts;
      durations.push(q.backoffDuration(qp));
    }
    expect(durations).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it('parks an unschedulable pod until an event its plugins care about, then waits out its backoff', async () => {
    const { q, clock } = newQueue();
    q.add(makePod('p'));
    const qp = (await q.pop())!;
    qp.unschedulablePlugins = new Set(['TaintToleration']);
    q.addUnschedulableIfNotPresent(qp);
    expect(q.where('default/p')).toBe('unschedulable');

    q.moveAllToActiveOrBackoffQueue('AssignedPodDelete'); // does not help with taints
    expect(q.where('default/p')).toBe('unschedulable');

    q.moveAllToActiveOrBackoffQueue('NodeAdd');
    expect(q.where('default/p')).toBe('backoff');
    clock.advance(999);
    expect(q.where('default/p')).toBe('backoff');
    clock.advance(1);
    expect(q.where('default/p')).toBe('active');
    expect(await popName(q)).toBe('p');
  });

  it('sends a pod to backoffQ when a relevant event happened while it was in flight', async () => {
    const { q } = newQueue();
    q.add(makePod('p'));
    const qp = (await q.pop())!;
    q.moveAllToActiveOrBackoffQueue('NodeAdd');
    qp.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulableIfNotPresent(qp);
    expect(q.where('default/p')).toBe('backoff');
  });

  it('ignores in-flight events the rejecting plugins do not care about', async () => {
    const { q } = newQueue();
    q.add(makePod('p'));
    const qp = (await q.pop())!;
    q.moveAllToActiveOrBackoffQueue('AssignedPodAdd');
    qp.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulableIfNotPresent(qp);
    expect(q.where('default/p')).toBe('unschedulable');
  });

  it('sends errors straight to backoffQ', async () => {
    const { q } = newQueue();
    q.add(makePod('p'));
    const qp = (await q.pop())!;
    q.addUnschedulableIfNotPresent(qp, { error: true });
    expect(q.where('default/p')).toBe('backoff');
  });

  it('retries pods unschedulable for more than 60 s, checking every 30 s', async () => {
    const { q, clock } = newQueue();
    q.add(makePod('p'));
    const qp = (await q.pop())!;
    qp.unschedulablePlugins = new Set(['TaintToleration']);
    q.addUnschedulableIfNotPresent(qp);
    clock.advance(30_000);
    expect(q.where('default/p')).toBe('unschedulable');
    clock.advance(30_000);
    expect(q.where('default/p')).toBe('active');
  });

  it('moves a parked pod whose spec changed, but not on status-only updates', async () => {
    const { q, clock } = newQueue();
    const pod = makePod('p');
    q.add(pod);
    const qp = (await q.pop())!;
    qp.unschedulablePlugins = new Set(['TaintToleration']);
    q.addUnschedulableIfNotPresent(qp);
    q.update({ ...pod, status: { conditions: [{ type: 'PodScheduled', status: 'False' }] } });
    expect(q.where('default/p')).toBe('unschedulable');
    clock.advance(5000);
    q.update({ ...pod, spec: { ...pod.spec!, tolerations: [{ operator: 'Exists' }] } });
    expect(q.where('default/p')).toBe('active');
  });

  it('drops a pod deleted while in flight', async () => {
    const { q } = newQueue();
    q.add(makePod('p'));
    const qp = (await q.pop())!;
    q.delete('default/p');
    q.addUnschedulableIfNotPresent(qp);
    expect(q.where('default/p')).toBeUndefined();
    expect(q.pending()).toEqual({ active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
  });
});

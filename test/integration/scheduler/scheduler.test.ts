// The scheduler against an in-process API server: pods are bound to nodes
// that fit, a pod that fits nowhere gets kube's Unschedulable condition and a
// FailedScheduling event and is scheduled once a node that fits appears,
// anti-affinity spreads replicas, taints keep pods off unless tolerated, and
// the assumed-pod cache keeps a burst of pods within every node's allocatable.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../../src/api/generated/index.js';
import { newScheduler } from '../../../src/scheduler/index.js';
import { quantityMilliValue, quantityValue } from '../../../src/scheduler/quantity.js';
import { eventually, startControllerTest, type ControllerTest } from '../../support/controllers.js';

function node(name: string, opts: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: NonNullable<Node['spec']>['taints'] } = {}): Node {
  const allocatable = { cpu: opts.cpu ?? '4', memory: opts.memory ?? '8Gi', pods: opts.pods ?? '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } },
    spec: opts.taints ? { taints: opts.taints } : {},
    status: {
      capacity: allocatable,
      allocatable,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready' }],
    },
  };
}

function pod(name: string, opts: { cpu?: string; memory?: string; labels?: Record<string, string>; spec?: Partial<NonNullable<Pod['spec']>> } = {}): Pod {
  const requests: Record<string, string> = {};
  if (opts.cpu) requests.cpu = opts.cpu;
  if (opts.memory) requests.memory = opts.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: opts.labels ?? {} },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests } }], ...(opts.spec ?? {}) },
  };
}

describe('scheduler (integration)', () => {
  let t: ControllerTest;

  beforeEach(async () => {
    t = await startControllerTest();
  });
  afterEach(async () => {
    await t.close();
  });

  async function boundNode(name: string): Promise<string> {
    return eventually(async () => (await t.client.pods.namespace('default').get(name)).spec?.nodeName, `pod ${name} to be bound`);
  }

  it('binds pods to feasible nodes, avoids taints unless tolerated, and reports pods that fit nowhere', async () => {
    await t.client.nodes.create(node('small', { cpu: '1' }));
    await t.client.nodes.create(node('big', { cpu: '8' }));
    await t.client.nodes.create(
      node('control-plane', { cpu: '16', taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }),
    );
    const scheduler = newScheduler(t.ctx);
    await t.run(scheduler);
    const pods = t.client.pods.namespace('default');

    // Only "big" has 2 cpus free and no untolerated taint.
    await pods.create(pod('needs-2-cpu', { cpu: '2' }));
    expect(await boundNode('needs-2-cpu')).toBe('big');
    const bound = await pods.get('needs-2-cpu');
    expect(bound.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');

    // Tolerating the taint opens the control-plane node (the only one with 12 cpus).
    await pods.create(
      pod('tolerates', { cpu: '12', spec: { tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] } }),
    );
    expect(await boundNode('tolerates')).toBe('control-plane');

    // Fits nowhere: too big for small and big, and control-plane is tainted.
    await pods.create(pod('huge', { cpu: '10' }));
    const condition = await eventually(async () => {
      const p = await pods.get('huge');
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    }, 'PodScheduled=False on huge');
    expect(condition.reason).toBe('Unschedulable');
    expect(condition.message).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. ' +
        'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
    expect((await pods.get('huge')).spec?.nodeName).toBeUndefined();
    const event = await eventually(async () => {
      const list = await t.client.events.namespace('default').list();
      return list.items.find((e) => e.reason === 'FailedScheduling' && e.involvedObject?.name === 'huge');
    }, 'a FailedScheduling event');
    expect(event.type).toBe('Warning');
    expect(event.message).toBe(condition.message);
    await eventually(async () => {
      const list = await t.client.events.namespace('default').list();
      return list.items.find((e) => e.reason === 'Scheduled' && e.message === 'Successfully assigned default/needs-2-cpu to big');
    }, 'a Scheduled event');

    // A node that fits arrives: the pod is retried on the NodeAdd event and bound.
    await t.client.nodes.create(node('bigger', { cpu: '32' }));
    expect(await boundNode('huge')).toBe('bigger');
    expect(scheduler.stats.scheduled).toBe(3);
    expect(scheduler.stats.failed).toBeGreaterThanOrEqual(1);
  });

  it("leaves pods of other schedulers alone", async () => {
    await t.client.nodes.create(node('n1'));
    const scheduler = newScheduler(t.ctx);
    await t.run(scheduler);
    const pods = t.client.pods.namespace('default');
    await pods.create(pod('theirs', { spec: { schedulerName: 'other-scheduler' } }));
    await pods.create(pod('ours', { spec: { schedulerName: 'default-scheduler' } }));
    expect(await boundNode('ours')).toBe('n1');
    // "theirs" came first in FIFO order, so the scheduler has seen and skipped it by now.
    const theirs = await pods.get('theirs');
    expect(theirs.spec?.nodeName).toBeUndefined();
    expect(theirs.status?.conditions?.find((c) => c.type === 'PodScheduled')).toBeUndefined();
    expect(scheduler.stats.attempts).toBe(1);
  });

  it('spreads replicas with required anti-affinity, and leaves the extra one pending', async () => {
    for (const name of ['n1', 'n2', 'n3']) await t.client.nodes.create(node(name));
    await t.run(newScheduler(t.ctx));
    const pods = t.client.pods.namespace('default');
    const antiAffinity = {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }],
        },
      },
    };
    for (let i = 0; i < 4; i++) await pods.create(pod(`web-${i}`, { cpu: '100m', labels: { app: 'web' }, spec: antiAffinity }));
    const nodes = await eventually(async () => {
      const list = (await pods.list()).items.filter((p) => p.spec?.nodeName);
      return list.length === 3 ? list.map((p) => p.spec!.nodeName) : undefined;
    }, 'three replicas bound');
    expect(new Set(nodes)).toEqual(new Set(['n1', 'n2', 'n3']));
    const pending = await eventually(async () => {
      const p = (await pods.list()).items.find((x) => !x.spec?.nodeName);
      const c = p?.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
      return p && c ? { p, c } : undefined;
    }, 'the fourth replica to be unschedulable');
    expect(pending.c.message).toBe(
      "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );

    // Deleting one replica frees its node for the pending one.
    const victim = (await pods.list()).items.find((p) => p.spec?.nodeName)!;
    await pods.delete(victim.metadata.name!, { gracePeriodSeconds: 0 });
    await eventually(async () => {
      const p = await pods.get(pending.p.metadata.name!);
      return p.spec?.nodeName === victim.spec?.nodeName;
    }, 'the pending replica to take the freed node');
  });

  it('schedules 200 pods on 20 nodes without exceeding any allocatable (assumed pods)', async () => {
    for (let i = 0; i < 20; i++) await t.client.nodes.create(node(`node-${i}`, { cpu: '2', memory: '4Gi', pods: '20' }));
    const scheduler = newScheduler(t.ctx);
    await t.run(scheduler);
    const pods = t.client.pods.namespace('default');
    // 200 × 200m = 40 cpus of 40: every node must end up exactly full, so the
    // scheduler must account for pods it has not seen bound yet.
    await Promise.all(Array.from({ length: 200 }, (_, i) => pods.create(pod(`p-${i}`, { cpu: '200m', memory: '300Mi' }))));
    const list = await eventually(
      async () => {
        const items = (await pods.list()).items;
        return items.filter((p) => p.spec?.nodeName).length === 200 ? items : undefined;
      },
      'all 200 pods bound',
      30_000,
    );
    const perNode = new Map<string, { cpu: number; memory: number; pods: number }>();
    for (const p of list) {
      const u = perNode.get(p.spec!.nodeName!) ?? { cpu: 0, memory: 0, pods: 0 };
      u.cpu += quantityMilliValue('200m');
      u.memory += quantityValue('300Mi');
      u.pods++;
      perNode.set(p.spec!.nodeName!, u);
    }
    for (const [, u] of perNode) {
      expect(u.cpu).toBeLessThanOrEqual(2000);
      expect(u.memory).toBeLessThanOrEqual(quantityValue('4Gi'));
      expect(u.pods).toBeLessThanOrEqual(20);
    }
    expect(scheduler.stats.scheduled).toBe(200);
  });
});

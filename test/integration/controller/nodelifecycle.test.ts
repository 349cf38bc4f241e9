// The node lifecycle controller against the real API server, with short
// durations: a node whose Lease stops being renewed goes Unknown and is
// tainted unreachable within the grace period; its pods go after their
// tolerationSeconds (the implicit default for pods without one); the taints
// go away when the node recovers. The test plays the kubelet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newNodeLifecycleController } from '../../../src/controller/nodelifecycle/index.js';
import { FakeClock } from '../../../src/util/clock.js';
import { eventually, startControllerTest, type ControllerTest } from '../../support/controllers.js';

type Obj = Record<string, any>;

let t: ControllerTest;
const GRACE_MS = 2000;

beforeAll(async () => {
  t = await startControllerTest();
  await t.run(
    newNodeLifecycleController(t.ctx, {
      nodeMonitorPeriodMs: 100,
      nodeMonitorGracePeriodMs: GRACE_MS,
      nodeStartupGracePeriodMs: GRACE_MS,
      defaultTolerationSeconds: 2,
    }),
  );
});

afterAll(async () => {
  await t?.close();
});

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function readyConditions(status: 'True' | 'False'): Obj[] {
  return [
    { type: 'Ready', status, reason: status === 'True' ? 'KubeletReady' : 'KubeletNotReady', message: 'kubelet says so', lastHeartbeatTime: now(), lastTransitionTime: now() },
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: now(), lastTransitionTime: now() },
  ];
}

/** A node with a Ready condition and a Lease renewed every 200 ms until stopped. */
async function kubelet(name: string): Promise<{ stop(): void; resume(): void }> {
  await t.client.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { conditions: readyConditions('True') } } as never);
  const leases = t.client.leases.namespace('kube-node-lease');
  let lease = (await leases.create({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name },
    spec: { holderIdentity: name, leaseDurationSeconds: 2, renewTime: new Date().toISOString() },
  } as never)) as Obj;
  let timer: NodeJS.Timeout | undefined;
  const renew = (): void => {
    timer = setTimeout(async () => {
      try {
        lease = (await leases.update({ ...lease, spec: { ...lease.spec, renewTime: new Date().toISOString() } } as never)) as Obj;
      } catch {
        lease = (await leases.get(name)) as Obj;
      }
      if (timer) renew();
    }, 200);
  };
  renew();
  return {
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
    resume() {
      renew();
    },
  };
}

async function podOn(node: string, name: string, tolerations: Obj[] = []): Promise<Obj> {
  const pods = t.client.pods.namespace('default');
  const p = (await pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { tolerations, containers: [{ name: 'c', image: 'busybox' }] } } as never)) as Obj;
  await pods.bind(name, node, { uid: p.metadata.uid });
  return p;
}

async function exists(name: string): Promise<Obj | undefined> {
  try {
    return (await t.client.pods.namespace('default').get(name)) as Obj;
  } catch {
    return undefined;
  }
}

const taintsOf = (n: Obj): string[] => (n.spec?.taints ?? []).map((x: Obj) => `${x.key}:${x.effect}`).sort();

describe('node lifecycle controller', () => {
  it('a node whose Lease stops being renewed goes Unknown, is tainted, loses its pods by toleration, and recovers', async () => {
    const k = await kubelet('silent');
    await podOn('silent', 'brief', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }]);
    await podOn('silent', 'default-toleration');
    await podOn('silent', 'forever', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }]);

    // Healthy while the lease is renewed, well past the grace period.
    await new Promise((r) => setTimeout(r, GRACE_MS + 500));
    let node = (await t.client.nodes.get('silent')) as Obj;
    expect(node.status.conditions.find((c: Obj) => c.type === 'Ready').status).toBe('True');
    expect(taintsOf(node)).toEqual([]);

    k.stop();
    const stoppedAt = Date.now();
    node = await eventually(async () => {
      const n = (await t.client.nodes.get('silent')) as Obj;
      return taintsOf(n).includes('node.kubernetes.io/unreachable:NoExecute') ? n : undefined;
    }, 'the unreachable taint');
    const taintedAt = Date.now();
    expect(taintedAt - stoppedAt).toBeGreaterThanOrEqual(GRACE_MS - 300);
    expect(taintedAt - stoppedAt).toBeLessThan(GRACE_MS + 2000);
    const ready = node.status.conditions.find((c: Obj) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    expect(node.status.conditions.find((c: Obj) => c.type === 'MemoryPressure').status).toBe('Unknown');
    expect(node.status.conditions.find((c: Obj) => c.type === 'DiskPressure')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated' });
    expect(taintsOf(node)).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    expect(node.spec.taints.find((x: Obj) => x.effect === 'NoExecute').timeAdded).toBeTruthy();

    // tolerationSeconds 1: gone (force-deleted: no kubelet will finish it) about a second later.
    await eventually(async () => !(await exists('brief')), 'the pod tolerating 1 s to be deleted', 5000);
    const briefGoneAt = Date.now();
    expect(briefGoneAt - taintedAt).toBeGreaterThanOrEqual(700);
    // No toleration of its own: the default (2 s here) applies.
    expect(await exists('default-toleration')).toBeDefined();
    await eventually(async () => !(await exists('default-toleration')), 'the pod with the default toleration to be deleted', 5000);
    expect(Date.now() - taintedAt).toBeGreaterThanOrEqual(1700);
    // Tolerating forever: stays.
    expect(await exists('forever')).toBeDefined();

    const events = (await t.client.events.namespace('default').list()).items as Obj[];
    expect(events.some((e) => e.reason === 'TaintManagerEviction' && e.involvedObject.name === 'brief')).toBe(true);
    expect(events.some((e) => e.reason === 'NodeNotReady' && e.involvedObject.name === 'silent')).toBe(true);

    // The kubelet comes back: it renews the lease and posts Ready.
    k.resume();
    const back = (await t.client.nodes.get('silent')) as Obj;
    await t.client.nodes.updateStatus({ ...back, status: { ...back.status, conditions: readyConditions('True') } } as never);
    await eventually(async () => taintsOf((await t.client.nodes.get('silent')) as Obj).length === 0, 'the taints to be removed');
    await new Promise((r) => setTimeout(r, GRACE_MS / 2));
    expect(((await t.client.nodes.get('silent')) as Obj).status.conditions.find((c: Obj) => c.type === 'Ready').status).toBe('True');
    expect(await exists('forever')).toBeDefined();
    k.stop();
  });

  it('Ready=False taints not-ready; a NoExecute taint a pod does not tolerate evicts it at once', async () => {
    const k = await kubelet('sick');
    await podOn('sick', 'intolerant');
    await podOn('sick', 'tolerant', [{ key: 'example.com/drain', operator: 'Equal', value: 'now', effect: 'NoExecute' }]);

    const n = (await t.client.nodes.get('sick')) as Obj;
    await t.client.nodes.update({ ...n, spec: { ...n.spec, taints: [{ key: 'example.com/drain', value: 'now', effect: 'NoExecute' }] } } as never);
    // The node is reachable: a graceful deletion (its kubelet would finish it).
    const evicted = await eventually(async () => (await exists('intolerant'))?.metadata.deletionTimestamp && (await exists('intolerant')), 'the intolerant pod to be evicted', 3000);
    expect(evicted.status.conditions.find((c: Obj) => c.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'DeletionByTaintManager' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await exists('tolerant'))?.metadata.deletionTimestamp).toBeUndefined();

    // The kubelet reports NotReady: not-ready taints, the custom one kept.
    const cur = (await t.client.nodes.get('sick')) as Obj;
    await t.client.nodes.updateStatus({ ...cur, status: { ...cur.status, conditions: readyConditions('False') } } as never);
    await eventually(async () => {
      const taints = taintsOf((await t.client.nodes.get('sick')) as Obj);
      return taints.join() === ['example.com/drain:NoExecute', 'node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule'].join();
    }, 'the not-ready taints');
    k.stop();
  });
});

describe('node lifecycle controller on a fake clock', () => {
  it('uses the injected clock for the grace period and tolerationSeconds', async () => {
    const clock = new FakeClock(Date.now());
    const ft = await startControllerTest({ clock });
    try {
      const grace = 40_000;
      await ft.run(newNodeLifecycleController(ft.ctx, { nodeMonitorGracePeriodMs: grace, nodeMonitorPeriodMs: 5_000 }));
      /** Move the controller's time on in steps, letting its API calls land in between. */
      const advanceUntil = async <T>(stepMs: number, fn: () => Promise<T | undefined>, what: string): Promise<{ value: T; elapsedMs: number }> => {
        const start = clock.now();
        const value = await eventually(async () => {
          const v = await fn();
          if (!v) clock.advance(stepMs);
          return v;
        }, what);
        return { value, elapsedMs: clock.now() - start };
      };
      await ft.client.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'fake' }, status: { conditions: readyConditions('True') } } as never);
      await ft.client.leases
        .namespace('kube-node-lease')
        .create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'fake' }, spec: { holderIdentity: 'fake', leaseDurationSeconds: 40, renewTime: new Date().toISOString() } } as never);
      const p = (await ft.client.pods.namespace('default').create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'ten-seconds' },
        spec: { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }], containers: [{ name: 'c', image: 'busybox' }] },
      } as never)) as Obj;
      await ft.client.pods.namespace('default').bind('ten-seconds', 'fake', { uid: p.metadata.uid });

      const tainted = await advanceUntil(
        1_000,
        async () => {
          const n = (await ft.client.nodes.get('fake')) as Obj;
          return taintsOf(n).includes('node.kubernetes.io/unreachable:NoExecute') ? n : undefined;
        },
        'the node to be tainted',
      );
      expect(tainted.elapsedMs).toBeGreaterThan(grace);
      expect(tainted.elapsedMs).toBeLessThanOrEqual(grace + 5_000 + 2_000);
      const gone = await advanceUntil(
        500,
        async () => {
          try {
            await ft.client.pods.namespace('default').get('ten-seconds');
            return undefined;
          } catch {
            return true;
          }
        },
        'the pod to be evicted',
      );
      expect(gone.elapsedMs).toBeGreaterThanOrEqual(9_000);
      expect(gone.elapsedMs).toBeLessThanOrEqual(12_000);
    } finally {
      await ft.close();
    }
  });
});

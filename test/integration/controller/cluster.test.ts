// The whole control plane together, as `gitplane up` runs it: API server,
// controller manager with every controller, scheduler and simulated nodes.
// These are the end-to-end acceptance cases; each controller's own
// suite covers its details.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControllerManager, type RunningManager } from '../../../src/controller/manager.js';
import { startSimulatedNodes, type SimulatedNodes } from '../../../src/node/simulated/index.js';
import { newScheduler } from '../../../src/scheduler/index.js';
import { eventually, startControllerTest, type ControllerTest } from '../../support/controllers.js';

type Obj = Record<string, any>;

let t: ControllerTest;
let manager: RunningManager;
let sim: SimulatedNodes;
const quiet = { info: () => undefined, error: () => undefined };

beforeAll(async () => {
  t = await startControllerTest();
  manager = startControllerManager({
    client: t.client,
    extra: [(ctx) => newScheduler(ctx)],
    leaderElection: false,
    controllerOptions: { nodelifecycle: { nodeMonitorGracePeriodMs: 3000, nodeMonitorPeriodMs: 500, defaultTolerationSeconds: 1 } },
    log: quiet,
  });
  sim = await startSimulatedNodes({ client: t.client, count: 3, namePrefix: 'e2e-', renewIntervalMs: 500, leaseDurationSeconds: 2 });
  await t.client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'e2e' } } as never);
});

afterAll(async () => {
  await sim?.stop();
  await manager?.stop();
  await t?.close();
});

function deployment(name: string, replicas: number): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1', resources: { requests: { cpu: '100m' } } }] } },
    },
  };
}

async function podsOf(app: string): Promise<Obj[]> {
  return (await t.client.pods.namespace('e2e').list({ labelSelector: `app=${app}` })).items as Obj[];
}

async function tryGet(get: () => Promise<unknown>): Promise<Obj | undefined> {
  try {
    return (await get()) as Obj;
  } catch {
    return undefined;
  }
}

describe('the control plane with simulated nodes', () => {
  it('a Deployment of 5 is scheduled, runs and becomes Available', async () => {
    await t.client.deployments.namespace('e2e').create(deployment('web', 5) as never);
    const d = await eventually(async () => {
      const dep = (await t.client.deployments.namespace('e2e').get('web')) as Obj;
      return dep.status?.availableReplicas === 5 ? dep : undefined;
    }, 'the Deployment to be Available', 30_000);
    expect(d.status.conditions.find((c: Obj) => c.type === 'Available')?.status).toBe('True');
    const pods = await podsOf('web');
    expect(pods).toHaveLength(5);
    for (const p of pods) {
      expect(p.spec.nodeName).toMatch(/^e2e-/);
      expect(p.status.phase).toBe('Running');
    }
  });

  it('a pod that fits nowhere stays Pending with the scheduler’s reason', async () => {
    await t.client.pods.namespace('e2e').create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'huge' },
      spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '1000' } } }] },
    } as never);
    const cond = await eventually(async () => {
      const p = (await t.client.pods.namespace('e2e').get('huge')) as Obj;
      return (p.status?.conditions ?? []).find((c: Obj) => c.type === 'PodScheduled' && c.status === 'False');
    }, 'PodScheduled=False');
    expect(cond.reason).toBe('Unschedulable');
    expect(cond.message).toMatch(/^0\/3 nodes are available: 3 Insufficient cpu/);
    expect(((await t.client.pods.namespace('e2e').get('huge')) as Obj).spec.nodeName).toBeUndefined();
  });

  it('a node that stops heartbeating becomes NotReady and its pods are recreated elsewhere', async () => {
    const pods = await podsOf('web');
    const victim = pods[0].spec.nodeName as string;
    const onVictim = pods.filter((p) => p.spec.nodeName === victim).map((p) => p.metadata.name);
    sim.stopHeartbeat(victim);
    await eventually(async () => {
      const n = (await t.client.nodes.get(victim)) as Obj;
      const ready = n.status.conditions.find((c: Obj) => c.type === 'Ready');
      return ready?.status === 'Unknown' && (n.spec.taints ?? []).some((x: Obj) => x.key === 'node.kubernetes.io/unreachable' && x.effect === 'NoExecute');
    }, 'the node to become NotReady and tainted', 20_000);
    await eventually(async () => {
      const now = await podsOf('web');
      const running = now.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running');
      return running.length === 5 && running.every((p) => p.spec.nodeName !== victim) && onVictim.every((n) => !now.some((p) => p.metadata.name === n));
    }, 'the pods to be recreated on healthy nodes', 30_000);
    sim.resumeHeartbeat(victim);
  });

  it('deleting a Deployment in the foreground removes its pods and ReplicaSets first', async () => {
    const deployments = t.client.deployments.namespace('e2e');
    await deployments.create(deployment('fg', 2) as never);
    await eventually(async () => ((await deployments.get('fg')) as Obj).status?.availableReplicas === 2, 'fg to be available', 30_000);
    await deployments.delete('fg', { propagationPolicy: 'Foreground' });
    const marked = (await deployments.get('fg')) as Obj;
    expect(marked.metadata.deletionTimestamp).toBeTruthy();
    expect(marked.metadata.finalizers).toContain('foregroundDeletion');
    // Watch the order: the Deployment may only disappear once no ReplicaSet or pod of it is left.
    const violations: string[] = [];
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rs = (await t.client.replicaSets.namespace('e2e').list({ labelSelector: 'app=fg' })).items.length;
      const pods = (await podsOf('fg')).length;
      const dep = await tryGet(() => deployments.get('fg'));
      if (!dep) {
        if (rs + pods > 0) violations.push(`Deployment gone while ${rs} ReplicaSets and ${pods} pods remain`);
        break;
      }
      if (Date.now() > deadline) throw new Error('the Deployment was not deleted');
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(violations).toEqual([]);
  });
});

describe('leader election', () => {
  it('a second controller manager takes over within the lease time when the leader stops', async () => {
    const opts = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 250, name: 'handover-test' };
    const a = startControllerManager({ client: t.client, controllers: ['podgc'], leaderElection: { identity: 'a', ...opts }, log: quiet });
    await eventually(() => a.isLeader(), 'a to lead');
    const b = startControllerManager({ client: t.client, controllers: ['podgc'], leaderElection: { identity: 'b', ...opts }, log: quiet });
    expect(b.isLeader()).toBe(false);
    const stoppedAt = Date.now();
    await a.stop();
    await eventually(() => b.isLeader(), 'b to take over', 5000);
    expect(Date.now() - stoppedAt).toBeLessThan(opts.leaseDurationMs + 2 * opts.retryPeriodMs + 1000);
    await b.stop();
  });
});

// The Deployment controller with the ReplicaSet controller against the
// in-process API server. A fake kubelet (below) marks pods Running and Ready
// after a short delay, as a node agent would; a pod watcher checks the
// rollout bounds on every change it sees (each watch event is one state of
// the store, in order).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, Pod, ReplicaSet } from '../../../src/api/generated/index.js';
import { createInformer, isConflict, isNotFound, type Client, type SharedIndexInformer } from '../../../src/client/index.js';
import { computeHash, newDeploymentController, POD_TEMPLATE_HASH_LABEL } from '../../../src/controller/deployment/index.js';
import { newReplicaSetController } from '../../../src/controller/replicaset/index.js';
import { controllerRef } from '../../../src/controller/runtime/owner.js';
import { eventually, startControllerTest, type ControllerTest } from '../../support/controllers.js';

const REVISION = 'deployment.kubernetes.io/revision';

// ---------------------------------------------------------------------------
// A fake kubelet: marks the pods of one namespace that `ready` accepts Running
// with Ready=True and ready containers, `delayMs` after it first sees them.

interface FakeKubelet {
  setReady(ready: (pod: Pod) => boolean): void;
  stop(): Promise<void>;
}

function timestamp(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isReady(pod: Pod): boolean {
  return !!pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

async function markReady(client: Client, namespace: string, name: string): Promise<void> {
  const pods = client.pods.namespace(namespace);
  for (let attempt = 0; attempt < 5; attempt++) {
    let pod: Pod;
    try {
      pod = await pods.get(name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (pod.metadata?.deletionTimestamp) return;
    const now = timestamp();
    const cond = (type: string) => ({ type, status: 'True' as const, lastTransitionTime: now });
    pod.status = {
      ...pod.status,
      phase: 'Running',
      startTime: now,
      conditions: [cond('PodScheduled'), cond('Initialized'), cond('ContainersReady'), cond('Ready')],
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now } },
      })),
    };
    try {
      await pods.updateStatus(pod);
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err)) throw err;
    }
  }
}

function startFakeKubelet(client: Client, namespace: string, opts: { delayMs?: number; ready?: (pod: Pod) => boolean } = {}): FakeKubelet {
  let ready = opts.ready ?? (() => true);
  const handled = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  const informer = createInformer(client.pods.namespace(namespace), { name: `kubelet-${namespace}` });
  const consider = (pod: Pod): void => {
    const uid = pod.metadata?.uid ?? '';
    if (handled.has(uid) || pod.metadata?.deletionTimestamp || isReady(pod) || !ready(pod)) return;
    handled.add(uid);
    const t = setTimeout(() => {
      timers.delete(t);
      markReady(client, namespace, pod.metadata?.name ?? '').catch(() => handled.delete(uid));
    }, opts.delayMs ?? 0);
    timers.add(t);
  };
  informer.addEventHandler({ onAdd: consider, onUpdate: (_o, n) => consider(n) });
  informer.start();
  return {
    setReady(fn) {
      ready = fn;
      for (const pod of informer.lister().list()) consider(pod);
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      await informer.stop();
    },
  };
}

// ---------------------------------------------------------------------------
// A pod watcher that checks a predicate on every state it sees.

interface PodWatch {
  informer: SharedIndexInformer<Pod>;
  /** Start checking `check` on every event from now on; it returns a problem or undefined. */
  check(fn: (pods: Pod[]) => string | undefined): void;
  observations: number;
  violations: string[];
  stop(): Promise<void>;
}

function watchPods(client: Client, namespace: string): PodWatch {
  const informer = createInformer(client.pods.namespace(namespace), { name: `watch-${namespace}` });
  const w: PodWatch = {
    informer,
    observations: 0,
    violations: [],
    check(fn) {
      checker = fn;
    },
    stop: () => informer.stop(),
  };
  let checker: ((pods: Pod[]) => string | undefined) | undefined;
  const observe = (): void => {
    if (!checker) return;
    w.observations++;
    const problem = checker(
      informer
        .lister()
        .list()
        .filter((p) => !p.metadata?.deletionTimestamp),
    );
    if (problem && w.violations.length < 20) w.violations.push(problem);
  };
  informer.addEventHandler({ onAdd: observe, onUpdate: observe, onDelete: observe });
  informer.start();
  return w;
}

// ---------------------------------------------------------------------------

let t: ControllerTest;
let client: Client;

beforeAll(async () => {
  t = await startControllerTest();
  client = t.client;
  await t.run(newReplicaSetController(t.ctx), newDeploymentController(t.ctx));
});
afterAll(async () => {
  await t?.close();
});

let nsCounter = 0;
async function namespace(): Promise<string> {
  const name = `deploy-${++nsCounter}`;
  await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

function deployment(name: string, replicas: number, spec: Partial<NonNullable<Deployment['spec']>> = {}, image = 'nginx:1.25'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image }] },
      },
      ...spec,
    },
  };
}

function imageOf(pod: Pod): string | undefined {
  return pod.spec?.containers?.[0]?.image;
}

async function replicaSetsOf(ns: string, d: Deployment): Promise<ReplicaSet[]> {
  return (await client.replicaSets.namespace(ns).list()).items.filter((rs) => controllerRef(rs)?.uid === d.metadata?.uid);
}

async function livePods(ns: string): Promise<Pod[]> {
  return (await client.pods.namespace(ns).list()).items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** The Deployment has rolled out `image` completely: every replica updated, ready and available. */
async function rolledOut(ns: string, name: string, replicas: number, image: string): Promise<Deployment | undefined> {
  const d = await client.deployments.namespace(ns).get(name);
  const s = d.status;
  if (s?.observedGeneration !== d.metadata?.generation) return undefined;
  if (s?.replicas !== replicas || s.updatedReplicas !== replicas || s.availableReplicas !== replicas || (s.readyReplicas ?? 0) !== replicas) return undefined;
  const pods = await livePods(ns);
  if (pods.length !== replicas || !pods.every((p) => imageOf(p) === image && isReady(p))) return undefined;
  return d;
}

function condition(d: Deployment | undefined, type: string) {
  return d?.status?.conditions?.find((c) => c.type === type);
}

describe('Deployment controller', () => {
  it('converges, rolls a new image within maxSurge/maxUnavailable, and undoes the rollout', async () => {
    const ns = await namespace();
    const kubelet = startFakeKubelet(client, ns, { delayMs: 60 });
    const watch = watchPods(client, ns);
    try {
      const deploys = client.deployments.namespace(ns);
      const created = await deploys.create(deployment('web', 5, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } }));

      // 5 ready pods, status Available, one ReplicaSet at revision 1.
      const d1 = await eventually(() => rolledOut(ns, 'web', 5, 'nginx:1.25'), 'the first rollout');
      expect(condition(d1, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
      expect(await eventually(async () => condition(await deploys.get('web'), 'Progressing'), 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
      expect(d1.metadata?.annotations?.[REVISION]).toBe('1');
      const [rs1] = await replicaSetsOf(ns, created);
      const hash1 = rs1.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
      expect(rs1.metadata?.name).toBe(`web-${hash1}`);
      expect(rs1.spec?.selector.matchLabels).toEqual({ app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash1 });
      expect(rs1.metadata?.annotations).toMatchObject({ [REVISION]: '1', 'deployment.kubernetes.io/desired-replicas': '5', 'deployment.kubernetes.io/max-replicas': '6' });
      expect((await livePods(ns)).every((p) => p.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash1)).toBe(true);

      // Roll: at every observed moment, at most 6 pods and at least 4 ready.
      const bounds = (pods: Pod[]): string | undefined => {
        const ready = pods.filter(isReady).length;
        if (pods.length > 5 + 1) return `${pods.length} pods > replicas + maxSurge`;
        if (ready < 5 - 1) return `${ready} available < replicas - maxUnavailable`;
        return undefined;
      };
      watch.check(bounds);
      await deploys.patch('web', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.26' }] } } } }, 'strategic');
      const d2 = await eventually(() => rolledOut(ns, 'web', 5, 'nginx:1.26'), 'the image rollout');
      expect(watch.violations).toEqual([]);
      // 5 creations, 5 readiness updates, 5 deletions at least.
      expect(watch.observations).toBeGreaterThanOrEqual(15);
      expect(d2.metadata?.annotations?.[REVISION]).toBe('2');
      const rss = await replicaSetsOf(ns, created);
      expect(rss).toHaveLength(2);
      const rs2 = rss.find((rs) => rs.metadata?.name !== rs1.metadata?.name)!;
      expect(rs2.metadata?.annotations?.[REVISION]).toBe('2');
      expect(rs2.spec?.replicas).toBe(5);
      await eventually(async () => (await client.replicaSets.namespace(ns).get(rs1.metadata!.name!)).spec?.replicas === 0, 'the old ReplicaSet at 0');
      const events = (await client.events.namespace(ns).list()).items.filter((e) => e.reason === 'ScalingReplicaSet');
      expect(events.map((e) => e.message)).toContain(`Scaled up replica set ${rs1.metadata?.name} from 0 to 5`);
      expect(events.some((e) => /^Scaled down replica set web-\w+ to \d from \d$/.test(e.message ?? ''))).toBe(true);
      expect(events.some((e) => e.message === `Scaled up replica set ${rs2.metadata?.name} to 5 from 4`)).toBe(true);

      // kubectl rollout undo: the previous ReplicaSet's template, minus its hash label.
      const previous = structuredClone((await client.replicaSets.namespace(ns).get(rs1.metadata!.name!)).spec!.template!);
      delete previous.metadata!.labels![POD_TEMPLATE_HASH_LABEL];
      await deploys.patch('web', [{ op: 'replace', path: '/spec/template', value: previous }], 'json');
      const d3 = await eventually(() => rolledOut(ns, 'web', 5, 'nginx:1.25'), 'the undo');
      expect(watch.violations).toEqual([]);
      expect(d3.metadata?.annotations?.[REVISION]).toBe('3');
      const after = await replicaSetsOf(ns, created);
      expect(after.map((rs) => rs.metadata?.name).sort()).toEqual([rs1.metadata?.name, rs2.metadata?.name].sort());
      const back = after.find((rs) => rs.metadata?.name === rs1.metadata?.name)!;
      expect(back.metadata?.annotations?.[REVISION]).toBe('3');
      expect(back.metadata?.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
      expect(back.spec?.replicas).toBe(5);
      expect((await livePods(ns)).every((p) => p.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash1)).toBe(true);
    } finally {
      await watch.stop();
      await kubelet.stop();
    }
  });

  it('respects percentage bounds with maxUnavailable 0 (surge only)', async () => {
    const ns = await namespace();
    const kubelet = startFakeKubelet(client, ns, { delayMs: 40 });
    const watch = watchPods(client, ns);
    try {
      const deploys = client.deployments.namespace(ns);
      await deploys.create(deployment('api', 4, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '50%', maxUnavailable: 0 } } }));
      await eventually(() => rolledOut(ns, 'api', 4, 'nginx:1.25'), 'the first rollout');
      watch.check((pods) => {
        const ready = pods.filter(isReady).length;
        if (pods.length > 6) return `${pods.length} pods > 6`;
        if (ready < 4) return `${ready} available < 4`;
        return undefined;
      });
      await deploys.patch('api', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.26' }] } } } }, 'strategic');
      await eventually(() => rolledOut(ns, 'api', 4, 'nginx:1.26'), 'the rollout');
      expect(watch.violations).toEqual([]);
    } finally {
      await watch.stop();
      await kubelet.stop();
    }
  });

  it('scales to 0 and back without a new ReplicaSet', async () => {
    const ns = await namespace();
    const kubelet = startFakeKubelet(client, ns);
    try {
      const deploys = client.deployments.namespace(ns);
      const d = await deploys.create(deployment('web', 3));
      await eventually(() => rolledOut(ns, 'web', 3, 'nginx:1.25'), '3 replicas');
      await deploys.patch('web', { spec: { replicas: 0 } });
      const zero = await eventually(async () => {
        const cur = await deploys.get('web');
        const pods = await livePods(ns);
        return cur.status?.observedGeneration === cur.metadata?.generation && cur.status?.replicas === 0 && pods.length === 0 ? cur : undefined;
      }, 'scaled to 0');
      expect(zero.status).toMatchObject({ replicas: 0, updatedReplicas: 0, availableReplicas: 0 });
      expect(condition(zero, 'Available')?.status).toBe('True');
      await deploys.patch('web', { spec: { replicas: 3 } });
      await eventually(() => rolledOut(ns, 'web', 3, 'nginx:1.25'), 'back to 3');
      const rss = await replicaSetsOf(ns, d);
      expect(rss).toHaveLength(1);
      expect(rss[0].metadata?.annotations?.['deployment.kubernetes.io/desired-replicas']).toBe('3');
    } finally {
      await kubelet.stop();
    }
  });

  it('Recreate deletes every old pod before creating new ones', async () => {
    const ns = await namespace();
    const kubelet = startFakeKubelet(client, ns, { delayMs: 30 });
    const watch = watchPods(client, ns);
    try {
      const deploys = client.deployments.namespace(ns);
      await deploys.create(deployment('db', 3, { strategy: { type: 'Recreate' } }));
      await eventually(() => rolledOut(ns, 'db', 3, 'nginx:1.25'), 'the first rollout');
      watch.check((pods) => {
        const images = new Set(pods.map(imageOf));
        return images.size > 1 ? `old and new pods together: ${pods.map(imageOf).join(', ')}` : undefined;
      });
      await deploys.patch('db', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.26' }] } } } }, 'strategic');
      await eventually(() => rolledOut(ns, 'db', 3, 'nginx:1.26'), 'the recreate');
      expect(watch.violations).toEqual([]);
      expect(watch.observations).toBeGreaterThan(6);
    } finally {
      await watch.stop();
      await kubelet.stop();
    }
  });

  it('prunes old ReplicaSets beyond revisionHistoryLimit', async () => {
    const ns = await namespace();
    const kubelet = startFakeKubelet(client, ns);
    try {
      const deploys = client.deployments.namespace(ns);
      const d = await deploys.create(deployment('web', 2, { revisionHistoryLimit: 1 }));
      await eventually(() => rolledOut(ns, 'web', 2, 'nginx:1.25'), 'revision 1');
      for (const image of ['nginx:1.26', 'nginx:1.27', 'nginx:1.28']) {
        await deploys.patch('web', { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } }, 'strategic');
        await eventually(() => rolledOut(ns, 'web', 2, image), `rollout of ${image}`);
      }
      const rss = await eventually(async () => {
        const list = await replicaSetsOf(ns, d);
        return list.length === 2 ? list : undefined;
      }, 'two ReplicaSets left');
      expect(rss.map((rs) => rs.metadata?.annotations?.[REVISION]).sort()).toEqual(['3', '4']);
      expect((await deploys.get('web')).metadata?.annotations?.[REVISION]).toBe('4');
    } finally {
      await kubelet.stop();
    }
  });

  it('a paused Deployment scales but does not roll until resumed', async () => {
    const ns = await namespace();
    const kubelet = startFakeKubelet(client, ns);
    try {
      const deploys = client.deployments.namespace(ns);
      const d = await deploys.create(deployment('web', 2));
      await eventually(() => rolledOut(ns, 'web', 2, 'nginx:1.25'), 'the first rollout');
      await deploys.patch('web', { spec: { paused: true } });
      await deploys.patch('web', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.26' }] } } } }, 'strategic');
      await deploys.patch('web', { spec: { replicas: 3 } });
      const paused = await eventually(async () => {
        const cur = await deploys.get('web');
        return cur.status?.observedGeneration === cur.metadata?.generation && condition(cur, 'Progressing')?.reason === 'DeploymentPaused' && cur.status?.readyReplicas === 3
          ? cur
          : undefined;
      }, 'paused and scaled to 3');
      expect(condition(paused, 'Progressing')).toMatchObject({ status: 'Unknown', message: 'Deployment is paused' });
      expect(await replicaSetsOf(ns, d)).toHaveLength(1);
      expect((await livePods(ns)).map(imageOf)).toEqual(['nginx:1.25', 'nginx:1.25', 'nginx:1.25']);
      expect(paused.status?.updatedReplicas).toBe(0); // the template changed: nothing is updated yet

      await deploys.patch('web', { spec: { paused: false } });
      const done = await eventually(() => rolledOut(ns, 'web', 3, 'nginx:1.26'), 'the rollout after resume');
      expect(await eventually(async () => condition(await deploys.get('web'), 'Progressing')?.reason === 'NewReplicaSetAvailable', 'complete')).toBe(true);
      expect(done.metadata?.annotations?.[REVISION]).toBe('2');
    } finally {
      await kubelet.stop();
    }
  });

  it('reports ProgressDeadlineExceeded when pods never become ready', async () => {
    const ns = await namespace();
    const deploys = client.deployments.namespace(ns);
    await deploys.create(deployment('stuck', 2, { progressDeadlineSeconds: 1 }));
    const d = await eventually(
      async () => {
        const cur = await deploys.get('stuck');
        return condition(cur, 'Progressing')?.reason === 'ProgressDeadlineExceeded' && cur.status?.replicas === 2 ? cur : undefined;
      },
      'ProgressDeadlineExceeded',
      20_000,
    );
    expect(condition(d, 'Progressing')).toMatchObject({ status: 'False', message: expect.stringMatching(/^ReplicaSet "stuck-\w+" has timed out progressing\.$/) });
    expect(condition(d, 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
    expect(d.status).toMatchObject({ replicas: 2, updatedReplicas: 2, availableReplicas: 0, unavailableReplicas: 2 });

    // Progress again (pods become ready): the rollout completes.
    const kubelet = startFakeKubelet(client, ns);
    try {
      await eventually(() => rolledOut(ns, 'stuck', 2, 'nginx:1.25'), 'ready at last');
      await eventually(async () => condition(await deploys.get('stuck'), 'Progressing')?.reason === 'NewReplicaSetAvailable', 'NewReplicaSetAvailable');
    } finally {
      await kubelet.stop();
    }
  });

  it('counts pods available only after minReadySeconds', async () => {
    const ns = await namespace();
    const kubelet = startFakeKubelet(client, ns);
    try {
      const deploys = client.deployments.namespace(ns);
      await deploys.create(deployment('slow', 2, { minReadySeconds: 2 }));
      const ready = await eventually(async () => {
        const cur = await deploys.get('slow');
        return cur.status?.readyReplicas === 2 ? cur : undefined;
      }, '2 ready');
      expect(ready.status?.availableReplicas ?? 0).toBe(0);
      await eventually(() => rolledOut(ns, 'slow', 2, 'nginx:1.25'), 'available after minReadySeconds', 10_000);
    } finally {
      await kubelet.stop();
    }
  });

  it('bumps collisionCount when the hashed name is taken by someone else', async () => {
    const ns = await namespace();
    const spec = deployment('web', 1);
    const hash = computeHash(spec.spec!.template);
    // A ReplicaSet that is not the Deployment's (it does not match its selector) holds the name.
    await client.replicaSets.namespace(ns).create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `web-${hash}` },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'other' } },
        template: { metadata: { labels: { app: 'other' } }, spec: { containers: [{ name: 'x', image: 'busybox' }] } },
      },
    });
    const d = await client.deployments.namespace(ns).create(spec);
    const rss = await eventually(async () => {
      const list = await replicaSetsOf(ns, d);
      return list.length === 1 ? list : undefined;
    }, 'a ReplicaSet under another name');
    expect(rss[0].metadata?.name).toBe(`web-${computeHash(spec.spec!.template, 1)}`);
    expect((await client.deployments.namespace(ns).get('web')).status?.collisionCount).toBe(1);
  });

  it('scales proportionally during a stalled rollout', async () => {
    const ns = await namespace();
    // Only the old image ever becomes ready: the rollout stalls half-way.
    const kubelet = startFakeKubelet(client, ns, { ready: (p) => imageOf(p) === 'nginx:1.25' });
    try {
      const deploys = client.deployments.namespace(ns);
      const d = await deploys.create(deployment('web', 10, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }));
      await eventually(() => rolledOut(ns, 'web', 10, 'nginx:1.25'), 'the first rollout');
      await deploys.patch('web', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.26' }] } } } }, 'strategic');
      const stalled = await eventually(async () => {
        const rss = await replicaSetsOf(ns, d);
        const sizes = rss.map((rs) => rs.spec?.replicas ?? 0).sort((a, b) => a - b);
        return rss.length === 2 && sizes[0] === 5 && sizes[1] === 8 ? rss : undefined;
      }, 'the rollout stalled at 8 old + 5 new');
      expect(stalled).toHaveLength(2);
      await deploys.patch('web', { spec: { replicas: 20 } });
      const scaled = await eventually(async () => {
        const rss = await replicaSetsOf(ns, d);
        return rss.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0) === 23 && rss.every((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'] === '20')
          ? rss
          : undefined;
      }, 'both ReplicaSets scaled to 23 in total');
      const byImage = new Map(scaled.map((rs) => [rs.spec?.template?.spec?.containers?.[0]?.image, rs.spec?.replicas]));
      expect(byImage.get('nginx:1.25')).toBe(14);
      expect(byImage.get('nginx:1.26')).toBe(9);
    } finally {
      await kubelet.stop();
    }
  });
});

// The ReplicaSet controller against the in-process API server: pods are
// created, replaced, deleted in the right order, adopted and released, status
// is counted, and a burst of scale changes never creates a pod twice. A fake
// kubelet (below) marks pods Running and Ready, as a node agent would.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod, ReplicaSet } from '../../../src/api/generated/index.js';
import { StatusError } from '../../../src/api/status.js';
import { createInformer, isConflict, isNotFound, type Client } from '../../../src/client/index.js';
import { newReplicaSetController } from '../../../src/controller/replicaset/index.js';
import { controllerRef } from '../../../src/controller/runtime/owner.js';
import { eventually, startControllerTest, type ControllerTest } from '../../support/controllers.js';

// ---------------------------------------------------------------------------
// A fake kubelet: watches the pods of one namespace and, after `delayMs`, marks
// each one `ready` accepts Running with Ready=True and ready containers.

interface FakeKubelet {
  /** Change which pods become ready from now on. */
  setReady(ready: (pod: Pod) => boolean): void;
  stop(): Promise<void>;
}

function timestamp(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
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
      podIP: '10.0.0.1',
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
    if (handled.has(uid) || pod.metadata?.deletionTimestamp) return;
    if (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return;
    if (!ready(pod)) return;
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

let t: ControllerTest;
let client: Client;

// Pods with this image are refused, as a quota would refuse them.
const QUOTA_IMAGE = 'quota/exceeded:1';
const createAttempts = new Map<string, number>();
let inFlight = 0;
let maxInFlight = 0;

/** The client the controller uses: pod creates of QUOTA_IMAGE fail with 403. */
function refusingQuotaImage(inner: Client): Client {
  const bindAll = <T extends object>(target: T, override: (prop: string | symbol) => unknown): T =>
    new Proxy(target, {
      get(t, prop) {
        const replaced = override(prop);
        if (replaced !== undefined) return replaced;
        const v = Reflect.get(t, prop, t);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
  return bindAll(inner, (prop) => {
    if (prop !== 'pods') return undefined;
    const pods = inner.pods;
    return bindAll(pods, (p) => {
      if (p !== 'namespace') return undefined;
      return (ns: string) => {
        const scoped = pods.namespace(ns);
        return bindAll(scoped, (q) => {
          if (q !== 'create') return undefined;
          return async (pod: Pod, o?: Parameters<typeof scoped.create>[1]) => {
            if (pod.spec?.containers?.[0]?.image === QUOTA_IMAGE) {
              createAttempts.set(ns, (createAttempts.get(ns) ?? 0) + 1);
              inFlight++;
              maxInFlight = Math.max(maxInFlight, inFlight);
              await new Promise((r) => setTimeout(r, 10));
              inFlight--;
              throw new StatusError(403, 'Forbidden', `pods "${pod.metadata?.generateName}" is forbidden: exceeded quota: compute-resources`);
            }
            return scoped.create(pod, o);
          };
        });
      };
    });
  });
}

beforeAll(async () => {
  t = await startControllerTest();
  client = t.client;
  await t.run(newReplicaSetController({ ...t.ctx, client: refusingQuotaImage(t.client) }, { workers: 4 }));
});
afterAll(async () => {
  await t?.close();
});

let nsCounter = 0;
async function namespace(): Promise<string> {
  const name = `rs-${++nsCounter}`;
  await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

function replicaSet(name: string, replicas: number, extra: Partial<NonNullable<ReplicaSet['spec']>> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: 'web' }, annotations: { note: 'from-template' } },
        spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] },
      },
      ...extra,
    },
  };
}

async function podsOf(ns: string, rs: ReplicaSet): Promise<Pod[]> {
  return (await client.pods.namespace(ns).list()).items.filter((p) => controllerRef(p)?.uid === rs.metadata?.uid && !p.metadata?.deletionTimestamp);
}

describe('ReplicaSet controller', () => {
  it('creates N pods from the template, owned by the ReplicaSet, and counts them in status', async () => {
    const ns = await namespace();
    const kubelet = startFakeKubelet(client, ns);
    try {
      const rs = await client.replicaSets.namespace(ns).create(replicaSet('web', 3));
      const pods = await eventually(async () => {
        const ps = await podsOf(ns, rs);
        return ps.length === 3 ? ps : undefined;
      }, '3 pods');
      for (const pod of pods) {
        expect(pod.metadata?.name).toMatch(/^web-[a-z0-9]{5}$/);
        expect(pod.metadata?.labels).toEqual({ app: 'web', tier: 'web' });
        expect(pod.metadata?.annotations).toEqual({ note: 'from-template' });
        expect(pod.spec?.containers?.[0]?.image).toBe('nginx:1.25');
        expect(pod.metadata?.ownerReferences).toEqual([
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata?.uid, controller: true, blockOwnerDeletion: true },
        ]);
      }
      const status = await eventually(async () => {
        const cur = await client.replicaSets.namespace(ns).get('web');
        return cur.status?.readyReplicas === 3 ? cur.status : undefined;
      }, 'ready status');
      expect(status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
      expect(status.conditions ?? []).toEqual([]);
      const events = await eventually(async () => {
        const evs = (await client.events.namespace(ns).list()).items.filter((e) => e.reason === 'SuccessfulCreate');
        return evs.length >= 3 ? evs : undefined;
      }, 'SuccessfulCreate events');
      expect(events[0].message).toMatch(/^Created pod: web-/);
      expect(events[0].involvedObject).toMatchObject({ kind: 'ReplicaSet', name: 'web' });
    } finally {
      await kubelet.stop();
    }
  });

  it('replaces a deleted pod', async () => {
    const ns = await namespace();
    const rs = await client.replicaSets.namespace(ns).create(replicaSet('web', 2));
    const before = await eventually(async () => {
      const ps = await podsOf(ns, rs);
      return ps.length === 2 ? ps : undefined;
    }, '2 pods');
    await client.pods.namespace(ns).delete(before[0].metadata!.name!);
    const after = await eventually(async () => {
      const ps = await podsOf(ns, rs);
      return ps.length === 2 && !ps.some((p) => p.metadata?.uid === before[0].metadata?.uid) ? ps : undefined;
    }, 'a replacement pod');
    expect(after.map((p) => p.metadata?.uid)).toContain(before[1].metadata?.uid);
  });

  it('scales down deleting not-ready pods before ready ones', async () => {
    const ns = await namespace();
    const kubelet = startFakeKubelet(client, ns);
    try {
      const rss = client.replicaSets.namespace(ns);
      const rs = await rss.create(replicaSet('web', 3));
      await eventually(async () => (await rss.get('web')).status?.readyReplicas === 3, '3 ready');
      const readyUids = (await podsOf(ns, rs)).map((p) => p.metadata?.uid).sort();
      // New pods stay not ready.
      kubelet.setReady(() => false);
      await rss.patch('web', { spec: { replicas: 5 } });
      await eventually(async () => (await podsOf(ns, rs)).length === 5, '5 pods');
      await rss.patch('web', { spec: { replicas: 3 } });
      await eventually(async () => {
        const ps = await podsOf(ns, rs);
        return ps.length === 3 && JSON.stringify(ps.map((p) => p.metadata?.uid).sort()) === JSON.stringify(readyUids);
      }, 'the two not-ready pods deleted');
      const deleted = await eventually(async () => {
        const evs = (await client.events.namespace(ns).list()).items.filter((e) => e.reason === 'SuccessfulDelete');
        return evs.length >= 2 ? evs : undefined;
      }, 'SuccessfulDelete events');
      expect(deleted[0].message).toMatch(/^Deleted pod: web-/);
      await eventually(async () => {
        const s = (await rss.get('web')).status;
        return s?.replicas === 3 && s.readyReplicas === 3 && s.observedGeneration === 3;
      }, 'status after scale-down');
    } finally {
      await kubelet.stop();
    }
  });

  it('adopts an orphan pod that matches its selector', async () => {
    const ns = await namespace();
    const orphan = await client.pods.namespace(ns).create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'stray', labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] },
    });
    const rs = await client.replicaSets.namespace(ns).create(replicaSet('web', 2));
    const pods = await eventually(async () => {
      const ps = await podsOf(ns, rs);
      return ps.length === 2 ? ps : undefined;
    }, 'the orphan adopted plus one created');
    const adopted = pods.find((p) => p.metadata?.uid === orphan.metadata?.uid);
    expect(adopted?.metadata?.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata?.uid, controller: true, blockOwnerDeletion: true },
    ]);
    // Only one pod was created; the fully-labeled count tells the adoptee apart.
    await eventually(async () => {
      const s = (await client.replicaSets.namespace(ns).get('web')).status;
      return s?.replicas === 2 && s.fullyLabeledReplicas === 1;
    }, 'fullyLabeledReplicas 1');
    expect((await client.pods.namespace(ns).list()).items).toHaveLength(2);
  });

  it('releases a pod relabeled out of its selector and replaces it', async () => {
    const ns = await namespace();
    const rs = await client.replicaSets.namespace(ns).create(replicaSet('web', 2));
    const pods = await eventually(async () => {
      const ps = await podsOf(ns, rs);
      return ps.length === 2 ? ps : undefined;
    }, '2 pods');
    const victim = pods[0].metadata!.name!;
    await client.pods.namespace(ns).patch(victim, { metadata: { labels: { app: 'debug' } } });
    const released = await eventually(async () => {
      const p = await client.pods.namespace(ns).get(victim);
      return (p.metadata?.ownerReferences ?? []).length === 0 ? p : undefined;
    }, 'the pod released');
    expect(released.metadata?.labels).toEqual({ app: 'debug', tier: 'web' });
    await eventually(async () => {
      const ps = await podsOf(ns, rs);
      return ps.length === 2 && !ps.some((p) => p.metadata?.name === victim);
    }, 'a replacement');
  });

  it('counts available pods only after minReadySeconds', async () => {
    const ns = await namespace();
    const kubelet = startFakeKubelet(client, ns);
    try {
      const rss = client.replicaSets.namespace(ns);
      await rss.create(replicaSet('web', 2, { minReadySeconds: 2 }));
      const s1 = await eventually(async () => {
        const s = (await rss.get('web')).status;
        return s?.readyReplicas === 2 ? s : undefined;
      }, '2 ready');
      expect(s1.availableReplicas).toBe(0);
      const readyAt = Date.now();
      await eventually(async () => (await rss.get('web')).status?.availableReplicas === 2, '2 available', 10_000);
      // Ready times have one-second resolution, so availability may come up to 1 s early,
      // and we saw readiness a little after it happened.
      expect(Date.now() - readyAt).toBeGreaterThanOrEqual(500);
    } finally {
      await kubelet.stop();
    }
  });

  it('never creates a pod twice under rapid scale changes', async () => {
    const ns = await namespace();
    const seen = new Set<string>();
    let live = 0;
    let maxLive = 0;
    const watcher = createInformer(client.pods.namespace(ns), { name: 'count' });
    watcher.addEventHandler({
      onAdd: (p) => {
        seen.add(p.metadata!.uid!);
        live++;
        maxLive = Math.max(maxLive, live);
      },
      onDelete: () => {
        live--;
      },
    });
    watcher.start();
    try {
      const rss = client.replicaSets.namespace(ns);
      const rs = await rss.create(replicaSet('web', 0));
      await rss.patch('web', { spec: { replicas: 10 } });
      await rss.patch('web', { spec: { replicas: 25 } });
      for (let i = 0; i < 10; i++) await rss.patch('web', { metadata: { annotations: { poke: String(i) } } });
      await eventually(async () => {
        const cur = await rss.get('web');
        return cur.status?.replicas === 25 && cur.status.observedGeneration === cur.metadata?.generation && (await podsOf(ns, rs)).length === 25;
      }, '25 pods');
      await eventually(() => watcher.lister().list().length === 25, 'the watcher caught up');
      expect(seen.size).toBe(25);
      expect(maxLive).toBe(25);
      // Down and up again quickly: never above the highest target.
      await rss.patch('web', { spec: { replicas: 5 } });
      await rss.patch('web', { spec: { replicas: 12 } });
      await rss.patch('web', { spec: { replicas: 8 } });
      await eventually(async () => {
        const cur = await rss.get('web');
        return cur.status?.replicas === 8 && cur.status.observedGeneration === cur.metadata?.generation && (await podsOf(ns, rs)).length === 8;
      }, '8 pods');
      await eventually(() => watcher.lister().list().length === 8, 'the watcher caught up');
      expect(maxLive).toBe(25);
      // Created: 25 at first, then at most 12 - 5 more.
      expect(seen.size).toBeLessThanOrEqual(32);
    } finally {
      await watcher.stop();
    }
  });

  it('records ReplicaFailure and FailedCreate when pods cannot be created, and clears it once they can', async () => {
    const ns = await namespace();
    const rss = client.replicaSets.namespace(ns);
    const bad = replicaSet('bad', 3);
    bad.spec!.template!.spec!.containers[0].image = QUOTA_IMAGE;
    const rs = await rss.create(bad);
    const cond = await eventually(async () => (await rss.get('bad')).status?.conditions?.find((c) => c.type === 'ReplicaFailure'), 'ReplicaFailure');
    expect(cond).toMatchObject({ status: 'True', reason: 'FailedCreate' });
    expect(cond.message).toMatch(/exceeded quota/);
    const ev = await eventually(async () => (await client.events.namespace(ns).list()).items.find((e) => e.reason === 'FailedCreate'), 'FailedCreate event');
    expect(ev).toMatchObject({ type: 'Warning' });
    expect(ev.message).toMatch(/^Error creating: .*exceeded quota/);
    // Slow start: the first batch is one pod, and a failure stops the sync, so a failing
    // template is tried one pod at a time rather than once per missing pod.
    expect(createAttempts.get(ns)).toBeGreaterThanOrEqual(1);
    expect(maxInFlight).toBe(1);
    await rss.patch('bad', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] } } } }, 'strategic');
    await eventually(async () => {
      const cur = await rss.get('bad');
      return cur.status?.replicas === 3 && !cur.status.conditions?.some((c) => c.type === 'ReplicaFailure') && (await podsOf(ns, rs)).length === 3;
    }, 'pods created and the condition cleared');
  });
});

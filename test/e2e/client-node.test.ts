// @kubernetes/client-node 1.4 (the JavaScript client most Node tools use)
// against the whole control plane in this process, over HTTPS with the
// cluster CA and the admin token from the generated kubeconfig: typed CRUD,
// selectors, the three patch types it can send, errors as ApiException with
// the Status body, Watch, and an informer with its cache.

import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  Watch,
  makeInformer,
  setHeaderOptions,
  type Informer,
  type ObjectCache,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { until } from './support/kubectl.js';

const NS = 'cn-e2e';
const WATCH_NS = 'cn-watch';
const INFORMER_NS = 'cn-informer';

function pod(name: string, labels: Record<string, string>, namespace = NS): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }] },
  };
}

function deployment(name: string): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ name: 'http', containerPort: 80 }] }] },
      },
    },
  };
}

const names = (items: { metadata?: { name?: string } }[] | ReadonlyArray<{ metadata?: { name?: string } }>) =>
  items.map((i) => i.metadata?.name).sort();

/** The ApiException a call fails with, and its Status body (parsed when it is a string). */
async function failure(call: Promise<unknown>): Promise<{ err: ApiException<unknown>; status: any }> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof ApiException)) throw new Error(`expected an ApiException, got: ${String(err)}`, { cause: err });
    let status: any = err.body;
    if (typeof status === 'string') {
      try {
        status = JSON.parse(status);
      } catch {
        throw new Error(`ApiException body is not JSON: ${status}`);
      }
    }
    return { err, status };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

describe('@kubernetes/client-node 1.4', () => {
  let cluster: TestCluster | undefined;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  const cleanups: (() => Promise<unknown> | unknown)[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster();
    kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
  });

  afterAll(async () => {
    // Watches and informers first, so the server has no streams left open.
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch {
        // best effort
      }
    }
    await cluster?.close();
  });

  it('loads the kubeconfig: https with the cluster CA and a token', () => {
    const c = kc.getCurrentCluster();
    expect(c?.server).toBe(cluster!.url);
    expect(c?.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(c?.caData ?? c?.caFile).toBeTruthy();
    expect(c?.skipTLSVerify).toBeFalsy();
    expect(kc.getCurrentUser()?.token).toBe(cluster!.adminToken);
  });

  it('creates a namespace, pods and a deployment; a second create is a 409 AlreadyExists', async () => {
    const ns = await core.createNamespace({ body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } });
    expect(ns.metadata?.name).toBe(NS);
    expect(ns.metadata?.uid).toBeTruthy();

    const a = await core.createNamespacedPod({ namespace: NS, body: pod('pod-a', { app: 'a', tier: 'web' }) });
    expect(a.metadata).toMatchObject({ name: 'pod-a', namespace: NS, labels: { app: 'a', tier: 'web' } });
    expect(a.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(a.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(a.status?.phase).toBe('Pending');
    await core.createNamespacedPod({ namespace: NS, body: pod('pod-b', { app: 'b', tier: 'web' }) });
    await core.createNamespacedPod({ namespace: NS, body: pod('pod-c', { app: 'c' }) });

    const d = await apps.createNamespacedDeployment({ namespace: NS, body: deployment('web') });
    expect(d.metadata).toMatchObject({ name: 'web', namespace: NS, generation: 1 });
    expect(d.spec?.replicas).toBe(1);

    const dup = await failure(core.createNamespace({ body: { metadata: { name: NS } } }));
    expect(dup.err.code).toBe(409);
    expect(dup.err.message).toMatch(/^HTTP-Code: 409/);
    expect(dup.status).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'AlreadyExists',
      code: 409,
      message: `namespaces "${NS}" already exists`,
      details: { name: NS, kind: 'namespaces' },
    });
    const dupPod = await failure(core.createNamespacedPod({ namespace: NS, body: pod('pod-a', {}) }));
    expect(dupPod.err.code).toBe(409);
    expect(dupPod.status).toMatchObject({ reason: 'AlreadyExists', details: { name: 'pod-a', kind: 'pods' } });
  });

  it('lists with labelSelector and fieldSelector', async () => {
    expect(names((await core.listNamespacedPod({ namespace: NS })).items)).toEqual(['pod-a', 'pod-b', 'pod-c']);
    expect(names((await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=a' })).items)).toEqual(['pod-a']);
    expect(names((await core.listNamespacedPod({ namespace: NS, labelSelector: 'tier=web,app!=a' })).items)).toEqual(['pod-b']);
    expect(names((await core.listNamespacedPod({ namespace: NS, labelSelector: 'app in (a,c)' })).items)).toEqual([
      'pod-a',
      'pod-c',
    ]);
    expect(names((await core.listNamespacedPod({ namespace: NS, labelSelector: '!tier' })).items)).toEqual(['pod-c']);
    expect(names((await core.listNamespacedPod({ namespace: NS, fieldSelector: 'metadata.name=pod-b' })).items)).toEqual([
      'pod-b',
    ]);
    expect(
      names((await core.listNamespacedPod({ namespace: NS, fieldSelector: 'metadata.name!=pod-b', labelSelector: 'tier=web' })).items),
    ).toEqual(['pod-a']);
    const all = await core.listPodForAllNamespaces({ fieldSelector: `metadata.namespace=${NS}` });
    expect(names(all.items)).toEqual(['pod-a', 'pod-b', 'pod-c']);
    expect(all.metadata?.resourceVersion).toMatch(/^\d+$/);
    const deps = await apps.listNamespacedDeployment({ namespace: NS, labelSelector: 'app=web' });
    expect(names(deps.items)).toEqual(['web']);
    expect((await apps.listNamespacedDeployment({ namespace: NS, labelSelector: 'app=nope' })).items).toEqual([]);
  });

  it('patches: JSON patch by default, merge patch with setHeaderOptions', async () => {
    const jp = await core.patchNamespacedPod({
      namespace: NS,
      name: 'pod-a',
      body: [
        { op: 'add', path: '/metadata/labels/patched', value: 'json' },
        { op: 'replace', path: '/metadata/labels/tier', value: 'backend' },
      ],
    });
    expect(jp.metadata?.labels).toEqual({ app: 'a', tier: 'backend', patched: 'json' });

    const mp = await core.patchNamespacedPod(
      { namespace: NS, name: 'pod-a', body: { metadata: { labels: { patched: null, merged: 'yes' }, annotations: { note: 'hi' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(mp.metadata?.labels).toEqual({ app: 'a', tier: 'backend', merged: 'yes' });
    expect(mp.metadata?.annotations).toMatchObject({ note: 'hi' });

    const before = await apps.readNamespacedDeployment({ namespace: NS, name: 'web' });
    const dp = await apps.patchNamespacedDeployment(
      { namespace: NS, name: 'web', body: { spec: { replicas: 3 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(dp.spec?.replicas).toBe(3);
    expect(dp.metadata?.generation).toBe((before.metadata?.generation ?? 0) + 1);
    // Merge patch left the rest of the template alone.
    expect(dp.spec?.template.spec?.containers[0]).toMatchObject({
      name: 'web',
      image: 'nginx:1.25',
      ports: [expect.objectContaining({ name: 'http', containerPort: 80 })],
    });

    // A failing JSON patch test op is refused and changes nothing.
    const bad = await failure(
      core.patchNamespacedPod({ namespace: NS, name: 'pod-a', body: [{ op: 'test', path: '/metadata/labels/app', value: 'zzz' }] }),
    );
    expect(bad.err.code).toBeGreaterThanOrEqual(400);
    expect(bad.err.code).toBeLessThan(500);
    expect(bad.status).toMatchObject({ kind: 'Status', status: 'Failure' });
  });

  it('reads', async () => {
    const a = await core.readNamespacedPod({ namespace: NS, name: 'pod-a' });
    expect(a.metadata).toMatchObject({ name: 'pod-a', namespace: NS, labels: { merged: 'yes' } });
    expect(a.spec?.containers[0]).toMatchObject({ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] });
    const d = await apps.readNamespacedDeployment({ namespace: NS, name: 'web' });
    expect(d.spec?.replicas).toBe(3);
    const ns = await core.readNamespace({ name: NS });
    expect(ns.status?.phase).toBe('Active');
  });

  it('replaces what it read (image change allowed); a stale resourceVersion is a 409 Conflict', async () => {
    // client-node re-serialises the object it read (its own key order); the
    // server must compare the pod spec by value.
    const a = await core.readNamespacedPod({ namespace: NS, name: 'pod-b' });
    const replaced = await core.replaceNamespacedPod({
      namespace: NS,
      name: 'pod-b',
      body: {
        ...a,
        metadata: { ...a.metadata, labels: { ...a.metadata?.labels, writer: 'one' } },
        spec: { ...a.spec!, containers: a.spec!.containers.map((c) => ({ ...c, image: 'busybox:1.37' })) },
      },
    });
    expect(replaced.metadata?.labels).toMatchObject({ writer: 'one' });
    expect(replaced.spec?.containers[0].image).toBe('busybox:1.37');
    // The second writer still holds the old resourceVersion.
    const stale = await failure(
      core.replaceNamespacedPod({
        namespace: NS,
        name: 'pod-b',
        body: { ...a, metadata: { ...a.metadata, labels: { ...a.metadata?.labels, writer: 'two' } } },
      }),
    );
    expect(stale.err.code).toBe(409);
    expect(stale.status).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409, details: { name: 'pod-b', kind: 'pods' } });
  });

  it('deletes; reading the deleted object is a 404 NotFound', async () => {
    await core.deleteNamespacedPod({ namespace: NS, name: 'pod-a' });
    // No node: deletion is immediate.
    const gone = await failure(core.readNamespacedPod({ namespace: NS, name: 'pod-a' }));
    expect(gone.err.code).toBe(404);
    expect(gone.err.message).toMatch(/^HTTP-Code: 404/);
    expect(gone.status).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      message: 'pods "pod-a" not found',
      details: { name: 'pod-a', kind: 'pods' },
    });
    const again = await failure(core.deleteNamespacedPod({ namespace: NS, name: 'pod-a' }));
    expect(again.err.code).toBe(404);

    await apps.deleteNamespacedDeployment({ namespace: NS, name: 'web' });
    const goneDep = await failure(apps.readNamespacedDeployment({ namespace: NS, name: 'web' }));
    expect(goneDep.err.code).toBe(404);
    expect(goneDep.status).toMatchObject({
      reason: 'NotFound',
      message: 'deployments.apps "web" not found',
      details: { name: 'web', group: 'apps', kind: 'deployments' },
    });
    const missingNs = await failure(core.readNamespace({ name: 'no-such-namespace' }));
    expect(missingNs.err.code).toBe(404);
    expect(missingNs.status).toMatchObject({ reason: 'NotFound', details: { name: 'no-such-namespace', kind: 'namespaces' } });
    expect(names((await core.listNamespacedPod({ namespace: NS })).items)).toEqual(['pod-b', 'pod-c']);
  });

  it('Watch receives ADDED, MODIFIED and DELETED', async () => {
    await core.createNamespace({ body: { metadata: { name: WATCH_NS } } });
    const list = await core.listNamespacedPod({ namespace: WATCH_NS });
    const rv = list.metadata?.resourceVersion;
    expect(rv).toMatch(/^\d+$/);

    const events: { type: string; name?: string; obj: any }[] = [];
    let done: { err: unknown } | undefined;
    const controller = await new Watch(kc).watch(
      `/api/v1/namespaces/${WATCH_NS}/pods`,
      { resourceVersion: rv, allowWatchBookmarks: true },
      (type, obj) => events.push({ type, name: obj?.metadata?.name, obj }),
      (err) => {
        done = { err };
      },
    );
    cleanups.push(() => controller.abort());
    const state = () => `events: ${JSON.stringify(events.map((e) => [e.type, e.name]))}; done: ${done ? String(done.err) : 'no'}`;
    try {
      await core.createNamespacedPod({ namespace: WATCH_NS, body: pod('w1', { app: 'w' }, WATCH_NS) });
      await core.patchNamespacedPod(
        { namespace: WATCH_NS, name: 'w1', body: { metadata: { labels: { stage: 'two' } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await core.deleteNamespacedPod({ namespace: WATCH_NS, name: 'w1' });
      await until('a DELETED event for w1', () => events.some((e) => e.type === 'DELETED' && e.name === 'w1'), { state });
      const forW1 = events.filter((e) => e.type !== 'BOOKMARK');
      expect(forW1.map((e) => [e.type, e.name]), state()).toEqual([
        ['ADDED', 'w1'],
        ['MODIFIED', 'w1'],
        ['DELETED', 'w1'],
      ]);
      expect(forW1[0].obj.metadata.labels).toEqual({ app: 'w' });
      expect(forW1[1].obj.metadata.labels).toEqual({ app: 'w', stage: 'two' });
      const rvs = forW1.map((e) => Number(e.obj.metadata.resourceVersion));
      expect(rvs[1]).toBeGreaterThan(rvs[0]);
      expect(rvs[2]).toBeGreaterThan(rvs[1]);
      expect(done, state()).toBeUndefined();
    } finally {
      controller.abort();
    }
    // Aborting ends the watch through `done`.
    await until('the done callback after abort()', () => done !== undefined, { state });
  });

  it('makeInformer: add/update/delete callbacks and a cache that lists the pods', async () => {
    await core.createNamespace({ body: { metadata: { name: INFORMER_NS } } });
    await core.createNamespacedPod({ namespace: INFORMER_NS, body: pod('i0', { app: 'i' }, INFORMER_NS) });

    const informer: Informer<V1Pod> & ObjectCache<V1Pod> = makeInformer(kc, `/api/v1/namespaces/${INFORMER_NS}/pods`, () =>
      core.listNamespacedPod({ namespace: INFORMER_NS }),
    );
    const seen: [string, string | undefined][] = [];
    const errors: unknown[] = [];
    informer.on('add', (p) => seen.push(['add', p.metadata?.name]));
    informer.on('update', (p) => seen.push(['update', p.metadata?.name]));
    informer.on('delete', (p) => seen.push(['delete', p.metadata?.name]));
    informer.on('error', (err) => errors.push(err));
    cleanups.push(() => informer.stop());
    const state = () => `seen: ${JSON.stringify(seen)}; cache: ${JSON.stringify(names(informer.list()))}; errors: ${errors.map(String).join(', ')}`;

    try {
      await informer.start();
      await until('i0 in the cache from the initial list', () => informer.get('i0', INFORMER_NS), { state });
      expect(seen).toContainEqual(['add', 'i0']);

      await core.createNamespacedPod({ namespace: INFORMER_NS, body: pod('i1', { app: 'i' }, INFORMER_NS) });
      await until('add i1', () => seen.some(([v, n]) => v === 'add' && n === 'i1'), { state });
      expect(names(informer.list(INFORMER_NS))).toEqual(['i0', 'i1']);

      await core.patchNamespacedPod(
        { namespace: INFORMER_NS, name: 'i1', body: { metadata: { labels: { stage: 'updated' } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await until('update i1', () => seen.some(([v, n]) => v === 'update' && n === 'i1'), { state });
      await until('the cached i1 to carry the new label', () => informer.get('i1', INFORMER_NS)?.metadata?.labels?.stage === 'updated', {
        state,
      });

      await core.deleteNamespacedPod({ namespace: INFORMER_NS, name: 'i1' });
      await until('delete i1', () => seen.some(([v, n]) => v === 'delete' && n === 'i1'), { state });
      expect(informer.get('i1', INFORMER_NS)).toBeUndefined();
      expect(names(informer.list(INFORMER_NS))).toEqual(['i0']);
      expect(seen.filter(([, n]) => n === 'i1').map(([v]) => v), state()).toEqual(['add', 'update', 'delete']);
      expect(errors, state()).toEqual([]);
    } finally {
      await informer.stop();
    }
  });
});

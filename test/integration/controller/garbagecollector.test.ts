// The garbage collector against the real API server: background, foreground
// and orphan propagation, dependents with several owners, owners in another
// namespace and cluster-scoped owners. Nothing else runs: every owner and
// dependent is created by the test, with its ownerReferences.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newGarbageCollectorController } from '../../../src/controller/garbagecollector/index.js';
import { eventually, startControllerTest, type ControllerTest } from '../../support/controllers.js';

type Obj = Record<string, any>;

let t: ControllerTest;

beforeAll(async () => {
  t = await startControllerTest();
  await t.run(newGarbageCollectorController(t.ctx));
});

afterAll(async () => {
  await t?.close();
});

async function namespace(name: string): Promise<string> {
  await t.client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as never);
  return name;
}

function ref(owner: Obj, opts: { controller?: boolean; block?: boolean } = {}): Obj {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    ...(opts.controller !== undefined ? { controller: opts.controller } : {}),
    ...(opts.block !== undefined ? { blockOwnerDeletion: opts.block } : {}),
  };
}

const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };

async function replicaSet(ns: string, name: string, owners: Obj[] = []): Promise<Obj> {
  return (await t.client.replicaSets.namespace(ns).create({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, ownerReferences: owners },
    spec: { replicas: 0, selector: { matchLabels: { app: 'x' } }, template },
  } as never)) as Obj;
}

async function pod(ns: string, name: string, owners: Obj[]): Promise<Obj> {
  return (await t.client.pods.namespace(ns).create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'x' }, ownerReferences: owners },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  } as never)) as Obj;
}

async function configMap(ns: string, name: string, owners: Obj[] = []): Promise<Obj> {
  return (await t.client.configMaps.namespace(ns).create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ownerReferences: owners } } as never)) as Obj;
}

async function tryGet(get: () => Promise<unknown>): Promise<Obj | undefined> {
  try {
    return (await get()) as Obj;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

async function podNames(ns: string): Promise<string[]> {
  return ((await t.client.pods.namespace(ns).list()).items as Obj[]).map((p) => p.metadata.name).sort();
}

describe('garbage collector', () => {
  it('background: deleting an owner deletes its dependents', async () => {
    const ns = await namespace('gc-background');
    const rs = await replicaSet(ns, 'rs');
    for (const n of ['p1', 'p2', 'p3']) await pod(ns, n, [ref(rs, { controller: true, block: true })]);
    await pod(ns, 'unowned', []);
    await t.client.replicaSets.namespace(ns).delete('rs'); // Background is the default
    await eventually(async () => (await podNames(ns)).join() === 'unowned', 'the owned pods to be collected');
  });

  it('collects dependents whose owner was deleted before the collector saw it, and ones naming a uid that never existed', async () => {
    const ns = await namespace('gc-dangling');
    await pod(ns, 'ghost', [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'never', uid: '00000000-0000-0000-0000-000000000000', controller: true }]);
    // The owner's name exists, but it is another object (another uid): still dangling.
    const rs = await replicaSet(ns, 'same-name');
    await pod(ns, 'impostor', [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'same-name', uid: '11111111-1111-1111-1111-111111111111' }]);
    await pod(ns, 'kept', [ref(rs)]);
    await eventually(async () => (await podNames(ns)).join() === 'kept', 'the dangling pods to be collected');
  });

  it('foreground: dependents (and theirs) go before the owner, which waits with a deletionTimestamp', async () => {
    const ns = await namespace('gc-foreground');
    const deployment = (await t.client.deployments.namespace(ns).create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 0, selector: { matchLabels: { app: 'x' } }, template },
    } as never)) as Obj;
    const rs = await replicaSet(ns, 'web-rs', [ref(deployment, { controller: true, block: true })]);
    // Pods on a node are deleted gracefully: they linger with a deletionTimestamp until
    // "the kubelet" (the test) finishes them, which shows that the owners wait.
    for (const n of ['w1', 'w2']) {
      const p = await pod(ns, n, [ref(rs, { controller: true, block: true })]);
      await t.client.pods.namespace(ns).bind(n, 'node-1', { uid: p.metadata.uid });
    }

    await t.client.deployments.namespace(ns).delete('web', { propagationPolicy: 'Foreground' });
    const marked = (await t.client.deployments.namespace(ns).get('web')) as Obj;
    expect(marked.metadata.deletionTimestamp).toBeTruthy();
    expect(marked.metadata.finalizers).toContain('foregroundDeletion');

    // The ReplicaSet is deleted in the foreground too (it has dependents), its pods are deleted.
    await eventually(async () => {
      const pods = (await t.client.pods.namespace(ns).list()).items as Obj[];
      return pods.length === 2 && pods.every((p) => p.metadata.deletionTimestamp);
    }, 'the pods to be terminating');
    const rsNow = (await t.client.replicaSets.namespace(ns).get('web-rs')) as Obj;
    expect(rsNow.metadata.deletionTimestamp).toBeTruthy();
    expect(rsNow.metadata.finalizers).toContain('foregroundDeletion');
    // While the pods remain, so do the ReplicaSet and the Deployment.
    await new Promise((r) => setTimeout(r, 300));
    expect((await t.client.deployments.namespace(ns).get('web')).metadata?.deletionTimestamp).toBeTruthy();
    expect(await tryGet(() => t.client.replicaSets.namespace(ns).get('web-rs'))).toBeDefined();

    // "The kubelet" finishes the pods; then the chain unwinds, the owner last.
    for (const n of ['w1', 'w2']) await t.client.pods.namespace(ns).delete(n, { gracePeriodSeconds: 0 });
    const violations: string[] = [];
    await eventually(async () => {
      const dep = await tryGet(() => t.client.deployments.namespace(ns).get('web'));
      const rsLeft = await tryGet(() => t.client.replicaSets.namespace(ns).get('web-rs'));
      if (!dep && rsLeft) violations.push('the Deployment went before its ReplicaSet');
      return !dep && !rsLeft;
    }, 'the ReplicaSet and then the Deployment to be deleted');
    expect(violations).toEqual([]);
  });

  it('foreground: an owner without blocking dependents goes at once; non-blocking dependents are still deleted', async () => {
    const ns = await namespace('gc-foreground-nonblocking');
    const owner = await configMap(ns, 'owner');
    await configMap(ns, 'loose', [ref(owner, { block: false })]);
    await t.client.configMaps.namespace(ns).delete('owner', { propagationPolicy: 'Foreground' });
    await eventually(async () => !(await tryGet(() => t.client.configMaps.namespace(ns).get('owner'))), 'the owner to be deleted');
    await eventually(async () => !(await tryGet(() => t.client.configMaps.namespace(ns).get('loose'))), 'the dependent to be deleted');
  });

  it('orphan: dependents survive without the owner reference', async () => {
    const ns = await namespace('gc-orphan');
    const rs = await replicaSet(ns, 'rs');
    for (const n of ['o1', 'o2']) await pod(ns, n, [ref(rs, { controller: true, block: true })]);
    await t.client.replicaSets.namespace(ns).delete('rs', { propagationPolicy: 'Orphan' });
    await eventually(async () => !(await tryGet(() => t.client.replicaSets.namespace(ns).get('rs'))), 'the ReplicaSet to be deleted');
    const pods = (await t.client.pods.namespace(ns).list()).items as Obj[];
    expect(pods.map((p) => p.metadata.name).sort()).toEqual(['o1', 'o2']);
    for (const p of pods) expect(p.metadata.ownerReferences ?? []).toEqual([]);
    // And they stay.
    await new Promise((r) => setTimeout(r, 300));
    expect(await podNames(ns)).toEqual(['o1', 'o2']);
  });

  it('a dependent with two owners survives the deletion of one, losing only that reference', async () => {
    const ns = await namespace('gc-two-owners');
    const a = await configMap(ns, 'owner-a');
    const b = await configMap(ns, 'owner-b');
    await configMap(ns, 'shared', [ref(a), ref(b)]);
    await configMap(ns, 'only-a', [ref(a)]);
    await t.client.configMaps.namespace(ns).delete('owner-a');
    await eventually(async () => !(await tryGet(() => t.client.configMaps.namespace(ns).get('only-a'))), 'only-a to be collected');
    const shared = await eventually(async () => {
      const cm = (await t.client.configMaps.namespace(ns).get('shared')) as Obj;
      return cm.metadata.ownerReferences?.length === 1 ? cm : undefined;
    }, 'the dangling reference to be removed');
    expect(shared.metadata.ownerReferences[0].uid).toBe(b.metadata.uid);
  });

  it('an owner in another namespace is dangling; cluster-scoped owners are found', async () => {
    const ns = await namespace('gc-cross');
    const other = await namespace('gc-cross-other');
    const foreign = await configMap(other, 'foreign');
    await configMap(ns, 'cross', [ref(foreign)]);
    // A namespaced object owned by a cluster-scoped one (a Node).
    const node = (await t.client.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'gc-node' } } as never)) as Obj;
    await configMap(ns, 'node-owned', [ref(node)]);
    await eventually(async () => !(await tryGet(() => t.client.configMaps.namespace(ns).get('cross'))), 'the cross-namespace dependent to be collected');
    expect(await tryGet(() => t.client.configMaps.namespace(other).get('foreign'))).toBeDefined();
    await new Promise((r) => setTimeout(r, 200));
    expect(await tryGet(() => t.client.configMaps.namespace(ns).get('node-owned'))).toBeDefined();
    await t.client.nodes.delete('gc-node');
    await eventually(async () => !(await tryGet(() => t.client.configMaps.namespace(ns).get('node-owned'))), 'the Node-owned dependent to be collected');
  });
});

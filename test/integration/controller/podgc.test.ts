// The pod garbage collector against the real API server, with a small
// threshold and quarantine: the oldest terminated pods over the threshold go;
// pods bound to a node that was deleted go once the quarantine has passed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPodGCController } from '../../../src/controller/podgc/index.js';
import { eventually, startControllerTest, type ControllerTest } from '../../support/controllers.js';

type Obj = Record<string, any>;

let t: ControllerTest;

beforeAll(async () => {
  t = await startControllerTest();
  await t.run(newPodGCController(t.ctx, { terminatedPodThreshold: 2, gcCheckPeriodMs: 100, orphanQuarantineMs: 500 }));
});

afterAll(async () => {
  await t?.close();
});

async function namespace(name: string): Promise<string> {
  await t.client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as never);
  return name;
}

async function pod(ns: string, name: string, nodeName?: string): Promise<Obj> {
  return (await t.client.pods.namespace(ns).create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }] },
  } as never)) as Obj;
}

async function finish(ns: string, name: string, phase: 'Succeeded' | 'Failed'): Promise<void> {
  const p = (await t.client.pods.namespace(ns).get(name)) as Obj;
  await t.client.pods.namespace(ns).updateStatus({ ...p, status: { ...p.status, phase } } as never);
}

async function names(ns: string): Promise<string[]> {
  return ((await t.client.pods.namespace(ns).list()).items as Obj[]).map((p) => p.metadata.name).sort();
}

describe('pod garbage collector', () => {
  it('deletes the oldest terminated pods beyond the threshold', async () => {
    const ns = await namespace('podgc-threshold');
    await pod(ns, 'old-1');
    await pod(ns, 'old-2');
    await finish(ns, 'old-1', 'Succeeded');
    await finish(ns, 'old-2', 'Failed');
    // creationTimestamp has one-second resolution: make the second batch visibly younger.
    await new Promise((r) => setTimeout(r, 1100));
    await pod(ns, 'new-1');
    await pod(ns, 'new-2');
    await pod(ns, 'running');
    // At the threshold: nothing is deleted.
    await new Promise((r) => setTimeout(r, 300));
    expect(await names(ns)).toEqual(['new-1', 'new-2', 'old-1', 'old-2', 'running']);
    await finish(ns, 'new-1', 'Succeeded');
    await finish(ns, 'new-2', 'Succeeded');
    await eventually(async () => (await names(ns)).join() === 'new-1,new-2,running', 'the two oldest terminated pods to be deleted');
    await new Promise((r) => setTimeout(r, 300));
    expect(await names(ns)).toEqual(['new-1', 'new-2', 'running']);
  });

  it('force-deletes pods bound to a node that no longer exists, after the quarantine', async () => {
    const ns = await namespace('podgc-orphans');
    await t.client.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'doomed' } } as never);
    await t.client.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'alive' } } as never);
    await pod(ns, 'on-doomed-1', 'doomed');
    await pod(ns, 'on-doomed-2', 'doomed');
    await pod(ns, 'on-alive', 'alive');
    await pod(ns, 'unscheduled');
    await new Promise((r) => setTimeout(r, 300));
    expect(await names(ns)).toHaveLength(4);

    await t.client.nodes.delete('doomed');
    const deletedAt = Date.now();
    await eventually(async () => (await names(ns)).join() === 'on-alive,unscheduled', 'the orphaned pods to be deleted');
    expect(Date.now() - deletedAt).toBeGreaterThanOrEqual(400);
  });
});

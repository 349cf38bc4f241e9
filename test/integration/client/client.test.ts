// The client against the real API server, through both transports: the
// same cases must hold over HTTPS and through the in-process handler.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createInformer, httpTransport, inProcessTransport, isConflict, isNotFound, type Client } from '../../../src/client/index.js';
import type { ConfigMap } from '../../../src/api/generated/index.js';
import { startTestCluster, type TestCluster } from '../../support/cluster.js';

async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let cluster: TestCluster;
const transports: Record<string, () => Client> = {
  http: () => createClient(httpTransport({ server: cluster.url, token: cluster.adminToken, caData: cluster.caCert })),
  'in-process': () => createClient(inProcessTransport(cluster.api.handler, { headers: { authorization: `Bearer ${cluster.adminToken}` } })),
};

beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.close();
});

describe.each(Object.keys(transports))('client over %s', (name) => {
  let client: Client;
  const ns = `client-${name}`;
  beforeAll(async () => {
    client = transports[name]();
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  });
  afterAll(() => client?.close());

  it('creates, reads, lists with selectors, updates with conflicts, patches and deletes', async () => {
    const cms = client.configMaps.namespace(ns);
    const created = await cms.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { tier: 'web' } }, data: { k: 'v' } } as ConfigMap);
    expect(created.metadata?.uid).toBeTruthy();
    await cms.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', labels: { tier: 'db' } } } as ConfigMap);
    expect((await cms.list({ labelSelector: 'tier=web' })).items.map((c) => c.metadata?.name)).toEqual(['a']);
    expect((await cms.list({ fieldSelector: { 'metadata.name': 'b' } })).items.map((c) => c.metadata?.name)).toEqual(['b']);
    const updated = await cms.update({ ...created, data: { k: 'v2' } });
    expect(updated.data).toEqual({ k: 'v2' });
    await expect(cms.update({ ...created, data: { k: 'stale' } })).rejects.toSatisfy(isConflict);
    const patched = await cms.patch('a', { data: { extra: '1' } }, 'merge');
    expect(patched.data).toEqual({ k: 'v2', extra: '1' });
    await cms.delete('a');
    await expect(cms.get('a')).rejects.toSatisfy(isNotFound);
  });

  it('an informer sees adds, updates and deletes, and its lister serves the cache', async () => {
    const cms = client.configMaps.namespace(ns);
    const seen: string[] = [];
    const informer = createInformer(cms, { name: `cm-${name}` });
    informer.addEventHandler({
      onAdd: (o) => seen.push(`add ${o.metadata?.name}`),
      onUpdate: (_o, n) => seen.push(`update ${n.metadata?.name} ${n.data?.k ?? ''}`),
      onDelete: (o) => seen.push(`delete ${'obj' in o ? (o.obj as ConfigMap).metadata?.name : o.metadata?.name}`),
    });
    informer.start();
    try {
      expect(await informer.waitForSync()).toBe(true);
      await cms.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w' }, data: { k: '1' } } as ConfigMap);
      await cms.patch('w', { data: { k: '2' } }, 'merge');
      await cms.delete('w');
      await until(() => seen.includes('delete w'), 'the informer to see the delete');
      expect(seen.filter((s) => s.includes(' w'))).toEqual(['add w', 'update w 2', 'delete w']);
      expect(informer.lister().namespace(ns).get('b')?.metadata?.name).toBe('b');
    } finally {
      await informer.stop();
    }
  });
});

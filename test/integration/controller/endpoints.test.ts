// The endpoints controller against the real API server: addresses follow pod
// readiness, named ports resolve per pod, a Service's deletion takes its
// Endpoints along, and Services without a selector are left alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAST_CHANGE_TRIGGER_TIME, newEndpointsController } from '../../../src/controller/endpoints/index.js';
import { eventually, startControllerTest, type ControllerTest } from '../../support/controllers.js';

type Obj = Record<string, any>;

let t: ControllerTest;

beforeAll(async () => {
  t = await startControllerTest();
  await t.run(newEndpointsController(t.ctx));
});

afterAll(async () => {
  await t?.close();
});

async function namespace(name: string): Promise<string> {
  await t.client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as never);
  return name;
}

function pod(name: string, labels: Record<string, string>, ports: Obj[] = [{ name: 'http', containerPort: 8080 }]): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox', ports }] },
  };
}

async function setStatus(ns: string, name: string, ip: string, ready: boolean): Promise<void> {
  const p = (await t.client.pods.namespace(ns).get(name)) as Obj;
  p.status = {
    ...p.status,
    phase: 'Running',
    podIP: ip,
    podIPs: [{ ip }],
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }],
  };
  await t.client.pods.namespace(ns).updateStatus(p as never);
}

async function endpoints(ns: string, name: string): Promise<Obj | undefined> {
  try {
    return (await t.client.endpoints.namespace(ns).get(name)) as Obj;
  } catch {
    return undefined;
  }
}

const ips = (list: Obj[] | undefined): string[] => (list ?? []).map((a) => a.ip).sort();

describe('endpoints controller', () => {
  it('lists ready pods in addresses and the others in notReadyAddresses, following readiness', async () => {
    const ns = await namespace('ep-ready');
    await t.client.services.namespace(ns).create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', labels: { tier: 'front' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    } as never);
    for (const n of ['a', 'b', 'c']) await t.client.pods.namespace(ns).create(pod(n, { app: 'web' }) as never);
    await t.client.pods.namespace(ns).create(pod('other', { app: 'db' }) as never);
    await setStatus(ns, 'a', '10.0.0.1', true);
    await setStatus(ns, 'b', '10.0.0.2', false);
    await setStatus(ns, 'other', '10.0.0.9', true);
    // c has no IP yet: it is in neither list.

    const ep = await eventually(async () => {
      const e = await endpoints(ns, 'web');
      const s = e?.subsets?.[0];
      return s && ips(s.addresses).join() === '10.0.0.1' && ips(s.notReadyAddresses).join() === '10.0.0.2' ? e : undefined;
    }, 'a ready and b not ready');
    expect(ep.subsets).toHaveLength(1);
    expect(ep.subsets[0].ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    const a = ep.subsets[0].addresses[0];
    const podA = (await t.client.pods.namespace(ns).get('a')) as Obj;
    expect(a.nodeName).toBe('n1');
    expect(a.targetRef).toMatchObject({ kind: 'Pod', namespace: ns, name: 'a', uid: podA.metadata.uid });
    expect(a.targetRef.resourceVersion).toBeTruthy();
    expect(ep.metadata.labels).toEqual({ tier: 'front' });
    expect(ep.metadata.annotations?.[LAST_CHANGE_TRIGGER_TIME]).toMatch(/^\d{4}-\d\d-\d\dT/);

    // b becomes ready, a stops being ready, c gets an IP and is ready.
    await setStatus(ns, 'b', '10.0.0.2', true);
    await setStatus(ns, 'a', '10.0.0.1', false);
    await setStatus(ns, 'c', '10.0.0.3', true);
    await eventually(async () => {
      const s = (await endpoints(ns, 'web'))?.subsets?.[0];
      return s && ips(s.addresses).join() === '10.0.0.2,10.0.0.3' && ips(s.notReadyAddresses).join() === '10.0.0.1';
    }, 'b and c ready, a not ready');

    // A deleted pod leaves; so does a terminating one.
    await t.client.pods.namespace(ns).delete('c', { gracePeriodSeconds: 30 });
    await t.client.pods.namespace(ns).delete('a', { gracePeriodSeconds: 0 });
    await eventually(async () => {
      const s = (await endpoints(ns, 'web'))?.subsets?.[0];
      return s && ips(s.addresses).join() === '10.0.0.2' && !s.notReadyAddresses;
    }, 'only b left');
  });

  it('does not write Endpoints that did not change', async () => {
    const ns = await namespace('ep-quiet');
    await t.client.services.namespace(ns).create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'q' },
      spec: { selector: { app: 'q' }, ports: [{ port: 80, targetPort: 8080 }] },
    } as never);
    await t.client.pods.namespace(ns).create(pod('p', { app: 'q' }) as never);
    await setStatus(ns, 'p', '10.0.1.1', true);
    const first = await eventually(async () => {
      const e = await endpoints(ns, 'q');
      return e?.subsets?.[0]?.addresses?.length === 1 ? e : undefined;
    }, 'the endpoints');
    // A pod change that does not matter (a label the selector ignores) must not rewrite them.
    const p = (await t.client.pods.namespace(ns).get('p')) as Obj;
    p.metadata.labels.extra = 'x';
    await t.client.pods.namespace(ns).update(p as never);
    await new Promise((r) => setTimeout(r, 300)); // give a wrong write the chance to happen
    expect((await endpoints(ns, 'q'))!.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
  });

  it('resolves named target ports per pod and groups addresses by port set', async () => {
    const ns = await namespace('ep-ports');
    await t.client.services.namespace(ns).create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'named' },
      spec: {
        selector: { app: 'named' },
        ports: [
          { name: 'web', port: 80, targetPort: 'http' },
          { name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' },
        ],
      },
    } as never);
    // x serves http on 8080, y on 9090; only y serves dns (UDP).
    await t.client.pods.namespace(ns).create(pod('x', { app: 'named' }, [{ name: 'http', containerPort: 8080 }]) as never);
    await t.client.pods.namespace(ns).create(
      pod('y', { app: 'named' }, [
        { name: 'http', containerPort: 9090 },
        { name: 'dns', containerPort: 5353, protocol: 'UDP' },
      ]) as never,
    );
    await setStatus(ns, 'x', '10.0.2.1', true);
    await setStatus(ns, 'y', '10.0.2.2', true);
    const ep = await eventually(async () => {
      const e = await endpoints(ns, 'named');
      return e?.subsets?.length === 2 ? e : undefined;
    }, 'two subsets');
    const byIp = Object.fromEntries(ep.subsets.map((s: Obj) => [s.addresses[0].ip, s.ports]));
    expect(byIp['10.0.2.1']).toEqual([{ name: 'web', port: 8080, protocol: 'TCP' }]);
    expect(byIp['10.0.2.2']).toEqual([
      { name: 'dns', port: 5353, protocol: 'UDP' },
      { name: 'web', port: 9090, protocol: 'TCP' },
    ]);
  });

  it('publishNotReadyAddresses lists every pod with an IP as ready', async () => {
    const ns = await namespace('ep-publish');
    await t.client.services.namespace(ns).create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'pub' },
      spec: { selector: { app: 'pub' }, publishNotReadyAddresses: true, ports: [{ port: 80 }] },
    } as never);
    await t.client.pods.namespace(ns).create(pod('u', { app: 'pub' }) as never);
    await setStatus(ns, 'u', '10.0.3.1', false);
    await eventually(async () => ips((await endpoints(ns, 'pub'))?.subsets?.[0]?.addresses).join() === '10.0.3.1', 'the unready pod in addresses');
  });

  it('deletes the Endpoints of a deleted Service and leaves Services without a selector alone', async () => {
    const ns = await namespace('ep-delete');
    await t.client.services.namespace(ns).create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'gone' },
      spec: { selector: { app: 'gone' }, ports: [{ port: 80 }] },
    } as never);
    await eventually(() => endpoints(ns, 'gone'), 'Endpoints for the Service (even with no pods)');

    // A Service without a selector: its hand-written Endpoints stay as written.
    await t.client.services.namespace(ns).create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual' }, spec: { ports: [{ port: 5432 }] } } as never);
    await t.client.endpoints.namespace(ns).create({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'manual' },
      subsets: [{ addresses: [{ ip: '192.168.1.10' }], ports: [{ port: 5432 }] }],
    } as never);

    await t.client.services.namespace(ns).delete('gone');
    await eventually(async () => !(await endpoints(ns, 'gone')), 'the Endpoints to be deleted');
    const manual = await endpoints(ns, 'manual');
    expect(manual?.subsets?.[0]?.addresses?.[0]?.ip).toBe('192.168.1.10');
  });
});

// diffResource: kubectl apply's three-way semantics. Server defaults and controller-added
// fields are not drift; changes to fields Git sets are; fields removed from Git are.

import { describe, expect, it } from 'vitest';
import { deepClone } from '../../../../src/api/patch/index.js';
import { diffResource, prepareForApply } from '../../../../src/gitops/diff/index.js';
import { ANNOTATIONS, APP_LABEL, type KubeObject } from '../../../../src/gitops/types.js';
import { APP, applied, configMap, deployment, patchLive, service, serverView } from './fixtures.js';

describe('prepareForApply', () => {
  it('adds the tracking id, the app label and a stable last-applied annotation', () => {
    const desired = deployment();
    const before = deepClone(desired);
    const a = prepareForApply(desired, APP);
    expect(desired).toEqual(before);
    expect(a.metadata.labels?.[APP_LABEL]).toBe('shop');
    expect(a.metadata.annotations?.[ANNOTATIONS.trackingId]).toBe('gitplane_shop:apps/Deployment:default/web');
    const last = JSON.parse(a.metadata.annotations![ANNOTATIONS.lastApplied]);
    expect(last.metadata.annotations[ANNOTATIONS.lastApplied]).toBeUndefined();
    expect(last.metadata.annotations[ANNOTATIONS.trackingId]).toBeDefined();
    expect(last.spec.replicas).toBe(3);
    // Key order does not change the annotation.
    const reordered = { kind: desired.kind, spec: desired.spec, metadata: desired.metadata, apiVersion: desired.apiVersion };
    expect(prepareForApply(reordered, APP).metadata.annotations![ANNOTATIONS.lastApplied]).toBe(a.metadata.annotations![ANNOTATIONS.lastApplied]);
  });

  it('drops status and server metadata, and folds Secret stringData into data', () => {
    const a = prepareForApply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default', resourceVersion: '7', uid: 'x' }, stringData: { password: 'hunter2' }, data: { user: 'YWRtaW4=' }, status: {} }, APP);
    expect(a.metadata.resourceVersion).toBeUndefined();
    expect(a.metadata.uid).toBeUndefined();
    expect(a.status).toBeUndefined();
    expect(a.stringData).toBeUndefined();
    expect(a.data).toEqual({ user: 'YWRtaW4=', password: Buffer.from('hunter2').toString('base64') });
  });
});

describe('diffResource', () => {
  it('creates what is missing', () => {
    const a = prepareForApply(deployment(), APP);
    const d = diffResource(a, undefined);
    expect(d).toMatchObject({ status: 'OutOfSync', action: 'create', key: 'apps/Deployment/default/web', body: a });
    expect(d.predicted.metadata).not.toHaveProperty('annotations.gitplane\\.io/last-applied-configuration');
    expect(d.live).toBeUndefined();
  });

  it('treats server defaults, status, server metadata and controller annotations as in sync', () => {
    for (const desired of [deployment(), service(), configMap()]) {
      const { applied: a, live } = applied(desired);
      live.metadata.annotations = { ...live.metadata.annotations, 'controller.example.com/seen': 'yes' };
      live.metadata.labels = { ...live.metadata.labels, 'added-by': 'someone-else' };
      const d = diffResource(a, live);
      expect(d, desired.kind).toMatchObject({ status: 'Synced', action: 'none' });
      expect(d.body).toBeUndefined();
    }
  });

  it('reports kubectl scale as drift and patches replicas back', () => {
    const { applied: a, live } = applied(deployment());
    (live.spec as { replicas: number }).replicas = 5;
    const d = diffResource(a, live);
    expect(d.status).toBe('OutOfSync');
    expect(d.action).toBe('patch');
    expect(d.patchType).toBe('strategic');
    expect(d.body).toEqual({ spec: { replicas: 3 } });
    expect((d.live!.spec as { replicas: number }).replicas).toBe(5);
    expect((d.predicted.spec as { replicas: number }).replicas).toBe(3);
  });

  it('deletes a label removed from Git (three-way), keeps labels others added', () => {
    const { live } = applied(deployment());
    live.metadata.labels = { ...live.metadata.labels, 'added-by': 'someone-else' };
    const a2 = prepareForApply(deployment('web', { labels: { app: 'web' } }), APP);
    const d = diffResource(a2, live);
    expect(d.status).toBe('OutOfSync');
    const body = d.body as { metadata: { labels: Record<string, unknown> } };
    expect(body.metadata.labels).toEqual({ tier: null });
    const after = patchLive(live, d);
    expect(after.metadata.labels).toEqual({ app: 'web', 'added-by': 'someone-else', [APP_LABEL]: 'shop' });
    expect(diffResource(a2, after).status).toBe('Synced');
  });

  it('without a last-applied annotation, removes nothing', () => {
    const { applied: a, live } = applied(deployment());
    delete live.metadata.annotations![ANNOTATIONS.lastApplied];
    live.metadata.labels = { ...live.metadata.labels, extra: 'x' };
    const d = diffResource(a, live);
    expect(d.status).toBe('Synced');
    // The annotation is stale (absent): the object is adopted by writing it.
    expect(d.action).toBe('patch');
  });

  it('patches a changed image by merge key, keeping server defaults inside the container', () => {
    const { live } = applied(deployment());
    const a2 = prepareForApply(deployment('web', { image: 'nginx:1.27' }), APP);
    const d = diffResource(a2, live);
    expect(d.status).toBe('OutOfSync');
    const spec = (d.body as any).spec.template.spec;
    expect(spec.containers).toEqual([{ name: 'app', image: 'nginx:1.27' }]);
    expect(spec['$setElementOrder/containers']).toEqual([{ name: 'app' }]);
    const container = (d.predicted as any).spec.template.spec.containers[0];
    expect(container).toMatchObject({ image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80, protocol: 'TCP' }] });
    expect(diffResource(a2, serverView(a2)).status).toBe('Synced');
  });

  it('removes an env var and a container removed from Git', () => {
    const two = deployment();
    (two.spec as any).template.spec.containers.push({ name: 'sidecar', image: 'envoy:1' });
    (two.spec as any).template.spec.containers[0].env.push({ name: 'DEBUG', value: '1' });
    const { live } = applied(two);
    const a2 = prepareForApply(deployment(), APP);
    const d = diffResource(a2, live);
    expect(d.status).toBe('OutOfSync');
    const containers = (d.body as any).spec.template.spec.containers;
    expect(containers).toContainEqual({ name: 'sidecar', $patch: 'delete' });
    expect(containers).toContainEqual({ name: 'app', env: [{ name: 'DEBUG', $patch: 'delete' }] });
    const after = patchLive(live, d);
    const got = (after.spec as any).template.spec.containers;
    expect(got).toHaveLength(1);
    expect(got[0].env).toEqual([{ name: 'MODE', value: 'prod' }]);
    expect(got[0].imagePullPolicy).toBe('IfNotPresent');
  });

  it('a field the user removes that the server defaults is a change (server re-defaults it)', () => {
    const withPolicy = deployment();
    (withPolicy.spec as any).template.spec.containers[0].imagePullPolicy = 'Always';
    const { live } = applied(withPolicy);
    const d = diffResource(prepareForApply(deployment(), APP), live);
    expect(d.status).toBe('OutOfSync');
    expect((d.body as any).spec.template.spec.containers).toEqual([{ name: 'app', imagePullPolicy: null }]);
  });

  it('clears rollingUpdate with $retainKeys when the strategy type changes, not otherwise', () => {
    const { live } = applied(deployment());
    const recreate = deployment();
    (recreate.spec as any).strategy = { type: 'Recreate' };
    const d = diffResource(prepareForApply(recreate, APP), live);
    expect((d.body as any).spec.strategy).toEqual({ type: 'Recreate', $retainKeys: ['type'] });
    expect((d.predicted as any).spec.strategy).toEqual({ type: 'Recreate' });
    const rolling = deployment();
    (rolling.spec as any).strategy = { type: 'RollingUpdate' };
    const r = applied(rolling);
    expect(diffResource(r.applied, r.live).status).toBe('Synced');
  });

  it('only the last-applied annotation stale: Synced, but patched to record it', () => {
    const { live } = applied(deployment());
    const same = deployment();
    (same.spec as any).template.spec.containers[0].imagePullPolicy = 'IfNotPresent'; // equals the server default
    const d = diffResource(prepareForApply(same, APP), live);
    expect(d.status).toBe('Synced');
    expect(d.action).toBe('patch');
    expect(Object.keys((d.body as any).metadata.annotations)).toEqual([ANNOTATIONS.lastApplied]);
  });

  it('uses JSON merge patches for kinds without patch metadata; lists are replaced', () => {
    const app = (paths: string[]) => ({ apiVersion: 'gitplane.io/v1alpha1', kind: 'Application', metadata: { name: 'a', namespace: 'gitplane' }, spec: { source: { repoURL: 'r', paths }, project: 'default' } });
    const a1 = prepareForApply(app(['x', 'y']), APP);
    const live: KubeObject = { ...deepClone(a1), status: { sync: { status: 'Synced' } }, metadata: { ...deepClone(a1.metadata), resourceVersion: '4' } };
    (live.spec as any).destination = { server: 'defaulted' };
    expect(diffResource(a1, live).status).toBe('Synced');
    const a2 = prepareForApply(app(['x']), APP);
    const d = diffResource(a2, live);
    expect(d.patchType).toBe('merge');
    expect((d.body as any).spec).toEqual({ source: { paths: ['x'] } });
  });

  it('Service: clusterIP and port protocol set by the server are not drift; a new port is', () => {
    const { applied: a, live } = applied(service());
    expect(diffResource(a, live).status).toBe('Synced');
    const two = service();
    (two.spec as any).ports.push({ name: 'https', port: 443, targetPort: 8443 });
    const d = diffResource(prepareForApply(two, APP), live);
    expect(d.status).toBe('OutOfSync');
    expect((d.predicted as any).spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'https', port: 443, targetPort: 8443 },
    ]);
    expect((d.predicted as any).spec.clusterIP).toBe('10.96.0.12');
  });

  it('lists of scalars merge as sets: a finalizer others add is kept, one removed from Git is deleted', () => {
    const withFinalizer = configMap();
    withFinalizer.metadata.finalizers = ['example.com/ours'];
    const { applied: a, live } = applied(withFinalizer);
    live.metadata.finalizers = ['example.com/ours', 'example.com/controller'];
    expect(diffResource(a, live).status).toBe('Synced');
    const d = diffResource(prepareForApply(configMap(), APP), live);
    expect(d.status).toBe('OutOfSync');
    expect((d.body as any).metadata['$deleteFromPrimitiveList/finalizers']).toEqual(['example.com/ours']);
    expect(patchLive(live, d).metadata.finalizers).toEqual(['example.com/controller']);
  });

  it('ConfigMap: changed and removed keys', () => {
    const { live } = applied(configMap());
    const d = diffResource(prepareForApply(configMap('settings', { mode: 'dev' }), APP), live);
    expect(d.status).toBe('OutOfSync');
    expect((d.body as any).data).toEqual({ level: null, mode: 'dev' });
  });
});

// kustomize: an overlay on a base using every supported feature, checked object by
// object; generated names hashed exactly as kustomize does; references rewritten.
import { describe, expect, it } from 'vitest';
import { kustomizeHash, Renderer } from '../../../../src/gitops/render/index.js';
import type { DesiredObject, KubeObject } from '../../../../src/gitops/types.js';
import { BASE, OVERLAY } from './kustomize-fixture.js';
import { MemorySnapshot } from './memory-snapshot.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function find(objects: DesiredObject[], kind: string, name: string): Obj {
  const found = objects.find((o) => o.object.kind === kind && o.object.metadata.name === name);
  if (!found) throw new Error(`${kind} ${name} not found in ${objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`).join(', ')}`);
  return found.object as Obj;
}

function hashed(kind: 'ConfigMap' | 'Secret', name: string, data: Record<string, string>): string {
  const obj: Obj = { kind, metadata: { name }, data };
  if (kind === 'Secret') obj.type = 'Opaque';
  return `${name}-${kustomizeHash(obj)}`;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('kustomize base', () => {
  it('renders the base on its own', async () => {
    const result = await new Renderer().render(new MemorySnapshot(BASE), { path: 'base', namespace: 'dev' });
    expect(result.errors).toEqual([]);
    expect(result.kustomize).toBe(true);
    const cmName = hashed('ConfigMap', 'web-config', { LOG_LEVEL: 'info', GREETING: 'hello world', 'app.properties': 'color=blue\n', 'custom-key': 'other\n' });
    expect(result.objects.map((o) => `${o.object.kind}/${o.object.metadata.namespace}/${o.object.metadata.name}`)).toEqual([
      'Deployment/dev/web',
      'Service/dev/web',
      `ConfigMap/dev/${cmName}`,
      `Secret/dev/${hashed('Secret', 'web-secret', { password: b64('s3cret') })}`,
    ]);
    const cm = find(result.objects, 'ConfigMap', cmName);
    expect(cm.metadata.labels).toEqual({ app: 'web' });
    expect(result.objects[2].source).toEqual({ file: 'base/kustomization.yaml', line: 9 });
    expect(result.objects[0].source).toEqual({ file: 'base/deployment.yaml', line: 1 });
  });
});

describe('kustomize overlay', () => {
  const snap = new MemorySnapshot({ ...BASE, ...OVERLAY });
  const render = () => new Renderer().render(snap, { path: 'overlays/prod', namespace: 'ignored' });
  const cmName = hashed('ConfigMap', 'prod-web-config-v1', { LOG_LEVEL: 'info', GREETING: 'hello world', 'app.properties': 'color=blue\n', 'custom-key': 'other\n' });
  const secretName = hashed('Secret', 'prod-web-secret-v1', { password: b64('s3cret') });

  it('renders without errors, every object in the overlay namespace', async () => {
    const result = await render();
    expect(result.errors).toEqual([]);
    expect(result.objects.map((o) => `${o.object.kind}/${o.object.metadata.namespace ?? ''}/${o.object.metadata.name}`)).toEqual([
      'Deployment/prod/prod-web-v1',
      'Service/prod/prod-web-v1',
      `ConfigMap/prod/${cmName}`,
      `Secret/prod/${secretName}`,
      'Job/prod/prod-migrate-v1',
      'Namespace//prod',
      'ConfigMap/prod/prod-prod-only-v1',
    ]);
    expect(result.files).toBe(11); // every file of base and overlay
  });

  it('applies labels, selectors, annotations, images and patches to the Deployment', async () => {
    const d = find((await render()).objects, 'Deployment', 'prod-web-v1');
    expect(d.metadata.labels).toEqual({ app: 'web', env: 'prod' });
    expect(d.metadata.annotations).toEqual({ owner: 'team-a' });
    expect(d.spec.selector.matchLabels).toEqual({ tier: 'front', app: 'web', env: 'prod' });
    expect(d.spec.template.metadata.labels).toEqual({ tier: 'front', app: 'web', env: 'prod' });
    expect(d.spec.template.metadata.annotations).toEqual({ owner: 'team-a' });
    expect(d.spec.replicas).toBe(5);
    const pod = d.spec.template.spec;
    expect(pod.containers[0].image).toBe('registry.example.com/nginx:1.25');
    expect(pod.initContainers[0].image).toBe('busybox@sha256:0123456789abcdef');
    expect(pod.containers[0].resources).toEqual({ limits: { memory: '256Mi' } });
  });

  it('rewrites references to generated, prefixed and hashed ConfigMaps and Secrets, not others', async () => {
    const result = await render();
    const pod = find(result.objects, 'Deployment', 'prod-web-v1').spec.template.spec;
    expect(pod.containers[0].envFrom[0].configMapRef.name).toBe(cmName);
    expect(pod.containers[0].env[0].valueFrom.secretKeyRef.name).toBe(secretName);
    expect(pod.containers[0].env[1].valueFrom.configMapKeyRef.name).toBe('not-generated');
    expect(pod.volumes[0].configMap.name).toBe(cmName);
    expect(pod.volumes[1].secret.secretName).toBe(secretName);
    expect(pod.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    const job = find(result.objects, 'Job', 'prod-migrate-v1');
    // The Job comes from the overlay, the Secret from the base: the reference still follows.
    expect(job.spec.template.spec.containers[0].envFrom[0].secretRef.name).toBe(secretName);
    expect(job.spec.template.spec.containers[0].image).toBe('registry.example.com/nginx:1.25');
    expect(job.metadata.labels).toEqual({ env: 'prod' });
    expect(job.spec.template.metadata).toEqual({ labels: { env: 'prod' }, annotations: { owner: 'team-a' } });
    expect(job.spec.selector).toBeUndefined();
  });

  it('generates ConfigMaps and Secrets with options, data and the right sources', async () => {
    const result = await render();
    const cm = find(result.objects, 'ConfigMap', cmName);
    expect(cm.data).toEqual({ LOG_LEVEL: 'info', GREETING: 'hello world', 'app.properties': 'color=blue\n', 'custom-key': 'other\n' });
    expect(cm.metadata.labels).toEqual({ app: 'web', env: 'prod' });
    const secret = find(result.objects, 'Secret', secretName);
    expect(secret).toMatchObject({ type: 'Opaque', data: { password: b64('s3cret') } });
    const prodOnly = result.objects.find((o) => o.object.metadata.name === 'prod-prod-only-v1')!;
    expect(prodOnly.object).toMatchObject({ data: { REGION: 'eu-west-1', ZONE: 'b' }, metadata: { labels: { generated: 'true', env: 'prod' }, annotations: { owner: 'team-a' } } });
    expect(prodOnly.source).toEqual({ file: 'overlays/prod/kustomization.yaml', line: 19 });
  });

  it('Service: selector labels, JSON 6902 patch by target; Namespace: neither prefixed nor namespaced', async () => {
    const result = await render();
    const svc = find(result.objects, 'Service', 'prod-web-v1');
    expect(svc.spec.selector).toEqual({ tier: 'front', app: 'web', env: 'prod' });
    // Patches run before the overlay's own labels and annotations, as in kustomize.
    expect(svc.metadata.labels).toEqual({ app: 'web', patched: 'yes', env: 'prod' });
    expect(svc.metadata.annotations).toEqual({ owner: 'team-a' });
    const ns = find(result.objects, 'Namespace', 'prod');
    expect(ns.metadata).toEqual({ name: 'prod', labels: { env: 'prod' }, annotations: { owner: 'team-a' } });
  });

  it('generator hashes are stable across renders and renderers, and follow content', async () => {
    const first = await render();
    const again = await new Renderer().render(new MemorySnapshot({ ...OVERLAY, ...BASE }), { path: 'overlays/prod' });
    expect(again.objects.map((o) => o.object.metadata.name)).toEqual(first.objects.map((o) => o.object.metadata.name));
    const changed = await new Renderer().render(snap.with({ 'base/config/app.properties': 'color=red\n' }), { path: 'overlays/prod' });
    const names = changed.objects.map((o) => o.object.metadata.name);
    expect(names).not.toContain(cmName);
    const newName = hashed('ConfigMap', 'prod-web-config-v1', { LOG_LEVEL: 'info', GREETING: 'hello world', 'app.properties': 'color=red\n', 'custom-key': 'other\n' });
    expect(names).toContain(newName);
    expect(find(changed.objects, 'Deployment', 'prod-web-v1').spec.template.spec.volumes[0].configMap.name).toBe(newName);
  });
});

describe('kustomize details', () => {
  const k = (text: string, extra: Record<string, string> = {}) => new MemorySnapshot({ 'app/kustomization.yaml': text, ...extra });
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: "1"\n';

  it('accepts Kustomization and kustomization.yml as file names', async () => {
    for (const name of ['Kustomization', 'kustomization.yml']) {
      const result = await new Renderer().render(new MemorySnapshot({ [`app/${name}`]: 'resources:\n- cm.yaml\n', 'app/cm.yaml': cm }), { path: 'app' });
      expect(result.errors).toEqual([]);
      expect(result.objects).toHaveLength(1);
    }
  });

  it('disableNameSuffixHash in generatorOptions, inline strategic-merge patches and $patch: delete', async () => {
    const result = await new Renderer().render(
      k(
        `resources:\n- cm.yaml\n- other.yaml\ngeneratorOptions:\n  disableNameSuffixHash: true\nconfigMapGenerator:\n- name: plain\n  literals: [a=b]\npatchesStrategicMerge:\n- |-\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n  data:\n    b: "2"\n- |-\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: gone\n  $patch: delete\n`,
        { 'app/cm.yaml': cm, 'app/other.yaml': cm.replace('name: c', 'name: gone') },
      ),
      { path: 'app' },
    );
    expect(result.errors).toEqual([]);
    expect(result.objects.map((o) => [o.object.metadata.name, (o.object as KubeObject & { data?: unknown }).data])).toEqual([
      ['c', { a: '1', b: '2' }],
      ['plain', { a: 'b' }],
    ]);
  });

  it('a directory resource without kustomization is read as a plain directory', async () => {
    const result = await new Renderer().render(k('resources:\n- manifests\n', { 'app/manifests/cm.yaml': cm }), { path: 'app' });
    expect(result.errors).toEqual([]);
    expect(result.objects.map((o) => o.source.file)).toEqual(['app/manifests/cm.yaml']);
  });
});

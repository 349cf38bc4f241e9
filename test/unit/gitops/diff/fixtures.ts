// Shared objects for the diff tests: desired manifests, and "live" versions made the way the
// API server makes them (schema defaults, server metadata, status, controller annotations).

import { validateObject, type KubeObject } from '../../../../src/api/validation.js';
import { applyStrategicMergePatch } from '../../../../src/api/patch/index.js';
import { prepareForApply, type ResourceDiff } from '../../../../src/gitops/diff/index.js';

export const APP = { namespace: 'gitplane', name: 'shop' };

export function deployment(name = 'web', over: { replicas?: number; image?: string; labels?: Record<string, string>; env?: Array<{ name: string; value: string }> } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', labels: over.labels ?? { app: name, tier: 'web' } },
    spec: {
      replicas: over.replicas ?? 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'app', image: over.image ?? 'nginx:1.25', ports: [{ containerPort: 80 }], env: over.env ?? [{ name: 'MODE', value: 'prod' }] }],
        },
      },
    },
  };
}

export function service(name = 'web'): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
}

export function configMap(name = 'settings', data: Record<string, string> = { mode: 'prod', level: 'info' }): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data };
}

let uid = 0;
/** What the server stores after creating (or patching to) `applied`. */
export function serverView(applied: KubeObject, extra: { status?: unknown } = {}): KubeObject {
  const result = validateObject(applied, { applyDefaults: true });
  if (!result.valid) throw new Error(JSON.stringify(result.errors));
  const obj = result.object;
  obj.metadata = {
    ...obj.metadata,
    uid: `uid-${++uid}`,
    resourceVersion: String(100 + uid),
    generation: 1,
    creationTimestamp: '2026-01-01T00:00:00Z',
    managedFields: [{ manager: 'gitplane', operation: 'Update' }] as never,
  };
  if (obj.kind === 'Service') (obj.spec as Record<string, unknown>).clusterIP = '10.96.0.12';
  if (obj.kind === 'Deployment') {
    obj.metadata.annotations = { ...obj.metadata.annotations, 'deployment.kubernetes.io/revision': '1' };
    obj.status = extra.status ?? { replicas: 3, readyReplicas: 3, observedGeneration: 1 };
  }
  return obj;
}

/** Live after gitplane applied `desired` (prepared for APP). */
export function applied(desired: KubeObject): { applied: KubeObject; live: KubeObject } {
  const a = prepareForApply(desired, APP);
  return { applied: a, live: serverView(a) };
}

/** Apply a diff's patch to live the way the server would. */
export function patchLive(live: KubeObject, diff: ResourceDiff): KubeObject {
  return applyStrategicMergePatch(live, diff.body as object, live.apiVersion, live.kind) as unknown as KubeObject;
}

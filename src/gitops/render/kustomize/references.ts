// The end of a kustomize build: generated ConfigMaps and Secrets get their content-hash
// suffix, then references to renamed ConfigMaps and Secrets in pod specs (volumes,
// projected sources, env valueFrom, envFrom, imagePullSecrets) follow the new names.

import { rename, type Resource } from '../resource.js';
import { containersOf, podSpecsOf } from './field-specs.js';
import { kustomizeHash } from './hash.js';

type Obj = Record<string, unknown>;
type RefKind = 'ConfigMap' | 'Secret';
type Visit = (holder: Obj, field: string, kind: RefKind) => void;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function each(list: unknown, fn: (o: Obj) => void): void {
  if (Array.isArray(list)) for (const item of list) if (isObj(item)) fn(item);
}

/** Calls `visit` for every ConfigMap/Secret name field of a pod spec. */
export function forEachReference(podSpec: Obj, visit: Visit): void {
  each(podSpec.volumes, (v) => {
    if (isObj(v.configMap)) visit(v.configMap, 'name', 'ConfigMap');
    if (isObj(v.secret)) visit(v.secret, 'secretName', 'Secret');
    if (isObj(v.projected)) {
      each(v.projected.sources, (s) => {
        if (isObj(s.configMap)) visit(s.configMap, 'name', 'ConfigMap');
        if (isObj(s.secret)) visit(s.secret, 'name', 'Secret');
      });
    }
  });
  for (const c of containersOf(podSpec)) {
    each(c.env, (e) => {
      if (!isObj(e.valueFrom)) return;
      if (isObj(e.valueFrom.configMapKeyRef)) visit(e.valueFrom.configMapKeyRef, 'name', 'ConfigMap');
      if (isObj(e.valueFrom.secretKeyRef)) visit(e.valueFrom.secretKeyRef, 'name', 'Secret');
    });
    each(c.envFrom, (e) => {
      if (isObj(e.configMapRef)) visit(e.configMapRef, 'name', 'ConfigMap');
      if (isObj(e.secretRef)) visit(e.secretRef, 'name', 'Secret');
    });
  }
  each(podSpec.imagePullSecrets, (s) => visit(s, 'name', 'Secret'));
}

export function addHashSuffixes(resources: Resource[]): void {
  for (const r of resources) {
    if (!r.hash) continue;
    rename(r, `${r.object.metadata.name}-${kustomizeHash(r.object)}`);
    r.hash = false;
  }
}

/** The resource a reference to `name` from `referrer` means, when it was renamed. */
function resolve(candidates: Resource[], referrer: Resource, name: string): Resource | undefined {
  const ns = referrer.object.metadata.namespace ?? '';
  const sameNs = candidates.filter((c) => (c.object.metadata.namespace ?? '') === ns);
  if (sameNs.some((c) => c.object.metadata.name === name)) return undefined; // already current
  const renamed = sameNs.filter((c) => c.names.includes(name));
  if (renamed.length <= 1) return renamed[0];
  // The same old name renamed differently in two bases: the referrer's own base wins.
  return renamed.find((c) => c.origin === referrer.origin) ?? renamed[0];
}

export function fixReferences(resources: Resource[]): void {
  const byKind: Record<RefKind, Resource[]> = {
    ConfigMap: resources.filter((r) => r.object.kind === 'ConfigMap' && r.object.apiVersion === 'v1'),
    Secret: resources.filter((r) => r.object.kind === 'Secret' && r.object.apiVersion === 'v1'),
  };
  if (!byKind.ConfigMap.some((r) => r.names.length > 0) && !byKind.Secret.some((r) => r.names.length > 0)) return;
  for (const r of resources) {
    for (const podSpec of podSpecsOf(r.object, r.object.kind)) {
      forEachReference(podSpec, (holder, field, kind) => {
        const name = holder[field];
        if (typeof name !== 'string') return;
        const target = resolve(byKind[kind], r, name);
        if (target === undefined) return;
        holder[field] = target.object.metadata.name;
        r.pristine = false;
      });
    }
  }
}

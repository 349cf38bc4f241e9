// Which resources a kustomize patch applies to: a `target:` selector (group, version,
// kind, name and namespace as anchored regular expressions, label and annotation
// selectors), or, without one, the kind and name (current or earlier) of the patch itself.

import { parseLabelSelector } from '../../../api/labels.js';
import { resourceIdOf } from '../../types.js';
import type { Resource } from '../resource.js';

type Obj = Record<string, unknown>;

/** Resources matching a `target:` selector. Throws an Error with a message for a bad selector. */
export function selectTargets(resources: Resource[], target: Obj): Resource[] {
  const regex = (field: string): RegExp | undefined => {
    const v = target[field];
    if (v === undefined || v === null || v === '') return undefined;
    try {
      return new RegExp(`^(?:${String(v)})$`);
    } catch {
      throw new Error(`target.${field}: invalid regular expression "${String(v)}"`);
    }
  };
  const group = regex('group');
  const version = regex('version');
  const kind = regex('kind');
  const name = regex('name');
  const namespace = regex('namespace');
  const labels = typeof target.labelSelector === 'string' ? parseLabelSelector(target.labelSelector) : undefined;
  const annotations = typeof target.annotationSelector === 'string' ? parseLabelSelector(target.annotationSelector) : undefined;
  return resources.filter((r) => {
    const id = resourceIdOf(r.object);
    const apiVersion = r.object.apiVersion;
    const v = apiVersion.slice(apiVersion.indexOf('/') + 1);
    if (group && !group.test(id.group)) return false;
    if (version && !version.test(v)) return false;
    if (kind && !kind.test(id.kind)) return false;
    if (name && ![id.name, ...r.names].some((n) => name.test(n))) return false;
    if (namespace && !namespace.test(id.namespace || 'default')) return false;
    if (labels && !labels.matches(r.object.metadata.labels ?? {})) return false;
    if (annotations && !annotations.matches(r.object.metadata.annotations ?? {})) return false;
    return true;
  });
}

/** Resources a strategic-merge patch without a target names by its own kind, name and namespace. */
export function selectByPatch(resources: Resource[], patch: Obj): Resource[] {
  const meta = (patch.metadata ?? {}) as Obj;
  const id = resourceIdOf(patch as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } });
  const hasGroup = typeof patch.apiVersion === 'string';
  return resources.filter((r) => {
    const rid = resourceIdOf(r.object);
    if (rid.kind !== id.kind) return false;
    if (hasGroup && rid.group !== id.group) return false;
    if (rid.name !== meta.name && !r.names.includes(String(meta.name))) return false;
    if (typeof meta.namespace === 'string' && meta.namespace !== '' && (rid.namespace || 'default') !== meta.namespace) return false;
    return true;
  });
}

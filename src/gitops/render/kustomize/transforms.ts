// kustomize's builtin transformers for one kustomization level, in kustomize's order:
// namespace, namePrefix/nameSuffix (not on Namespaces), commonLabels (selectors and pod
// templates too) and commonAnnotations (pod templates too).

import { servedKind } from '../json.js';
import { rename, type Resource } from '../resource.js';
import { ANNOTATION_SPECS, LABEL_SPECS, objectAt, type FieldSpec } from './field-specs.js';

type Obj = Record<string, unknown>;

export function setNamespace(resources: Resource[], namespace: string): void {
  for (const r of resources) {
    if (servedKind(r.object.apiVersion, r.object.kind)?.namespaced === false) continue;
    r.object.metadata.namespace = namespace;
    r.pristine = false;
  }
}

export function addNamePrefixSuffix(resources: Resource[], prefix: string, suffix: string): void {
  if (prefix === '' && suffix === '') return;
  for (const r of resources) {
    if (r.object.kind === 'Namespace') continue;
    rename(r, `${prefix}${r.object.metadata.name}${suffix}`);
  }
}

function stringMap(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
}

function addAll(root: Obj, specs: FieldSpec[], values: Record<string, string>): void {
  for (const spec of specs) {
    const target = objectAt(root, spec.path, spec.create);
    if (target !== undefined) Object.assign(target, values);
  }
}

export function addCommonLabels(resources: Resource[], labels: Record<string, unknown>): void {
  const values = stringMap(labels);
  if (Object.keys(values).length === 0) return;
  for (const r of resources) {
    addAll(r.object as Obj, [{ path: ['metadata', 'labels'], create: true }, ...(LABEL_SPECS[r.object.kind] ?? [])], values);
    r.pristine = false;
  }
}

export function addCommonAnnotations(resources: Resource[], annotations: Record<string, unknown>): void {
  const values = stringMap(annotations);
  if (Object.keys(values).length === 0) return;
  for (const r of resources) {
    addAll(r.object as Obj, [{ path: ['metadata', 'annotations'], create: true }, ...(ANNOTATION_SPECS[r.object.kind] ?? [])], values);
    r.pristine = false;
  }
}

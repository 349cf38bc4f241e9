// Objects as kubectl prints them with -o yaml|json|name: one object alone, or
// several wrapped in a `v1 List`; managedFields left out unless asked for;
// `kind.group/name` for -o name.

import type { KubeObject } from '../../client/index.js';
import { formatStructured } from '../output.js';
import { qualifiedKind } from './resources.js';

/** A copy without metadata.managedFields (kubectl hides them unless --show-managed-fields). */
export function withoutManagedFields<T extends { metadata?: object }>(obj: T): T {
  const meta = obj.metadata as { managedFields?: unknown } | undefined;
  if (!meta || meta.managedFields === undefined) return obj;
  const { managedFields: _dropped, ...rest } = meta;
  return { ...obj, metadata: rest };
}

/** kubectl's List: `{apiVersion: v1, kind: List, items, metadata: {resourceVersion: ""}}`. */
export function asList(items: unknown[]): Record<string, unknown> {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

/** A copy with object keys sorted at every level, as kubectl prints -o yaml|json (Go maps marshal sorted). */
export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => sortKeys(v)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
  return out as T;
}

/** yaml or json of the objects as kubectl prints them: the object itself when `single`, else a List; keys sorted. */
export function formatObjects(objects: KubeObject[], format: 'yaml' | 'json', opts: { single?: boolean; showManagedFields?: boolean } = {}): string {
  const shown = opts.showManagedFields ? objects : objects.map((o) => withoutManagedFields(o));
  return formatStructured(sortKeys(opts.single && shown.length === 1 ? shown[0] : asList(shown)), format);
}

/** One object as yaml or json (keys sorted, managedFields left out unless asked for). */
export function formatObject(obj: KubeObject, format: 'yaml' | 'json', showManagedFields = false): string {
  return formatStructured(sortKeys(showManagedFields ? obj : withoutManagedFields(obj)), format);
}

/** "deployment.apps/web" for an object whose kind (and group) we know. */
export function objectName(obj: { apiVersion?: string; kind?: string; metadata?: { name?: string } }): string {
  const apiVersion = obj.apiVersion ?? '';
  const slash = apiVersion.indexOf('/');
  return `${qualifiedKind({ kind: obj.kind ?? '', group: slash < 0 ? '' : apiVersion.slice(0, slash) })}/${obj.metadata?.name ?? ''}`;
}

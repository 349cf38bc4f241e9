// What is compared and shown of an object: no status, none of the metadata the server
// owns (uid, resourceVersion, managedFields, ...), none of the bookkeeping annotations,
// and no empty maps, empty lists or nulls (Kubernetes' omitempty makes them equal to absent).
// ownerReferences and finalizers are kept: they change what the object does.

import { isJsonObject, type JsonObject, type JsonValue } from '../../api/patch/index.js';
import { setKey } from '../../api/patch/json.js';
import { ANNOTATIONS } from '../types.js';

/** metadata fields the server sets; never part of a comparison. */
export const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];
const DROPPED_METADATA = new Set(SERVER_METADATA);
const DROPPED_ANNOTATIONS = new Set([ANNOTATIONS.lastApplied, 'kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision']);

/** A compacted copy of `obj` for comparison and display; `obj` is not modified. */
export function normalize(obj: object): Record<string, unknown> {
  const out: JsonObject = {};
  if (!isJsonObject(obj)) return out;
  for (const key in obj) {
    if (key === 'status') continue;
    const value = key === 'metadata' && isJsonObject(obj[key]) ? normalizeMetadata(obj[key] as JsonObject) : compact(obj[key]);
    if (value !== undefined) setKey(out, key, value);
  }
  return out;
}

function normalizeMetadata(meta: JsonObject): JsonValue | undefined {
  const out: JsonObject = {};
  for (const key in meta) {
    if (DROPPED_METADATA.has(key)) continue;
    let value: JsonValue | undefined;
    if (key === 'annotations' && isJsonObject(meta[key])) {
      const annotations: JsonObject = {};
      const src = meta[key] as JsonObject;
      for (const a in src) if (!DROPPED_ANNOTATIONS.has(a) && src[a] !== null && src[a] !== undefined) setKey(annotations, a, src[a]);
      value = compact(annotations);
    } else {
      value = compact(meta[key]);
    }
    if (value !== undefined) setKey(out, key, value);
  }
  return compact(out);
}

/** A copy without nulls, empty maps and empty lists (undefined when nothing is left). */
export function compact(value: unknown): JsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    // Elements keep their places: an emptied element becomes {} rather than vanishing.
    return value.map((v) => compact(v) ?? (isJsonObject(v) ? {} : null));
  }
  if (isJsonObject(value)) {
    let out: JsonObject | undefined;
    for (const key in value) {
      const v = compact(value[key]);
      if (v === undefined) continue;
      out ??= {};
      setKey(out, key, v);
    }
    return out;
  }
  return value as JsonValue;
}

/**
 * The two-way strategic merge patch between two versions of an object, as
 * strategicpatch.CreateTwoWayMergePatch builds it (with `$setElementOrder`): applying the
 * result to `original` with applyStrategicMergePatch yields `modified`.
 *
 * - added or changed fields are sent, removed fields are sent as `null`;
 * - merging lists of objects send only the changed elements (by merge key), deletions as
 *   `{<key>: v, $patch: delete}`, and `$setElementOrder/<list>` with every merge key of the
 *   new list whenever the list changed;
 * - merging lists of scalars send additions, `$deleteFromPrimitiveList/<list>` for removals,
 *   and `$setElementOrder/<list>`;
 * - fields tagged retainKeys send `$retainKeys`;
 * - other lists are sent whole when they differ.
 *
 * Unlike Kubernetes, an unchanged field with the replace strategy is left out of the patch.
 */
import { createMergePatch } from './merge-patch.js';
import { deepClone, deepEqual, hasKey, isJsonObject, setKey, type JsonObject, type JsonValue } from './json.js';
import { patchMetaFor, type FieldPatchMeta, type PatchMeta } from './patch-meta.js';
import { DELETE_FROM_PRIMITIVE_LIST_PREFIX, DIRECTIVE_MARKER, RETAIN_KEYS_DIRECTIVE, SET_ELEMENT_ORDER_PREFIX } from './strategic-merge.js';

/**
 * The strategic merge patch turning `original` into `modified`, both objects of
 * `apiVersion`/`kind`; an empty object when they are equal. Kinds without strategic merge
 * metadata get a JSON merge patch (createMergePatch).
 */
export function diffStrategicMerge(original: object, modified: object, apiVersion: string, kind: string): JsonObject {
  const meta = patchMetaFor(apiVersion, kind);
  const o = (isJsonObject(original) ? original : {}) as JsonObject;
  const m = (isJsonObject(modified) ? modified : {}) as JsonObject;
  return meta ? diffMaps(o, m, meta, false) : createMergePatch(o, m);
}

/** diffStrategicMerge with explicit patch metadata for the root object. */
export function diffStrategicMergeWithMeta(original: object, modified: object, meta: PatchMeta | undefined): JsonObject {
  return diffMaps((isJsonObject(original) ? original : {}) as JsonObject, (isJsonObject(modified) ? modified : {}) as JsonObject, meta, false);
}

function fieldMeta(meta: PatchMeta | undefined, key: string): FieldPatchMeta | undefined {
  const fields = meta?.fields;
  return fields && hasKey(fields, key) ? fields[key] : undefined;
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function diffMaps(original: JsonObject, modified: JsonObject, meta: PatchMeta | undefined, retainKeys: boolean): JsonObject {
  const patch: JsonObject = {};
  const retained: string[] = [];
  for (const [key, modValue] of Object.entries(modified)) {
    if (modValue === undefined) continue;
    if (retainKeys && modValue !== null) retained.push(key);
    if (!hasKey(original, key) || original[key] === undefined) {
      setKey(patch, key, deepClone(modValue));
      continue;
    }
    const origValue = original[key];
    if (key === DIRECTIVE_MARKER) {
      if (origValue !== modValue) setKey(patch, key, modValue);
      continue;
    }
    if (kindOf(origValue) !== kindOf(modValue)) {
      setKey(patch, key, deepClone(modValue));
      continue;
    }
    const field = fieldMeta(meta, key);
    if (isJsonObject(origValue) && isJsonObject(modValue)) {
      if (field?.strategy === 'replace') {
        if (!deepEqual(origValue, modValue)) setKey(patch, key, deepClone(modValue));
      } else {
        const nested = diffMaps(origValue, modValue, field?.meta, field?.retainKeys ?? false);
        if (Object.keys(nested).length > 0) setKey(patch, key, nested);
      }
    } else if (Array.isArray(origValue) && Array.isArray(modValue)) {
      if (field?.strategy === 'merge') diffMergingList(key, origValue, modValue, field, patch);
      else if (!deepEqual(origValue, modValue)) setKey(patch, key, deepClone(modValue));
    } else if (origValue !== modValue) {
      setKey(patch, key, modValue);
    }
  }
  for (const key of Object.keys(original)) {
    if (original[key] !== undefined && (!hasKey(modified, key) || modified[key] === undefined)) setKey(patch, key, null);
  }
  const clearsSomething = Object.keys(original).some((k) => original[k] !== null && original[k] !== undefined && !hasKey(modified, k));
  if (retained.length > 0 && (Object.keys(patch).length > 0 || clearsSomething)) {
    setKey(patch, RETAIN_KEYS_DIRECTIVE, [...retained].sort());
  }
  return patch;
}

function diffMergingList(key: string, original: JsonValue[], modified: JsonValue[], field: FieldPatchMeta, patch: JsonObject): void {
  if (original.length === 0) {
    if (modified.length > 0) setKey(patch, key, deepClone(modified));
    return;
  }
  const maps = [...original, ...modified].some(isJsonObject);
  const mergeKey = field.mergeKey;
  if (maps && mergeKey) {
    const keyOf = (v: JsonValue): JsonValue | undefined => (isJsonObject(v) && hasKey(v, mergeKey) ? v[mergeKey] : undefined);
    const changes: JsonValue[] = [];
    for (const mod of modified) {
      const k = keyOf(mod);
      const orig = original.find((o) => keyOf(o) === k);
      if (orig === undefined || !isJsonObject(orig) || !isJsonObject(mod)) {
        changes.push(deepClone(mod));
        continue;
      }
      const nested = diffMaps(orig, mod, field.meta, field.retainKeys ?? false);
      if (Object.keys(nested).length > 0) {
        setKey(nested, mergeKey, k as JsonValue);
        changes.push(nested);
      }
    }
    const deletions = [...new Set(original.map(keyOf).filter((k) => !modified.some((m) => keyOf(m) === k)))]
      .sort((a, b) => compareAsStrings(a, b))
      .map((k) => ({ [mergeKey]: k as JsonValue, [DIRECTIVE_MARKER]: 'delete' }) as JsonObject);
    const orderSame = original.length === modified.length && original.every((o, i) => keyOf(o) === keyOf(modified[i]));
    const list = [...changes, ...deletions];
    if (list.length > 0) setKey(patch, key, list);
    if (list.length > 0 || !orderSame) {
      setKey(patch, `${SET_ELEMENT_ORDER_PREFIX}${key}`, modified.map((m) => ({ [mergeKey]: keyOf(m) as JsonValue }) as JsonObject));
    }
    return;
  }
  // Lists of scalars merge as sets.
  const additions = modified.filter((v, i) => !original.includes(v) && modified.indexOf(v) === i);
  const deletions = [...new Set(original.filter((v) => !modified.includes(v)))].sort(compareAsStrings);
  if (additions.length > 0) setKey(patch, key, deepClone(additions));
  if (deletions.length > 0) setKey(patch, `${DELETE_FROM_PRIMITIVE_LIST_PREFIX}${key}`, deletions);
  if (deletions.length > 0 || !deepEqual(original, modified)) setKey(patch, `${SET_ELEMENT_ORDER_PREFIX}${key}`, deepClone(modified));
}

function compareAsStrings(a: unknown, b: unknown): number {
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

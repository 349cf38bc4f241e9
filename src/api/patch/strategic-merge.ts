/**
 * Kubernetes strategic merge patch (application/strategic-merge-patch+json), applied the way
 * k8s.io/apimachinery/pkg/util/strategicpatch does on the server:
 *
 * - objects merge key by key; `null` deletes a key;
 * - lists tagged `patchStrategy: merge` merge: lists of objects by their merge key (an element
 *   whose key matches is merged, a new one is added), lists of scalars as sets; every other
 *   list is replaced;
 * - `$patch: replace` replaces an object (or, as a list element, the whole list);
 *   `$patch: delete` empties an object (or, as a list element, removes the elements with its
 *   merge key); `$patch: merge` is the default and changes nothing;
 * - `$retainKeys: [...]` clears every key of the object not in the list;
 * - `$setElementOrder/<list>: [...]` orders the merged list (items the patch does not mention
 *   keep their relative place among them);
 * - `$deleteFromPrimitiveList/<list>: [...]` removes those values from a list of scalars.
 *
 * Without `$setElementOrder`, merged elements follow the patch's order and elements the patch
 * adds come before the live elements that follow them, exactly as Kubernetes orders them.
 * Kinds without patch metadata (custom resources) fall back to JSON merge patch.
 */
import { badRequest, type StatusError } from '../status.js';
import { deepClone, hasKey, isJsonObject, jsonType, preview, setKey, type JsonObject, type JsonValue } from './json.js';
import { applyMergePatch } from './merge-patch.js';
import { patchMetaFor, type FieldPatchMeta, type PatchMeta } from './patch-meta.js';

export const DIRECTIVE_MARKER = '$patch';
export const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
export const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder/';
export const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList/';

/** The errors of k8s.io/apimachinery/pkg/util/mergepatch, as 400s. */
export const patchErrors = {
  badJsonDoc: (): StatusError => badRequest('invalid JSON document'),
  noListOfLists: (): StatusError => badRequest('lists of lists are not supported'),
  badPrimitiveList: (): StatusError => badRequest('invalid patch format of primitive list'),
  badRetainKeys: (): StatusError => badRequest('invalid patch format of retainKeys'),
  badSetElementOrder: (): StatusError => badRequest('invalid patch format of setElementOrder list'),
  noMergeKey: (m: unknown, key: string): StatusError => badRequest(`map: ${preview(m)} does not contain declared merge key: ${key}`),
  badArgType: (expected: string, got: unknown): StatusError => badRequest(`expected a ${expected}, but received a ${jsonType(got)}`),
  badPatchType: (directive: unknown, m: unknown): StatusError => badRequest(`unknown patch type: ${preview(directive)} in map: ${preview(m)}`),
};

/**
 * Applies a strategic merge patch to an object of `apiVersion`/`kind` and returns the result.
 * Neither argument is modified. Kinds without strategic merge metadata get JSON merge patch
 * semantics, as custom resources do in Kubernetes. Throws a 400 StatusError for malformed
 * patches.
 */
export function applyStrategicMergePatch(target: object, patch: object, apiVersion: string, kind: string): JsonObject {
  if (!isJsonObject(patch)) throw patchErrors.badJsonDoc();
  const meta = patchMetaFor(apiVersion, kind);
  if (!meta) {
    const merged = applyMergePatch(target, patch);
    return isJsonObject(merged) ? merged : {};
  }
  return applyStrategicMergePatchWithMeta(target, patch, meta);
}

/** Applies a strategic merge patch using explicit patch metadata for the root object. */
export function applyStrategicMergePatchWithMeta(target: object, patch: object, meta: PatchMeta | undefined): JsonObject {
  if (!isJsonObject(patch)) throw patchErrors.badJsonDoc();
  const original: JsonObject = isJsonObject(target) ? deepClone(target) : {};
  return mergeMap(original, patch, meta);
}

function fieldMeta(meta: PatchMeta | undefined, key: string): FieldPatchMeta | undefined {
  const fields = meta?.fields;
  return fields && hasKey(fields, key) ? fields[key] : undefined;
}

/** Merges `patch` (read only) into `original` (owned, modified in place) and returns the result. */
function mergeMap(original: JsonObject, patch: JsonObject, meta: PatchMeta | undefined): JsonObject {
  if (hasKey(patch, DIRECTIVE_MARKER)) {
    const directive = patch[DIRECTIVE_MARKER];
    if (directive === 'delete') return {};
    if (directive === 'replace') {
      const rest: JsonObject = {};
      for (const [k, v] of Object.entries(patch)) if (k !== DIRECTIVE_MARKER) setKey(rest, k, v);
      return mergeMap({}, rest, meta);
    }
    if (directive !== 'merge') throw patchErrors.badPatchType(directive, patch);
  }

  applyRetainKeys(original, patch);
  const ordered = applySetElementOrder(original, patch, meta);

  for (const [key, patchValue] of Object.entries(patch)) {
    if (patchValue === undefined || key === DIRECTIVE_MARKER || key === RETAIN_KEYS_DIRECTIVE || ordered.has(key)) continue;
    if (key.startsWith('$setElementOrder')) continue; // handled above (or rejected there)
    if (key.startsWith('$deleteFromPrimitiveList')) {
      deleteFromPrimitiveList(original, key, patchValue);
      continue;
    }
    if (patchValue === null) {
      delete original[key];
      continue;
    }
    const field = fieldMeta(meta, key);
    const current = hasKey(original, key) ? original[key] : undefined;
    setKey(original, key, mergeValue(current, patchValue, field));
  }
  return original;
}

/** The merged value of one field; `current` is owned, `patchValue` read only. */
function mergeValue(current: JsonValue | undefined, patchValue: JsonValue, field: FieldPatchMeta | undefined): JsonValue {
  if (isJsonObject(patchValue)) {
    if (field?.strategy === 'replace') return mergeMap({}, patchValue, field.meta);
    return mergeMap(isJsonObject(current) ? current : {}, patchValue, field?.meta);
  }
  if (Array.isArray(patchValue)) {
    if (field?.strategy === 'merge') return mergeList(Array.isArray(current) ? current : [], patchValue, field);
    return deepClone(patchValue);
  }
  return patchValue;
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!hasKey(patch, RETAIN_KEYS_DIRECTIVE)) return;
  const list = patch[RETAIN_KEYS_DIRECTIVE];
  if (!Array.isArray(list)) throw patchErrors.badRetainKeys();
  const retained = new Set(list.filter((k): k is string => typeof k === 'string'));
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || k === DIRECTIVE_MARKER || k === RETAIN_KEYS_DIRECTIVE) continue;
    if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || k.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    if (!retained.has(k)) throw patchErrors.badRetainKeys();
  }
  for (const k of Object.keys(original)) if (!retained.has(k)) delete original[k];
}

function deleteFromPrimitiveList(original: JsonObject, key: string, patchValue: JsonValue): void {
  if (!key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || key.length === DELETE_FROM_PRIMITIVE_LIST_PREFIX.length) {
    throw patchErrors.badPrimitiveList();
  }
  if (!Array.isArray(patchValue)) throw patchErrors.badPrimitiveList();
  const field = key.slice(DELETE_FROM_PRIMITIVE_LIST_PREFIX.length);
  const current = hasKey(original, field) ? original[field] : undefined;
  if (!Array.isArray(current)) return; // nothing to delete from; never adds the list
  const doomed = new Set(patchValue);
  setKey(original, field, current.filter((v) => !doomed.has(v)));
}

/**
 * Handles every `$setElementOrder/<list>` of `patch`: merges the list and orders it.
 * Returns the list fields it has fully handled.
 */
function applySetElementOrder(original: JsonObject, patch: JsonObject, meta: PatchMeta | undefined): Set<string> {
  const handled = new Set<string>();
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith('$setElementOrder')) continue;
    if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX) || key.length === SET_ELEMENT_ORDER_PREFIX.length) throw patchErrors.badSetElementOrder();
    if (!Array.isArray(order)) throw patchErrors.badSetElementOrder();
    const name = key.slice(SET_ELEMENT_ORDER_PREFIX.length);
    const field = fieldMeta(meta, name);
    // Ordering applies to merging lists; a replaced list takes the patch's order anyway.
    if (field?.strategy !== 'merge') continue;
    const mergeKey = field.mergeKey ?? '';

    const foundOriginal = hasKey(original, name) && original[name] !== null;
    const foundPatch = hasKey(patch, name) && patch[name] !== null && patch[name] !== undefined;
    if (!foundOriginal && !foundPatch) continue;
    const originalList = foundOriginal ? original[name] : [];
    const patchList = foundPatch ? patch[name] : [];
    if (!Array.isArray(originalList)) throw patchErrors.badArgType('list', originalList);
    if (!Array.isArray(patchList)) throw patchErrors.badArgType('list', patchList);

    validatePatchWithSetOrder(patchList, order, mergeKey);
    const serverOrder = originalList.slice();
    const merged = foundPatch ? mergeList(originalList, patchList, field) : originalList;

    if (mergeKey) for (const item of [...merged, ...order]) requireMergeKey(item, mergeKey);
    const keyOf = keyFunction(mergeKey);
    const orderKeys = new Set(order.map(keyOf));
    const inOrder = (item: JsonValue): boolean => orderKeys.has(keyOf(item));
    const patchItems = merged.filter(inOrder);
    const serverOnly = merged.filter((item) => !inOrder(item));
    setKey(original, name, normalizeElementOrder(patchItems, serverOnly, order, serverOrder, keyOf));
    handled.add(name);
  }
  return handled;
}

/** The patch list, minus `$patch: delete` items, must follow the `$setElementOrder` list's order. */
function validatePatchWithSetOrder(patchList: JsonValue[], order: JsonValue[], mergeKey: string): void {
  if (patchList.length === 0 || order.length === 0) return;
  const items = mergeKey ? patchList.filter((v) => !(isJsonObject(v) && v[DIRECTIVE_MARKER] === 'delete')) : patchList;
  const keyOf = keyFunction(mergeKey);
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    const item = items[p];
    if (isJsonObject(item) && hasKey(item, DIRECTIVE_MARKER)) {
      p++;
      continue;
    }
    if (mergeKey) {
      requireMergeKey(item, mergeKey);
      requireMergeKey(order[o], mergeKey);
    }
    if (keyOf(item) === keyOf(order[o])) p++;
    o++;
  }
  if (p < items.length) {
    throw badRequest(`The order in patch list:\n${preview(patchList, 500)}\n doesn't match $setElementOrder list:\n${preview(order, 500)}`);
  }
}

function requireMergeKey(item: JsonValue, mergeKey: string): JsonObject {
  if (!isJsonObject(item)) throw patchErrors.badArgType('map', item);
  if (!hasKey(item, mergeKey)) throw patchErrors.noMergeKey(item, mergeKey);
  return item;
}

/** Identity of a list element: its merge key's value for objects, the value itself for scalars. */
function keyFunction(mergeKey: string): (item: JsonValue) => JsonValue | undefined {
  if (!mergeKey) return (item) => item;
  return (item) => (isJsonObject(item) && hasKey(item, mergeKey) ? item[mergeKey] : undefined);
}

/** Merges a list tagged `patchStrategy: merge`; `original` is owned, `patch` read only. */
function mergeList(original: JsonValue[], patch: JsonValue[], field: FieldPatchMeta): JsonValue[] {
  if (original.length === 0 && patch.length === 0) return original;
  const hasMaps = checkElementTypes(original, patch);
  const mergeKey = field.mergeKey ?? '';

  if (!hasMaps) {
    const merged: JsonValue[] = [];
    for (const v of [...original, ...patch]) if (!merged.includes(v)) merged.push(deepClone(v));
    const inPatch = (v: JsonValue): boolean => patch.includes(v);
    const keyOf = keyFunction('');
    return normalizeElementOrder(merged.filter(inPatch), merged.filter((v) => !inPatch(v)), patch, original, keyOf);
  }
  if (!mergeKey) throw badRequest('cannot merge lists of objects without a merge key');

  // Special elements first: deletions by merge key, and a `$patch: replace` for the whole list.
  let current = original;
  const items: JsonObject[] = [];
  let replace = false;
  for (const value of patch) {
    if (!isJsonObject(value)) throw patchErrors.badArgType('map', value);
    if (!hasKey(value, DIRECTIVE_MARKER)) {
      items.push(value);
      continue;
    }
    const directive = value[DIRECTIVE_MARKER];
    if (directive === 'delete') {
      if (!hasKey(value, mergeKey)) throw patchErrors.noMergeKey(value, mergeKey);
      const doomed = value[mergeKey];
      current = current.filter((item) => !(isJsonObject(item) && hasKey(item, mergeKey) && item[mergeKey] === doomed));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      const rest: JsonObject = {};
      for (const [k, v] of Object.entries(value)) if (k !== DIRECTIVE_MARKER) setKey(rest, k, v);
      items.push(rest);
    } else {
      throw patchErrors.badPatchType(directive, value);
    }
  }
  if (replace) return items.map((item) => mergeMap({}, item, field.meta));

  const serverOrder = current.slice();
  const merged = current.slice();
  // The first element holding each merge key value, as findMapInSliceBasedOnKeyValue finds it.
  const firstIndex = new Map<JsonValue, number>();
  merged.forEach((m, i) => {
    if (!isJsonObject(m)) throw patchErrors.badArgType('map', m);
    if (hasKey(m, mergeKey) && !firstIndex.has(m[mergeKey])) firstIndex.set(m[mergeKey], i);
  });
  for (const item of items) {
    if (!hasKey(item, mergeKey)) throw patchErrors.noMergeKey(item, mergeKey);
    const key = item[mergeKey];
    const index = firstIndex.get(key);
    if (index !== undefined) {
      merged[index] = mergeMap(merged[index] as JsonObject, item, field.meta);
    } else {
      firstIndex.set(key, merged.length);
      merged.push(mergeMap({}, item, field.meta));
    }
  }

  const keyOf = keyFunction(mergeKey);
  const patchKeys = new Set(items.map((i) => i[mergeKey]));
  const inPatch = (v: JsonValue): boolean => {
    requireMergeKey(v, mergeKey);
    return patchKeys.has(keyOf(v) as JsonValue);
  };
  return normalizeElementOrder(merged.filter(inPatch), merged.filter((v) => !inPatch(v)), items, serverOrder, keyOf);
}

/** Whether the elements are objects; throws for lists of lists and for objects mixed with scalars. */
function checkElementTypes(...lists: JsonValue[][]): boolean {
  let maps: boolean | undefined;
  for (const list of lists) {
    for (const v of list) {
      if (Array.isArray(v)) throw patchErrors.noListOfLists();
      const isMap = isJsonObject(v);
      if (maps === undefined) maps = isMap;
      else if (maps !== isMap) throw badRequest(`list element types are not identical: ${preview(lists, 300)}`);
    }
  }
  return maps ?? false;
}

/**
 * Orders a merged list: the patch's items by `patchOrder`, the live-only items by
 * `serverOrder`, then interleaves the two so each keeps its relative order. A live item goes
 * before a patch item only when both are in the live list and it came first there.
 */
function normalizeElementOrder(
  patchItems: JsonValue[],
  serverOnly: JsonValue[],
  patchOrder: JsonValue[],
  serverOrder: JsonValue[],
  keyOf: (item: JsonValue) => JsonValue | undefined,
): JsonValue[] {
  // Merge key values (and scalar items) are primitives, so a Map finds first positions by ===.
  const positions = (list: JsonValue[]): Map<JsonValue | undefined, number> => {
    const m = new Map<JsonValue | undefined, number>();
    list.forEach((o, i) => {
      const k = keyOf(o);
      if (!m.has(k)) m.set(k, i);
    });
    return m;
  };
  const serverPositions = positions(serverOrder);
  const indexIn = (list: JsonValue[], item: JsonValue, known?: Map<JsonValue | undefined, number>): number =>
    (known ?? positions(list)).get(keyOf(item)) ?? -1;
  const sortBy = (items: JsonValue[], order: JsonValue[]): JsonValue[] => {
    const orderPositions = order === serverOrder ? serverPositions : positions(order);
    const ranked = items.map((item, i) => ({ item, i, rank: indexIn(order, item, orderPositions) }));
    ranked.sort((a, b) => {
      if (a.rank >= 0 && b.rank >= 0 && a.rank !== b.rank) return a.rank - b.rank;
      if (a.rank >= 0 !== b.rank >= 0) return a.rank >= 0 ? -1 : 1;
      return a.i - b.i;
    });
    return ranked.map((r) => r.item);
  };
  const left = sortBy(serverOnly, serverOrder);
  const right = sortBy(patchItems, patchOrder);

  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], serverPositions);
      const ri = indexIn(serverOrder, right[j], serverPositions);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

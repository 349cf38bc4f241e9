// The three-way patch kubectl apply sends (strategicpatch.CreateThreeWayMergePatch): the
// deletions of a two-way diff lastApplied → desired (what the user removed from Git) merged
// with the changes of a two-way diff live → desired that ignores deletions (so fields the
// server or controllers added are not drift). With patch metadata the result is a strategic
// merge patch; without (meta undefined) it is a valid JSON merge patch. Unlike kubectl,
// $retainKeys is sent only with a change, and a merging list Git drops loses only its elements.

import { isJsonObject, type FieldPatchMeta, type JsonObject, type JsonValue, type PatchMeta } from '../../api/patch/index.js';
import { deepEqual, hasKey, setKey } from '../../api/patch/json.js';
import { DELETE_FROM_PRIMITIVE_LIST_PREFIX, DIRECTIVE_MARKER, RETAIN_KEYS_DIRECTIVE, SET_ELEMENT_ORDER_PREFIX } from '../../api/patch/strategic-merge.js';

/**
 * The patch turning `live` into what applying `desired` should give. `lastApplied` undefined
 * means no deletions. The patch shares (read-only) structure with `desired`.
 */
export function threeWayPatch(lastApplied: JsonObject | undefined, desired: JsonObject, live: JsonObject, meta: PatchMeta | undefined): JsonObject {
  const delta = additions(live, desired, meta, false);
  if (lastApplied === undefined) return delta;
  const deletions = removals(lastApplied, desired, meta, false);
  if (isEmpty(deletions)) return delta;
  return mergePatches(deletions, delta, meta);
}

export function isEmpty(o: JsonObject): boolean {
  for (const _ in o) return false;
  return true;
}

function fieldMeta(meta: PatchMeta | undefined, key: string): FieldPatchMeta | undefined {
  const fields = meta?.fields;
  return fields && hasKey(fields, key) ? fields[key] : undefined;
}

const absent = (v: JsonValue | undefined): boolean => v === undefined || v === null;

function retainedKeys(desired: JsonObject): JsonValue[] {
  return Object.keys(desired).filter((k) => !absent(desired[k])).sort();
}

/** Changes and additions live → desired; nothing for fields only live has. */
function additions(live: JsonObject, desired: JsonObject, meta: PatchMeta | undefined, retainKeys: boolean): JsonObject {
  const patch: JsonObject = {};
  for (const key in desired) {
    const want = desired[key];
    if (absent(want)) continue;
    const have = hasKey(live, key) ? live[key] : undefined;
    if (absent(have)) {
      setKey(patch, key, want);
      continue;
    }
    const field = fieldMeta(meta, key);
    if (isJsonObject(want) && isJsonObject(have)) {
      if (field?.strategy === 'replace') {
        if (!deepEqual(have, want)) setKey(patch, key, want);
        continue;
      }
      const nested = additions(have, want, field?.meta, field?.retainKeys ?? false);
      if (!isEmpty(nested)) setKey(patch, key, nested);
    } else if (Array.isArray(want) && Array.isArray(have)) {
      if (field?.strategy === 'merge') listAdditions(key, have, want, field, patch);
      else if (!deepEqual(have, want)) setKey(patch, key, want);
    } else if (have !== want && !deepEqual(have, want)) {
      setKey(patch, key, want);
    }
  }
  if (retainKeys && !isEmpty(patch)) setKey(patch, RETAIN_KEYS_DIRECTIVE, retainedKeys(desired));
  return patch;
}

function keyFn(mergeKey: string): (v: JsonValue) => JsonValue | undefined {
  return (v) => (isJsonObject(v) && hasKey(v, mergeKey) ? v[mergeKey] : undefined);
}

function listAdditions(key: string, have: JsonValue[], want: JsonValue[], field: FieldPatchMeta, patch: JsonObject): void {
  const mergeKey = field.mergeKey;
  if (mergeKey && (want.some(isJsonObject) || have.some(isJsonObject))) {
    const keyOf = keyFn(mergeKey);
    const byKey = new Map<JsonValue | undefined, JsonObject>();
    for (const h of have) if (isJsonObject(h) && !byKey.has(keyOf(h))) byKey.set(keyOf(h), h);
    const changes: JsonValue[] = [];
    const wantKeys = new Set<JsonValue | undefined>();
    for (const w of want) {
      const k = keyOf(w);
      wantKeys.add(k);
      const h = k === undefined ? undefined : byKey.get(k);
      if (!h || !isJsonObject(w)) {
        changes.push(w);
        continue;
      }
      const nested = additions(h, w, field.meta, field.retainKeys ?? false);
      if (!isEmpty(nested)) {
        setKey(nested, mergeKey, k as JsonValue);
        changes.push(nested);
      }
    }
    const liveOrder = have.map(keyOf).filter((k) => wantKeys.has(k));
    const orderSame = liveOrder.length === want.length && liveOrder.every((k, i) => k === keyOf(want[i]));
    if (changes.length > 0) setKey(patch, key, changes);
    if (changes.length > 0 || !orderSame) {
      setKey(patch, `${SET_ELEMENT_ORDER_PREFIX}${key}`, want.map((w) => ({ [mergeKey]: keyOf(w) ?? null }) as JsonObject));
    }
    return;
  }
  // Lists of scalars merge as sets: send what live lacks.
  const present = new Set(have);
  const added = want.filter((v, i) => !present.has(v) && want.indexOf(v) === i);
  if (added.length > 0) {
    setKey(patch, key, added);
    setKey(patch, `${SET_ELEMENT_ORDER_PREFIX}${key}`, want);
  }
}

/** Only the deletions lastApplied → desired: fields (and merge-list elements) Git no longer has. */
function removals(last: JsonObject, desired: JsonObject, meta: PatchMeta | undefined, retainKeys: boolean): JsonObject {
  const patch: JsonObject = {};
  for (const key in last) {
    const was = last[key];
    if (absent(was)) continue;
    const now = hasKey(desired, key) ? desired[key] : undefined;
    const field = fieldMeta(meta, key);
    if (absent(now)) {
      // A merging list Git dropped entirely loses only the elements Git had put there
      // (kubectl would send null and take others' elements with it).
      if (Array.isArray(was) && field?.strategy === 'merge') listRemovals(key, was, [], field, patch);
      else setKey(patch, key, null);
      continue;
    }
    if (isJsonObject(was) && isJsonObject(now)) {
      if (field?.strategy === 'replace') continue;
      const nested = removals(was, now, field?.meta, field?.retainKeys ?? false);
      if (!isEmpty(nested)) setKey(patch, key, nested);
    } else if (Array.isArray(was) && Array.isArray(now) && field?.strategy === 'merge') {
      listRemovals(key, was, now, field, patch);
    }
  }
  if (retainKeys && !isEmpty(patch)) setKey(patch, RETAIN_KEYS_DIRECTIVE, retainedKeys(desired));
  return patch;
}

function listRemovals(key: string, was: JsonValue[], now: JsonValue[], field: FieldPatchMeta, patch: JsonObject): void {
  const mergeKey = field.mergeKey;
  if (mergeKey && (was.some(isJsonObject) || now.some(isJsonObject))) {
    const keyOf = keyFn(mergeKey);
    const byKey = new Map<JsonValue | undefined, JsonObject>();
    for (const n of now) if (isJsonObject(n)) byKey.set(keyOf(n), n);
    const out: JsonValue[] = [];
    const seen = new Set<JsonValue | undefined>();
    for (const w of was) {
      const k = keyOf(w);
      if (k === undefined || seen.has(k) || !isJsonObject(w)) continue;
      seen.add(k);
      const n = byKey.get(k);
      if (!n) {
        out.push({ [mergeKey]: k, [DIRECTIVE_MARKER]: 'delete' } as JsonObject);
        continue;
      }
      const nested = removals(w, n, field.meta, field.retainKeys ?? false);
      if (!isEmpty(nested)) {
        setKey(nested, mergeKey, k);
        out.push(nested);
      }
    }
    if (out.length > 0) setKey(patch, key, out);
    return;
  }
  const kept = new Set(now);
  const removed = [...new Set(was.filter((v) => !kept.has(v)))];
  if (removed.length > 0) setKey(patch, `${DELETE_FROM_PRIMITIVE_LIST_PREFIX}${key}`, removed);
}

/** The deletions patch merged with the changes patch; neither is modified. */
function mergePatches(deletions: JsonObject, delta: JsonObject, meta: PatchMeta | undefined): JsonObject {
  const out: JsonObject = { ...deletions };
  for (const key in delta) {
    const b = delta[key];
    if (!hasKey(out, key)) {
      setKey(out, key, b);
      continue;
    }
    const a = out[key];
    if (key === RETAIN_KEYS_DIRECTIVE && Array.isArray(a) && Array.isArray(b)) {
      setKey(out, key, [...new Set([...a, ...b])].sort() as JsonValue[]);
    } else if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) && Array.isArray(a) && Array.isArray(b)) {
      setKey(out, key, [...new Set([...a, ...b])]);
    } else if (isJsonObject(a) && isJsonObject(b)) {
      setKey(out, key, mergePatches(a, b, fieldMeta(meta, key)?.meta));
    } else if (Array.isArray(a) && Array.isArray(b)) {
      const field = fieldMeta(meta, key);
      const order = delta[`${SET_ELEMENT_ORDER_PREFIX}${key}`];
      setKey(out, key, field?.mergeKey ? mergeElements(a, b, field, Array.isArray(order) ? order : undefined) : b);
    } else {
      setKey(out, key, b);
    }
  }
  return out;
}

/** Elements of two list patches merged by merge key, ordered as `$setElementOrder` says. */
function mergeElements(a: JsonValue[], b: JsonValue[], field: FieldPatchMeta, order: JsonValue[] | undefined): JsonValue[] {
  const keyOf = keyFn(field.mergeKey!);
  const merged: JsonValue[] = [...b];
  for (const el of a) {
    const k = keyOf(el);
    const i = merged.findIndex((m) => keyOf(m) === k && k !== undefined);
    if (i < 0) merged.push(el);
    else if (isJsonObject(el) && isJsonObject(merged[i])) merged[i] = mergePatches(el, merged[i] as JsonObject, field.meta);
  }
  if (!order) return merged;
  const rank = new Map(order.map((o, i) => [keyOf(o), i]));
  const isDelete = (v: JsonValue): boolean => isJsonObject(v) && v[DIRECTIVE_MARKER] === 'delete';
  const kept = merged.filter((v) => !isDelete(v)).sort((x, y) => (rank.get(keyOf(x)) ?? 1e9) - (rank.get(keyOf(y)) ?? 1e9));
  return [...kept, ...merged.filter(isDelete)];
}

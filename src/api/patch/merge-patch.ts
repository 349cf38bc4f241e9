/**
 * JSON merge patch, RFC 7386 (application/merge-patch+json): objects merge member by member,
 * `null` removes a member, and anything else (arrays included) replaces what was there.
 */
import { deepClone, deepEqual, hasKey, isJsonObject, setKey, type JsonObject, type JsonValue } from './json.js';

/** Applies `patch` to `target` and returns the result; neither argument is modified. */
export function applyMergePatch(target: unknown, patch: unknown): JsonValue {
  if (!isJsonObject(patch)) return deepClone(patch === undefined ? null : (patch as JsonValue));
  const result: JsonObject = isJsonObject(target) ? deepClone(target) : {};
  mergeInto(result, patch);
  return result;
}

function mergeInto(result: JsonObject, patch: JsonObject): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) {
      delete result[key];
    } else if (isJsonObject(value)) {
      const current = hasKey(result, key) ? result[key] : undefined;
      const next: JsonObject = isJsonObject(current) ? current : {};
      mergeInto(next, value);
      setKey(result, key, next);
    } else {
      setKey(result, key, deepClone(value));
    }
  }
}

/**
 * The merge patch that turns `original` into `modified` (members removed become `null`,
 * changed arrays are sent whole). Both must be objects; an empty object means "no change".
 */
export function createMergePatch(original: JsonObject, modified: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(original)) {
    if (original[key] !== undefined && (!hasKey(modified, key) || modified[key] === undefined)) setKey(patch, key, null);
  }
  for (const [key, value] of Object.entries(modified)) {
    if (value === undefined) continue;
    const before = hasKey(original, key) ? original[key] : undefined;
    if (before === undefined) {
      setKey(patch, key, deepClone(value));
    } else if (isJsonObject(before) && isJsonObject(value)) {
      const nested = createMergePatch(before, value);
      if (Object.keys(nested).length > 0) setKey(patch, key, nested);
    } else if (!deepEqual(before, value)) {
      setKey(patch, key, deepClone(value));
    }
  }
  return patch;
}

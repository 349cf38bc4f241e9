/**
 * Plain JSON values and the few helpers every patch format needs: a type test for objects,
 * a deep copy, deep equality, and a key setter that cannot be tricked into changing a
 * prototype. Patches arrive from the network, so `__proto__` is just another key here.
 */

export type JsonPrimitive = null | boolean | number | string;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "object", "array", "null", "string", "number" or "boolean". */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Sets an own, enumerable property, even when the key is `__proto__`. */
export function setKey(target: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Whether `target` has `key` as an own property (never an inherited one like `constructor`). */
export function hasKey(target: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(target, key);
}

/**
 * A deep copy that keeps only what JSON can carry: `undefined` members are dropped, as
 * JSON.stringify would drop them.
 */
export function deepClone<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : deepClone(v))) as T;
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) setKey(out, k, deepClone(v));
    }
    return out as T;
  }
  return value;
}

/** JSON equality: objects compare by members regardless of order, numbers by value. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const ak = Object.keys(a).filter((k) => a[k] !== undefined);
    const bk = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ak.length !== bk.length) return false;
    for (const k of ak) if (!hasKey(b, k) || !deepEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** A short rendering of a value for error messages. */
export function preview(value: unknown, max = 120): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

// Small, hot helpers of render: a fast copy of parsed (plain JSON) values, and a memoised
// kindInfo (the kinds gitplane serves do not change while the process runs).

import { kindInfo, type KindInfo } from '../../api/validation.js';

/** A deep copy of a plain JSON value (what the YAML parser produces), unfrozen. */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneJson(value[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (key === '__proto__') Object.defineProperty(out, key, { value: cloneJson(v), writable: true, enumerable: true, configurable: true });
    else out[key] = cloneJson(v);
  }
  return out as T;
}

const kinds = new Map<string, KindInfo | undefined>();

/** kindInfo(apiVersion, kind), looked up once per pair. Do not mutate the result. */
export function servedKind(apiVersion: string, kind: string): KindInfo | undefined {
  const key = `${apiVersion}\n${kind}`;
  if (!kinds.has(key)) {
    if (kinds.size >= 1_000) kinds.clear(); // repositories full of unknown kinds cannot grow it forever
    kinds.set(key, kindInfo(apiVersion, kind));
  }
  return kinds.get(key);
}

// kustomize's content hash for generated ConfigMaps and Secrets (api/hasher): sha256 of
// Go's json.Marshal of {kind, name, data[, binaryData | type, stringData]} with sorted
// keys and HTML escaping, first 10 hex digits with 0,1,3,a,e mapped to g,h,k,m,t.

import { createHash } from 'node:crypto';

/** JSON with object keys sorted, as Go's json.Marshal writes a map[string]interface{}. */
function goJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${goString(k)}:${goJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  if (typeof value === 'string') return goString(value);
  return JSON.stringify(value) ?? 'null';
}

/** A JSON string with Go's default HTML-safe escaping of <, >, & and U+2028/U+2029. */
function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The 10-character suffix from a hex digest (kustomize's hasher.Encode). */
export function encodeHash(hex: string): string {
  const map: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex.slice(0, 10)].map((c) => map[c] ?? c).join('');
}

function mapOrEmpty(value: unknown): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : '';
}

/** What kustomize hashes for a ConfigMap or Secret (absent maps hash as ""). */
export function hashInput(obj: Record<string, unknown>): string {
  const name = (obj.metadata as Record<string, unknown> | undefined)?.name ?? '';
  const m: Record<string, unknown> = { kind: obj.kind, name, data: mapOrEmpty(obj.data) };
  if (obj.kind === 'ConfigMap') {
    if (mapOrEmpty(obj.binaryData) !== '') m.binaryData = obj.binaryData;
  } else if (obj.kind === 'Secret') {
    m.type = obj.type ?? '';
    if (mapOrEmpty(obj.stringData) !== '') m.stringData = obj.stringData;
  }
  return goJson(m);
}

/** kustomize's name suffix for a generated ConfigMap or Secret, e.g. "7757f9kkct". */
export function kustomizeHash(obj: Record<string, unknown>): string {
  return encodeHash(createHash('sha256').update(hashInput(obj)).digest('hex'));
}

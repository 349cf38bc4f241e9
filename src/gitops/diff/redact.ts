// Secret values never appear in a diff: each value of data/stringData becomes a row of "+",
// one length per distinct value (as Argo CD's HideSecretData does), so a changed value still
// shows as changed while neither side reveals anything. Keys stay visible.

import { createHash } from 'node:crypto';
import { deepClone, isJsonObject } from '../../api/patch/index.js';
import { ANNOTATIONS } from '../types.js';

/** value hash → placeholder; share one table between the two sides of a diff. */
export type RedactionTable = Map<string, string>;

const LAST_APPLIED = [ANNOTATIONS.lastApplied, 'kubectl.kubernetes.io/last-applied-configuration'];

/**
 * A copy of `obj` with every Secret data/stringData value replaced by "++++++++" (eight or
 * more "+": the same value gets the same placeholder within one table). Objects that are not
 * core Secrets are returned unchanged. Last-applied annotations (which hold the values) are
 * redacted too.
 */
export function redactSecret<T extends object>(obj: T, table: RedactionTable = new Map()): T {
  const o = obj as Record<string, unknown>;
  if (!isJsonObject(o) || o.kind !== 'Secret' || (o.apiVersion !== undefined && o.apiVersion !== 'v1')) return obj;
  const copy = deepClone(o) as Record<string, unknown>;
  for (const field of ['data', 'stringData']) {
    const values = copy[field];
    if (!isJsonObject(values)) continue;
    for (const key of Object.keys(values)) values[key] = placeholder(String(values[key]), table);
  }
  const annotations = (copy.metadata as { annotations?: Record<string, string> } | undefined)?.annotations;
  if (annotations) for (const a of LAST_APPLIED) if (a in annotations) annotations[a] = placeholder(annotations[a], table);
  return copy as T;
}

function placeholder(value: string, table: RedactionTable): string {
  const hash = createHash('sha256').update(value).digest('hex');
  let p = table.get(hash);
  if (!p) {
    p = '+'.repeat(8 + table.size);
    table.set(hash, p);
  }
  return p;
}

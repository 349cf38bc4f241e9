// The object exactly as gitplane applies it: the desired manifest without what only the
// server may set (status, uid, resourceVersion, ...), Secret stringData folded into data
// (as the API server would store it), plus the tracking-id annotation, the app label and
// the last-applied annotation that the next three-way diff reads back.

import { deepClone, isJsonObject } from '../../api/patch/index.js';
import { ANNOTATIONS, APP_LABEL, resourceIdOf, trackingIdFor, type KubeObject } from '../types.js';
import { SERVER_METADATA } from './normalize.js';

export interface AppRef {
  namespace: string;
  name: string;
}

/** `desired` (not modified) prepared for apply by the Application `app`. */
export function prepareForApply(desired: KubeObject, app: AppRef): KubeObject {
  const obj = deepClone(desired);
  delete obj.status;
  const meta = (obj.metadata ??= {});
  const raw = meta as Record<string, unknown>;
  for (const key of SERVER_METADATA) delete raw[key];
  if (obj.apiVersion === 'v1' && obj.kind === 'Secret') foldStringData(obj);
  const annotations = { ...(meta.annotations ?? {}) };
  delete annotations[ANNOTATIONS.lastApplied];
  annotations[ANNOTATIONS.trackingId] = trackingIdFor(app, resourceIdOf(obj));
  meta.annotations = annotations;
  meta.labels = { ...(meta.labels ?? {}), [APP_LABEL]: app.name };
  annotations[ANNOTATIONS.lastApplied] = stableStringify(obj); // computed before the annotation exists
  return obj;
}

/** stringData entries become base64 data entries (stringData wins), as the API server stores them. */
function foldStringData(secret: KubeObject): void {
  const stringData = secret.stringData;
  if (!isJsonObject(stringData)) return;
  const data: Record<string, unknown> = isJsonObject(secret.data) ? { ...secret.data } : {};
  for (const [k, v] of Object.entries(stringData)) if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
  secret.data = data;
  delete secret.stringData;
}

/** JSON with object keys sorted at every level, so equal objects give equal text. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isJsonObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) if (value[key] !== undefined) out[key] = sortKeys(value[key]);
  return out;
}

// The pod-template-hash, after kube's controller.ComputeHash: a 32-bit FNV-1a
// hash of the pod template (plus the Deployment's collisionCount, when set),
// printed in the safe alphabet names use. Unlike kube, which hashes Go's
// in-memory struct, this hashes a canonical form of the template — the
// server's defaults applied, keys sorted, the pod-template-hash label and
// empty metadata dropped — so a template that was reverted to an older one
// (`kubectl rollout undo`) maps to the same ReplicaSet again, whatever order
// or defaults the client sent. The same canonical form decides whether a
// ReplicaSet's template equals the Deployment's (kube's EqualIgnoreHash).

import type { PodTemplateSpec } from '../../api/generated/index.js';
import { validateObject } from '../../api/validation.js';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** The alphabet of k8s.io/apimachinery/pkg/util/rand.SafeEncodeString (no vowels, no 0/1/3). */
const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHANUMS[s.charCodeAt(i) % SAFE_ALPHANUMS.length];
  return out;
}

/** 32-bit FNV-1a over bytes, continuing from `hash`. */
export function fnv32a(bytes: Uint8Array, hash = 0x811c9dc5): number {
  let h = hash;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON with object keys sorted, nulls and undefined dropped. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || v === null ? 'null' : stableStringify(v))).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined && value[k] !== null)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The template with the server's defaults filled in, or undefined if it does not validate. */
function withDefaults(template: PodTemplateSpec): PodTemplateSpec | undefined {
  // Defaulting runs on whole objects: wrap the template in a Deployment whose selector
  // matches any labels (a non-empty selector is required).
  const wrapper = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'canonical' },
    spec: {
      selector: { matchExpressions: [{ key: 'gitplane.io/canonical-template', operator: 'DoesNotExist' }] },
      template,
    },
  };
  const result = validateObject<{ spec: { template: PodTemplateSpec } }>(wrapper, { applyDefaults: true });
  return result.valid ? result.object.spec.template : undefined;
}

function normalize(template: PodTemplateSpec): Json {
  const copy = JSON.parse(JSON.stringify(template ?? {})) as Record<string, unknown>;
  const meta = isObject(copy.metadata) ? copy.metadata : {};
  delete meta.creationTimestamp;
  if (isObject(meta.labels)) {
    delete meta.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(meta.labels).length === 0) delete meta.labels;
  }
  if (isObject(meta.annotations) && Object.keys(meta.annotations).length === 0) delete meta.annotations;
  for (const [k, v] of Object.entries(meta)) if (v === null || (Array.isArray(v) && v.length === 0)) delete meta[k];
  if (Object.keys(meta).length === 0) delete copy.metadata;
  else copy.metadata = meta;
  return pruneEmpty(copy) as Json;
}

/** Objects whose mere presence means something, even when empty (a volume source). */
const KEEP_EMPTY = new Set(['emptyDir']);

/**
 * Drop nulls, empty arrays and empty objects everywhere, as Go's omitempty
 * and zero values make them equivalent: kubectl rollout undo sends a
 * template with `resources: {}` that the original never had.
 */
function pruneEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => pruneEmpty(v));
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const pruned = pruneEmpty(v);
    if (pruned === null || pruned === undefined) continue;
    if (Array.isArray(pruned) && pruned.length === 0) continue;
    if (isObject(pruned) && Object.keys(pruned).length === 0 && !KEEP_EMPTY.has(k)) continue;
    out[k] = pruned;
  }
  return out;
}

const cache = new Map<string, string>();
const CACHE_LIMIT = 1024;

/**
 * The canonical string form of a pod template: defaults applied, keys sorted, without the
 * pod-template-hash label, creationTimestamp, or empty labels/annotations. Two templates
 * a Deployment would consider equal have the same canonical form.
 */
export function canonicalTemplate(template: PodTemplateSpec | undefined): string {
  const raw = JSON.stringify(template ?? {});
  const hit = cache.get(raw);
  if (hit !== undefined) return hit;
  const base = template ?? {};
  const canonical = stableStringify(normalize(withDefaults(normalizeInput(base)) ?? base));
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(raw, canonical);
  return canonical;
}

/** Drop the hash label before defaulting, so it cannot make the template invalid. */
function normalizeInput(template: PodTemplateSpec): PodTemplateSpec {
  return normalize(template) as PodTemplateSpec;
}

/** Whether two templates are the same apart from the pod-template-hash label (kube's EqualIgnoreHash). */
export function templatesEqualIgnoringHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonicalTemplate(a) === canonicalTemplate(b);
}

/** The pod-template-hash of a template (kube's ComputeHash). */
export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalTemplate(template)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(bytes, h);
  }
  return safeEncodeString(String(h));
}

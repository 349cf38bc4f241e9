// PATCH in its four flavours: JSON patch, JSON merge patch, strategic merge
// patch (with Kubernetes' merge keys), and server-side apply.
//
// Server-side apply here gives each applying manager ownership of the fields
// it applied, recorded in metadata.managedFields (FieldsV1, with lists kept
// whole): re-applying without a field removes it, and applying a field that
// another apply manager owns is a 409 conflict unless force=true. Fields set
// by ordinary updates are not tracked (no conflicts with kubectl edit/scale).

import { deepEqual } from '../../api/patch/json.js';
import { applyJsonPatch } from '../../api/patch/json-patch.js';
import { applyMergePatch } from '../../api/patch/merge-patch.js';
import { applyStrategicMergePatch } from '../../api/patch/strategic-merge.js';
import { badRequest, StatusError } from '../../api/status.js';
import type { PatchType } from '../negotiation.js';
import type { Obj } from '../registry/codec.js';
import type { ResourceInfo } from '../registry/resources.js';
import { timestamp } from '../registry/rest.js';

export interface ApplyOptions {
  manager?: string;
  force: boolean;
  now: number;
}

export function applyPatch(current: Obj, patch: unknown, type: PatchType, r: ResourceInfo, opts: ApplyOptions): Obj {
  switch (type) {
    case 'json':
      if (!Array.isArray(patch)) throw badRequest('a JSON patch must be an array of operations');
      return applyJsonPatch(current, patch) as Obj;
    case 'merge':
      if (!isObject(patch)) throw badRequest('a merge patch must be a JSON object');
      return applyMergePatch(current, patch) as Obj;
    case 'strategic':
      if (!isObject(patch)) throw badRequest('a strategic merge patch must be a JSON object');
      return applyStrategicMergePatch(current, patch, r.apiVersion, r.kind) as Obj;
    case 'apply':
      return serverSideApply(current, patch, r, opts);
  }
}

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** FieldsV1 of an applied configuration: maps by "f:<key>", everything else a leaf. */
export function fieldSet(config: Obj, skip = new Set(['apiVersion', 'kind'])): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(config)) {
    if (skip.has(k)) continue;
    if (k === 'metadata' && isObject(v)) {
      const meta: Obj = {};
      for (const [mk, mv] of Object.entries(v)) {
        if (['name', 'namespace', 'resourceVersion', 'uid', 'managedFields', 'creationTimestamp', 'generation'].includes(mk)) continue;
        meta[`f:${mk}`] = isObject(mv) ? fieldSet(mv, new Set()) : {};
      }
      if (Object.keys(meta).length) out['f:metadata'] = meta;
      continue;
    }
    out[`f:${k}`] = isObject(v) ? fieldSet(v, new Set()) : {};
  }
  return out;
}

/** Remove from `obj` every field in `owned` that is not in `keep`. */
function removeDropped(obj: Obj, owned: Obj, keep: Obj | undefined): void {
  for (const [fk, sub] of Object.entries(owned)) {
    const key = fk.slice(2);
    if (!(key in obj)) continue;
    const kept = keep?.[fk];
    if (kept === undefined) {
      delete obj[key];
    } else if (isObject(sub) && Object.keys(sub).length > 0 && isObject(obj[key])) {
      removeDropped(obj[key], sub, kept);
    }
  }
}

function overlaps(a: Obj, b: Obj, path: string[] = []): string[] {
  const found: string[] = [];
  for (const [fk, sub] of Object.entries(a)) {
    if (!(fk in b)) continue;
    const here = [...path, fk.slice(2)];
    const other = b[fk];
    const leafA = !isObject(sub) || Object.keys(sub).length === 0;
    const leafB = !isObject(other) || Object.keys(other).length === 0;
    if (leafA || leafB) found.push(here.join('.'));
    else found.push(...overlaps(sub, other, here));
  }
  return found;
}

function serverSideApply(current: Obj, patch: unknown, r: ResourceInfo, opts: ApplyOptions): Obj {
  if (!isObject(patch)) throw badRequest('an apply configuration must be an object');
  if (!opts.manager) throw badRequest('PATCH requests with apply (application/apply-patch+yaml) require fieldManager to be set');
  if (patch.apiVersion !== r.apiVersion || patch.kind !== r.kind) {
    throw badRequest(`the apply configuration must set apiVersion "${r.apiVersion}" and kind "${r.kind}"`);
  }
  const applied = fieldSet(patch);
  const managed: Obj[] = [...(current.metadata?.managedFields ?? [])];
  const mine = managed.find((m) => m.manager === opts.manager && m.operation === 'Apply');
  if (!opts.force) {
    const conflicts: string[] = [];
    for (const m of managed) {
      if (m === mine || m.operation !== 'Apply') continue;
      for (const field of overlaps(applied, m.fieldsV1 ?? {})) {
        if (!sameValue(current, patch, field)) conflicts.push(`conflict with "${m.manager}": .${field}`);
      }
    }
    if (conflicts.length > 0) {
      const err = new StatusError(409, 'Conflict', `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${conflicts.join('\n')}`, {
        causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: c })),
      });
      throw err;
    }
  }
  const base = structuredClone(current);
  if (mine?.fieldsV1) removeDropped(base, mine.fieldsV1, applied);
  const { apiVersion: _a, kind: _k, ...config } = patch;
  const merged = applyStrategicMergePatch(base, config, r.apiVersion, r.kind) as Obj;
  const others = managed.filter((m) => m !== mine).map((m) => (opts.force ? { ...m, fieldsV1: without(m.fieldsV1 ?? {}, applied) } : m));
  // Re-applying the same configuration changes nothing, so it keeps the entry's time too and the
  // object stays byte-for-byte the same: no write, no new resourceVersion (as in Kubernetes).
  const noOp = mine !== undefined && deepEqual(mine.fieldsV1, applied) && mine.apiVersion === r.apiVersion && deepEqual(withoutManaged(merged), withoutManaged(current)) && deepEqual(others, managed.filter((m) => m !== mine));
  const entry = { manager: opts.manager, operation: 'Apply', apiVersion: r.apiVersion, time: noOp ? mine.time : timestamp(opts.now), fieldsType: 'FieldsV1', fieldsV1: applied };
  merged.metadata = { ...(merged.metadata ?? {}), managedFields: noOp ? managed : [...others, entry] };
  return merged;
}

function withoutManaged(obj: Obj): Obj {
  const { managedFields: _m, ...metadata } = (obj.metadata ?? {}) as Obj;
  return { ...obj, metadata };
}

function sameValue(current: Obj, patch: Obj, dotted: string): boolean {
  const path = dotted.split('.');
  let a: unknown = current;
  let b: unknown = patch;
  for (const p of path) {
    a = isObject(a) ? a[p] : undefined;
    b = isObject(b) ? b[p] : undefined;
  }
  return deepEqual(a, b);
}

/** `owned` minus every leaf in `taken` (a forced apply takes fields over). */
function without(owned: Obj, taken: Obj): Obj {
  const out: Obj = {};
  for (const [fk, sub] of Object.entries(owned)) {
    if (!(fk in taken)) out[fk] = sub;
    else if (isObject(sub) && Object.keys(sub).length > 0 && isObject(taken[fk]) && Object.keys(taken[fk]).length > 0) {
      const rest = without(sub, taken[fk]);
      if (Object.keys(rest).length > 0) out[fk] = rest;
    }
  }
  return out;
}

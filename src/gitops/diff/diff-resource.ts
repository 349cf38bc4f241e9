// One desired object against its live twin, as kubectl apply (and Argo CD's default diff)
// sees it: the three-way patch (three-way.ts) is applied to live to predict the result, and
// the resource is OutOfSync iff the normalized prediction differs from the normalized live
// object once ignored fields are removed. Ignored fields are also kept out of the patch.

import { applyStrategicMergePatch, deepClone, deepEqual, patchMetaFor, type JsonObject } from '../../api/patch/index.js';
import { ANNOTATIONS, resourceIdOf, resourceKey, type KubeObject, type ResourceId } from '../types.js';
import { ignoreStripperFor, type IgnoreRule } from './ignore.js';
import { normalize } from './normalize.js';
import { isEmpty, threeWayPatch } from './three-way.js';

export interface ResourceDiff {
  id: ResourceId;
  key: string;
  status: 'Synced' | 'OutOfSync';
  /**
   * create: the object is missing; patch: send `body` (OutOfSync, or Synced with only the
   * last-applied annotation stale, e.g. after a Git change to an ignored field); none: nothing to send.
   */
  action: 'create' | 'patch' | 'none';
  /** create: the object to POST; patch: the patch to send to the live object, as `patchType`. */
  body?: KubeObject | Record<string, unknown>;
  /** 'strategic' for kinds with patch metadata, 'merge' (JSON merge patch) for the others. */
  patchType?: 'strategic' | 'merge';
  /** Normalized live object (ignored fields removed), for display. */
  live?: Record<string, unknown>;
  /** Normalized live object after the patch (the desired object for a create), for display. */
  predicted: Record<string, unknown>;
}

export interface DiffOptions {
  ignore?: IgnoreRule[];
}

/** The patch type gitplane uses for a kind: strategic when the kind has patch metadata. */
export function patchTypeFor(apiVersion: string, kind: string): 'strategic' | 'merge' {
  return patchMetaFor(apiVersion, kind) ? 'strategic' : 'merge';
}

/** Compares `applied` (from prepareForApply) with `live`; neither is modified. Throws on unsupported ignore rules. */
export function diffResource(applied: KubeObject, live: KubeObject | undefined, options: DiffOptions = {}): ResourceDiff {
  const id = resourceIdOf(applied);
  const key = resourceKey(id);
  const strip = ignoreStripperFor(options.ignore, id);
  const view = (obj: object): Record<string, unknown> => {
    const n = normalize(obj);
    strip?.(n);
    return n;
  };
  if (!live) return { id, key, status: 'OutOfSync', action: 'create', body: applied, predicted: view(applied) };

  const lastText = live.metadata?.annotations?.[ANNOTATIONS.lastApplied];
  const appliedText = applied.metadata?.annotations?.[ANNOTATIONS.lastApplied];
  // Same last-applied text means lastApplied equals desired: no deletions to compute.
  let last = lastText !== undefined && lastText !== appliedText ? parseLastApplied(lastText) : undefined;
  let desired = applied as unknown as JsonObject;
  if (strip) {
    desired = deepClone(desired);
    strip(desired);
    if (last) strip(last);
  }
  const meta = patchMetaFor(applied.apiVersion, applied.kind);
  const patch = threeWayPatch(last, desired, live as unknown as JsonObject, meta);
  const liveView = view(live);
  const patchType = meta ? 'strategic' : 'merge';
  if (isEmpty(patch)) return { id, key, status: 'Synced', action: 'none', live: liveView, predicted: liveView };

  let predicted: Record<string, unknown>;
  let stale = true;
  try {
    const after = applyStrategicMergePatch(live, patch, applied.apiVersion, applied.kind) as unknown as KubeObject;
    predicted = view(after);
    stale = after.metadata?.annotations?.[ANNOTATIONS.lastApplied] !== lastText;
  } catch {
    // A patch the live object cannot take (e.g. a merge key missing in a live element):
    // show the desired object and let the server have the last word.
    predicted = view(applied);
  }
  const status = deepEqual(predicted, liveView) ? 'Synced' : 'OutOfSync';
  const action = status === 'OutOfSync' || stale ? 'patch' : 'none';
  return { id, key, status, action, ...(action === 'patch' ? { body: patch, patchType } : {}), live: liveView, predicted };
}

function parseLastApplied(text: string): JsonObject | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

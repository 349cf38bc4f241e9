// Reading the sync annotations of a manifest or live object, gitplane's spelling first and
// Argo CD's second: sync wave, hook phases and delete policies, sync options, tracking id.

import { ANNOTATIONS, ARGO_ANNOTATIONS, type KubeObject } from '../types.js';
import type { HookDeletePolicy, SyncPhase } from './types.js';

function annotation(obj: KubeObject | undefined, ours: string, argo: string): string | undefined {
  const a = obj?.metadata?.annotations;
  return a?.[ours] ?? a?.[argo];
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The sync wave (integer, default 0); a malformed value is 0. */
export function syncWaveOf(obj: KubeObject | undefined): number {
  const raw = annotation(obj, ANNOTATIONS.syncWave, ARGO_ANNOTATIONS.syncWave);
  if (raw === undefined || !/^\s*[-+]?\d+\s*$/.test(raw)) return 0;
  return Number.parseInt(raw, 10);
}

const PHASES = new Set(['PreSync', 'Sync', 'PostSync', 'SyncFail', 'Skip']);

/** Hook phases of an object ("Skip" included); [] for an ordinary resource. */
export function hookPhasesOf(obj: KubeObject | undefined): Array<SyncPhase | 'Skip'> {
  return list(annotation(obj, ANNOTATIONS.hook, ARGO_ANNOTATIONS.hook)).filter((p): p is SyncPhase | 'Skip' => PHASES.has(p));
}

export function isHookObject(obj: KubeObject | undefined): boolean {
  return annotation(obj, ANNOTATIONS.hook, ARGO_ANNOTATIONS.hook) !== undefined;
}

const POLICIES = new Set(['HookSucceeded', 'HookFailed', 'BeforeHookCreation']);

/** Hook delete policies; BeforeHookCreation when none is given. */
export function hookDeletePoliciesOf(obj: KubeObject | undefined): HookDeletePolicy[] {
  const found = list(annotation(obj, ANNOTATIONS.hookDeletePolicy, ARGO_ANNOTATIONS.hookDeletePolicy)).filter((p): p is HookDeletePolicy => POLICIES.has(p));
  return found.length > 0 ? found : ['BeforeHookCreation'];
}

/** Whether the sync-options annotation holds `option` (e.g. "Prune=false"), case-insensitively. */
export function hasSyncOption(obj: KubeObject | undefined, option: string): boolean {
  const want = option.replace(/\s/g, '').toLowerCase();
  return list(annotation(obj, ANNOTATIONS.syncOptions, ARGO_ANNOTATIONS.syncOptions)).some((o) => o.replace(/\s/g, '').toLowerCase() === want);
}

/** The "<appNamespace>_<appName>" a tracking-id annotation names, or undefined. */
export function trackingOwnerOf(obj: KubeObject | undefined): string | undefined {
  const id = obj?.metadata?.annotations?.[ANNOTATIONS.trackingId];
  if (id === undefined) return undefined;
  const colon = id.indexOf(':');
  return colon < 0 ? id : id.slice(0, colon);
}

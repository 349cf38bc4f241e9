// Compare an Application's rendered objects with the live cache: per-resource
// sync status and health, what would be pruned, and the app's overall status.
// Hooks are not part of the comparison (they run during syncs only).

import { diffResource, prepareForApply, type IgnoreRule, type ResourceDiff } from '../diff/index.js';
import { healthOf, worstHealth } from '../health/index.js';
import type { InventoryEntry } from '../sync/index.js';
import {
  ANNOTATIONS,
  ARGO_ANNOTATIONS,
  resourceIdOf,
  resourceKey,
  type DesiredObject,
  type HealthStatus,
  type KubeObject,
  type ResourceId,
  type SyncStatusCode,
} from '../types.js';
import { trackingIdOf } from './live-cache.js';

export interface ResourceStatus {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  status: SyncStatusCode;
  health: HealthStatus;
  requiresPruning?: boolean;
}

export interface Comparison {
  /** Desired objects that are not hooks, keyed by resourceKey. */
  diffs: Map<string, ResourceDiff>;
  /** The same, with the object as it is applied: what planSync can reuse. */
  prepared: Map<string, { applied: KubeObject; diff: ResourceDiff }>;
  resources: ResourceStatus[];
  /** Inventory entries (or tracked live objects) no longer in Git that still exist. */
  orphans: InventoryEntry[];
  status: SyncStatusCode;
  health: HealthStatus;
  outOfSync: number;
}

export interface CompareInput {
  app: { namespace: string; name: string };
  desired: DesiredObject[];
  inventory: InventoryEntry[];
  /** Live objects carrying this app's tracking id (found even if the inventory was lost). */
  tracked: KubeObject[];
  live: (id: ResourceId) => KubeObject | undefined;
  ignore?: IgnoreRule[];
}

export function isHook(obj: KubeObject): boolean {
  const a = obj.metadata?.annotations ?? {};
  return Boolean(a[ANNOTATIONS.hook] ?? a[ARGO_ANNOTATIONS.hook]);
}

export function compareApp(input: CompareInput): Comparison {
  const diffs = new Map<string, ResourceDiff>();
  const prepared = new Map<string, { applied: KubeObject; diff: ResourceDiff }>();
  const resources: ResourceStatus[] = [];
  const healths: HealthStatus[] = [];
  let outOfSync = 0;
  for (const { object } of input.desired) {
    if (isHook(object)) continue;
    const id = resourceIdOf(object);
    const key = resourceKey(id);
    const live = input.live(id);
    const applied = prepareForApply(object, input.app);
    const diff = diffResource(applied, live, input.ignore ? { ignore: input.ignore } : {});
    diffs.set(key, diff);
    prepared.set(key, { applied, diff });
    const health: HealthStatus = live ? (healthOf(live) ?? { status: 'Healthy' }) : { status: 'Missing', message: 'resource does not exist' };
    healths.push(health);
    if (diff.status !== 'Synced') outOfSync++;
    resources.push({ ...id, version: versionOf(object.apiVersion), status: diff.status, health });
  }
  const orphans: InventoryEntry[] = [];
  const seen = new Set<string>();
  const candidates: InventoryEntry[] = [
    ...input.inventory,
    ...input.tracked.map((obj) => ({ ...resourceIdOf(obj), version: versionOf(obj.apiVersion) })),
  ];
  for (const entry of candidates) {
    const key = resourceKey(entry);
    if (diffs.has(key) || seen.has(key)) continue;
    seen.add(key);
    const live = input.live(entry);
    if (!live || live.metadata?.deletionTimestamp) continue;
    // Pruning candidates must still carry our tracking id; anything else was not ours to take.
    const owner = trackingIdOf(live);
    if (owner !== undefined && !owner.startsWith(`${input.app.namespace}_${input.app.name}:`)) continue;
    if (isHook(live)) continue;
    orphans.push(entry);
    outOfSync++;
    resources.push({ ...entry, status: 'OutOfSync', health: healthOf(live) ?? { status: 'Healthy' }, requiresPruning: true });
  }
  resources.sort((a, b) => a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  return {
    diffs,
    prepared,
    resources,
    orphans,
    status: outOfSync > 0 ? 'OutOfSync' : 'Synced',
    health: worstHealth(healths),
    outOfSync,
  };
}

export function versionOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

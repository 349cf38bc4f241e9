// planSync: desired objects + live lookups + inventory → ordered tasks. Order is phase
// (PreSync, Sync, PostSync, SyncFail), then sync wave, then kind (kind-order.ts), then
// namespace/name; within a wave prunes follow the applies, in reverse kind order. Only
// inventory entries whose live object carries this app's tracking id are pruned.

import { diffResource, prepareForApply, validateIgnoreRules, type IgnoreRule, type ResourceDiff } from '../diff/index.js';
import { hasHealthCheck } from '../health/index.js';
import { apiVersionOf, describeResource, resourceIdOf, resourceKey, type DesiredObject, type KubeObject, type ResourceId } from '../types.js';
import { hasSyncOption, hookDeletePoliciesOf, hookPhasesOf, isHookObject, syncWaveOf, trackingOwnerOf } from './annotations.js';
import { kindRank } from './kind-order.js';
import { SYNC_PHASES, type InventoryEntry, type SyncPlan, type SyncSettings, type SyncTask, type SyncWave } from './types.js';

export interface PlanInput {
  desired: DesiredObject[];
  /** The live twin of an id, as the controller found it (undefined when missing). */
  live: (id: ResourceId) => KubeObject | undefined;
  inventory: InventoryEntry[];
  settings: SyncSettings;
  ignore?: IgnoreRule[];
  /**
   * What the caller already computed for this desired state (the controller's comparison),
   * by resourceKey: reused instead of preparing and diffing every object again.
   */
  prepared?: ReadonlyMap<string, { applied: KubeObject; diff: ResourceDiff }>;
}

/** The plan, or why there is none (empty desired state, duplicates, bad ignore rules). */
export function planSync(input: PlanInput): SyncPlan | { error: string } {
  const { settings } = input;
  if (input.desired.length === 0 && input.inventory.length > 0 && !settings.allowEmpty) {
    return { error: `the desired state is empty but the application has ${input.inventory.length} resource(s); refusing to prune them all (allowEmpty is false)` };
  }
  try {
    validateIgnoreRules(input.ignore ?? []);
  } catch (err) {
    return { error: (err as Error).message };
  }
  const tasks: SyncTask[] = [];
  const desiredKeys = new Set<string>();
  for (const { object, source } of input.desired) {
    const id = resourceIdOf(object);
    const key = resourceKey(id);
    const where = `${source.file}:${source.line}`;
    if (!id.name) return { error: `${where}: ${object.kind} has no metadata.name` };
    if (desiredKeys.has(key)) return { error: `${where}: ${describeResource(id)} is defined more than once` };
    desiredKeys.add(key);
    const known = input.prepared?.get(key);
    const applied = known?.applied ?? prepareForApply(object, settings.app);
    const live = input.live(id);
    const wave = syncWaveOf(object);
    const hooks = hookPhasesOf(object);
    if (hooks.includes('Skip')) continue;
    if (hooks.length > 0 || isHookObject(object)) {
      const policies = hookDeletePoliciesOf(object);
      for (const phase of hooks) {
        if (phase !== 'Skip') tasks.push({ id, key, apiVersion: object.apiVersion, phase, wave, action: 'hook', applied, ...(live ? { live } : {}), hookDeletePolicies: policies });
      }
      continue; // an unknown hook phase alone: not applied
    }
    const diff = known?.diff ?? diffResource(applied, live, input.ignore ? { ignore: input.ignore } : {});
    const skip = settings.applyOutOfSyncOnly === true && diff.status === 'Synced';
    // Kinds without a health notion (ConfigMap, Secret, ...) are healthy once applied: no read needed.
    const waitHealth = !skip && !settings.dryRun && hasHealthCheck(object.apiVersion, object.kind);
    tasks.push({
      id,
      key,
      apiVersion: object.apiVersion,
      phase: 'Sync',
      wave,
      action: diff.action,
      applied,
      ...(live ? { live } : {}),
      diff,
      waitHealth,
      ...(skip ? { skip } : {}),
    });
  }
  const prunes = pruneTasks(input, desiredKeys);
  if (prunes.some((t) => t.wave === Number.POSITIVE_INFINITY)) {
    // PruneLast: one wave after the last wave of the Sync phase.
    const last = Math.max(0, ...tasks.filter((t) => t.phase === 'Sync').map((t) => t.wave), ...prunes.filter((t) => Number.isFinite(t.wave)).map((t) => t.wave));
    for (const t of prunes) if (!Number.isFinite(t.wave)) t.wave = last + 1;
  }
  tasks.push(...prunes);
  const ns = namespaceTask(input, desiredKeys, tasks);
  if (ns) tasks.push(ns);
  tasks.sort(compareTasks);
  return { tasks, waves: group(tasks), ...(input.ignore ? { ignore: input.ignore } : {}), ...(settings.dryRun ? { dryRun: true } : {}) };
}

function pruneTasks(input: PlanInput, desiredKeys: Set<string>): SyncTask[] {
  const { settings } = input;
  const owner = `${settings.app.namespace}_${settings.app.name}`;
  const out: SyncTask[] = [];
  const seen = new Set<string>();
  for (const entry of input.inventory) {
    const id: ResourceId = { group: entry.group, kind: entry.kind, namespace: entry.namespace, name: entry.name };
    const key = resourceKey(id);
    if (desiredKeys.has(key) || seen.has(key)) continue;
    seen.add(key);
    const live = input.live(id);
    // Gone, already being deleted, a hook, or never applied by gitplane: nothing to prune.
    if (!live || live.metadata?.deletionTimestamp || isHookObject(live)) continue;
    const trackedBy = trackingOwnerOf(live);
    if (trackedBy === undefined) continue;
    let pruneBlocked: string | undefined;
    if (trackedBy !== owner) pruneBlocked = `managed by another application (${trackedBy.replace('_', '/')})`;
    else if (hasSyncOption(live, 'Prune=false')) pruneBlocked = 'Prune=false sync option';
    else if (!settings.prune) pruneBlocked = 'prune disabled';
    const pruneLast = settings.pruneLast === true || hasSyncOption(live, 'PruneLast=true');
    out.push({
      id,
      key,
      apiVersion: live.apiVersion ?? apiVersionOf(entry),
      phase: 'Sync',
      wave: pruneLast ? Number.POSITIVE_INFINITY : syncWaveOf(live),
      action: 'prune',
      live,
      ...(pruneBlocked ? { pruneBlocked } : {}),
    });
  }
  return out;
}

/** CreateNamespace: the destination namespace, created first when neither desired nor live. */
function namespaceTask(input: PlanInput, desiredKeys: Set<string>, tasks: SyncTask[]): SyncTask | undefined {
  const name = input.settings.createNamespace;
  if (!name) return undefined;
  const id: ResourceId = { group: '', kind: 'Namespace', namespace: '', name };
  const key = resourceKey(id);
  if (desiredKeys.has(key) || input.live(id)) return undefined;
  const first = tasks.filter((t) => t.phase !== 'SyncFail').sort(compareTasks)[0];
  const applied: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
  return { id, key, apiVersion: 'v1', phase: first?.phase ?? 'Sync', wave: first?.wave ?? 0, action: 'create', applied, waitHealth: false };
}

function compareTasks(a: SyncTask, b: SyncTask): number {
  const d = SYNC_PHASES.indexOf(a.phase) - SYNC_PHASES.indexOf(b.phase) || a.wave - b.wave;
  if (d !== 0) return d;
  const pa = a.action === 'prune' ? 1 : 0;
  const pb = b.action === 'prune' ? 1 : 0;
  if (pa !== pb) return pa - pb;
  const k = kindRank(a.id.kind) - kindRank(b.id.kind);
  if (k !== 0) return pa ? -k : k;
  return cmp(a.id.kind, b.id.kind) || cmp(a.id.group, b.id.group) || cmp(a.id.namespace, b.id.namespace) || cmp(a.id.name, b.id.name);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function group(tasks: SyncTask[]): SyncWave[] {
  const waves: SyncWave[] = [];
  for (const task of tasks) {
    const last = waves[waves.length - 1];
    if (last && last.phase === task.phase && last.wave === task.wave) last.tasks.push(task);
    else waves.push({ phase: task.phase, wave: task.wave, tasks: [task] });
  }
  return waves;
}

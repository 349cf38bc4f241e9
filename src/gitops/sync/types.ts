// The words of gitops/sync: the plan (ordered tasks grouped into phase/wave steps), the
// result per resource, and the JSON-serialisable SyncState the Application controller
// stores in status.operationState and hands back to resume a sync after a restart.

import type { Client } from '../../client/index.js';
import type { Clock } from '../../util/clock.js';
import type { AppRef, IgnoreRule, ResourceDiff } from '../diff/index.js';
import type { HealthStatus, KubeObject, ResourceId } from '../types.js';

export type SyncPhase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail';
/** The phases in the order they run; SyncState.phaseIndex indexes this list. */
export const SYNC_PHASES: readonly SyncPhase[] = ['PreSync', 'Sync', 'PostSync', 'SyncFail'];

export interface SyncSettings {
  app: AppRef;
  prune: boolean;
  /** Run every prune after all other waves (also per resource: sync option PruneLast=true). */
  pruneLast?: boolean;
  /** Leave Synced resources alone: no request and no health wait. */
  applyOutOfSyncOnly?: boolean;
  /** The destination namespace to create when missing (CreateNamespace=true). */
  createNamespace?: string;
  /** Send everything with dryRun=All; no health waits, no hooks. */
  dryRun?: boolean;
  /** Allow an empty desired set to prune a non-empty inventory. */
  allowEmpty?: boolean;
}

/** What an Application applied (Flux-style inventory): only these may ever be pruned. */
export interface InventoryEntry {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
}

export type HookDeletePolicy = 'HookSucceeded' | 'HookFailed' | 'BeforeHookCreation';

export interface SyncTask {
  id: ResourceId;
  key: string;
  /** apiVersion of `applied` (or of the live object for prunes). */
  apiVersion: string;
  phase: SyncPhase;
  wave: number;
  action: 'create' | 'patch' | 'none' | 'prune' | 'hook';
  /** The object as applied (prepareForApply); absent for prunes. */
  applied?: KubeObject;
  live?: KubeObject;
  diff?: ResourceDiff;
  /** Why a prune is not done (the task's result is PruneSkipped). */
  pruneBlocked?: string;
  /** Hooks: when to delete the hook object. */
  hookDeletePolicies?: HookDeletePolicy[];
  /** Wait for this task's health before the next wave starts. */
  waitHealth?: boolean;
  /** Skipped by applyOutOfSyncOnly: reported unchanged, no request. */
  skip?: boolean;
}

export interface SyncWave {
  phase: SyncPhase;
  wave: number;
  tasks: SyncTask[];
}

export interface SyncPlan {
  /** Every task, in execution order. */
  tasks: SyncTask[];
  /** The same tasks grouped: a group starts when the previous one is applied and healthy. */
  waves: SyncWave[];
  /** The ignore rules the diffs used, for re-diffing on conflicts. */
  ignore?: IgnoreRule[];
  /** Planned with settings.dryRun. */
  dryRun?: boolean;
}

export interface ResourceResult {
  group: string;
  /** The version part of the apiVersion ("v1"). */
  version: string;
  kind: string;
  namespace: string;
  name: string;
  status: 'Synced' | 'Pruned' | 'PruneSkipped' | 'SyncFailed';
  message: string;
  hookPhase?: 'Running' | 'Succeeded' | 'Failed';
  /** The phase the task ran in (a hook may run in several). */
  syncPhase?: SyncPhase;
  operation: 'created' | 'configured' | 'unchanged' | 'pruned' | 'skipped' | 'failed';
}

export interface SyncState {
  /**
   * Where the sync is: SYNC_PHASES index and sync-wave number of the step running now (or
   * next). On resume, steps before (phaseIndex, waveIndex) count as done. phaseIndex 3 means
   * the sync failed and SyncFail hooks are running.
   */
  phaseIndex: number;
  waveIndex: number;
  results: ResourceResult[];
  phase: 'Running' | 'Succeeded' | 'Failed';
  message?: string;
}

export interface SyncContext {
  client: Client;
  clock: Clock;
  /** A fresh read of one object (version: the version part of its apiVersion); undefined when missing. */
  getLive(id: ResourceId & { version?: string }): Promise<KubeObject | undefined>;
  /** undefined health counts as healthy. */
  assessHealth(obj: KubeObject): HealthStatus | undefined;
  onProgress?(state: SyncState): void | Promise<void>;
  /** Aborting stops between requests; runSync then resolves with the state so far, still Running. */
  signal?: AbortSignal;
  /** Longest wait for one step's resources to become healthy (default 5 minutes). */
  waveTimeoutMs?: number;
  /** Health polling interval while waiting on a step (default 100 ms of ctx.clock). */
  pollMs?: number;
}

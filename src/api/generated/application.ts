/* Generated from schemas/ by npm run gen. Do not edit. */

import type {
  ObjectMeta,
  Time,
} from "./common.js";

export type SyncStatusCode = "Synced" | "OutOfSync" | "Unknown";
export type HealthStatusCode = "Healthy" | "Progressing" | "Degraded" | "Suspended" | "Missing" | "Unknown";
/**
 * A set of Kubernetes manifests in a Git repository that gitplane keeps in sync with the cluster.
 */
export interface Application {
  apiVersion: "gitplane.io/v1alpha1";
  kind: "Application";
  metadata: ObjectMeta;
  spec: ApplicationSpec;
  status?: ApplicationStatus;
  operation?: Operation;
}
export interface ApplicationSpec {
  source: ApplicationSource;
  destination: ApplicationDestination;
  syncPolicy?: SyncPolicy;
  /**
   * Fields whose differences between Git and the cluster are ignored.
   */
  ignoreDifferences?: ResourceIgnoreDifferences[];
  previews?: ApplicationPreviews;
}
/**
 * Where the manifests come from.
 */
export interface ApplicationSource {
  /**
   * URL or local path of the Git repository.
   */
  repoURL: string;
  /**
   * Branch, tag or commit to sync to.
   *
   * @default "HEAD"
   */
  targetRevision?: string;
  /**
   * Directory inside the repository that holds the manifests.
   *
   * @default "."
   */
  path?: string;
  directory?: ApplicationSourceDirectory;
  /**
   * Secret in the Application's namespace with credentials for a remote repository: username and password, or token.
   */
  secretRef?: {
    name: string;
  };
  /**
   * Cron expression (seconds allowed, 6 fields) for polling a remote repository; default every 3 minutes. Local repositories are watched, not polled.
   */
  pollInterval?: string;
}
/**
 * Options for plain directories of YAML/JSON manifests.
 */
export interface ApplicationSourceDirectory {
  /**
   * Include subdirectories.
   *
   * @default false
   */
  recurse?: boolean;
  /**
   * Glob of file names to include, e.g. "{*.yaml,*.yml}".
   */
  include?: string;
  /**
   * Glob of file names to exclude.
   */
  exclude?: string;
}
/**
 * Where the manifests are applied.
 */
export interface ApplicationDestination {
  /**
   * Namespace for namespaced resources that do not set one.
   */
  namespace?: string;
}
/**
 * When and how a sync is performed.
 */
export interface SyncPolicy {
  automated?: SyncPolicyAutomated;
  /**
   * Options such as "CreateNamespace=true", "PruneLast=true", "ServerSideApply=true".
   */
  syncOptions?: string[];
  retry?: RetryStrategy;
}
/**
 * Sync automatically when the desired state differs from the live state.
 */
export interface SyncPolicyAutomated {
  /**
   * Delete resources that are no longer in Git.
   *
   * @default false
   */
  prune?: boolean;
  /**
   * Revert changes made to live resources outside Git.
   *
   * @default false
   */
  selfHeal?: boolean;
  /**
   * Allow syncing to an empty set of resources.
   *
   * @default false
   */
  allowEmpty?: boolean;
}
/**
 * How failed syncs are retried.
 */
export interface RetryStrategy {
  /**
   * Maximum number of attempts; a negative number means unlimited.
   */
  limit?: number;
  backoff?: Backoff;
}
export interface Backoff {
  /**
   * First delay, e.g. "5s", "2m".
   *
   * @default "5s"
   */
  duration?: string;
  /**
   * Multiplier applied to the delay after each failure.
   *
   * @default 2
   */
  factor?: number;
  /**
   * Upper bound of the delay.
   *
   * @default "3m"
   */
  maxDuration?: string;
}
export interface ResourceIgnoreDifferences {
  group?: string;
  kind: string;
  name?: string;
  namespace?: string;
  /**
   * RFC 6901 pointers, e.g. "/spec/replicas".
   */
  jsonPointers?: string[];
  /**
   * jq path expressions, e.g. ".spec.template.spec.containers[].image".
   */
  jqPathExpressions?: string[];
}
/**
 * Deploy branches other than targetRevision into their own namespaces, e.g. for pull requests.
 */
export interface ApplicationPreviews {
  /**
   * Glob patterns of branch names to preview, e.g. "feature/*".
   */
  branches?: string[];
  /**
   * Namespace for a preview; {{app}} and {{branch}} are replaced (branch slugified), e.g. "{{app}}-{{branch}}".
   */
  namespaceTemplate?: string;
}
export interface ApplicationStatus {
  observedGeneration?: number;
  reconciledAt?: Time;
  sync?: SyncStatus;
  health?: HealthStatus;
  /**
   * Every resource the application manages, with its sync and health status.
   */
  resources?: ResourceStatus[];
  operationState?: OperationState;
  /**
   * Deployments, most recent last.
   */
  history?: RevisionHistory[];
  conditions?: ApplicationCondition[];
  inventory?: Inventory;
  /**
   * Directory or Kustomize.
   */
  sourceType?: string;
  autoSyncDisabledReason?: string;
  /**
   * Branch previews deployed from spec.previews.
   */
  previews?: PreviewStatus[];
  summary?: ApplicationSummary;
}
export interface SyncStatus {
  status: SyncStatusCode;
  /**
   * The commit the comparison was made against.
   */
  revision?: string;
}
export interface HealthStatus {
  status: HealthStatusCode;
  message?: string;
}
export interface ResourceStatus {
  group?: string;
  version?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  status?: SyncStatusCode;
  health?: HealthStatus;
  requiresPruning?: boolean;
  hook?: boolean;
}
/**
 * The current or last sync operation.
 */
export interface OperationState {
  phase: "Running" | "Succeeded" | "Failed" | "Error" | "Terminating";
  message?: string;
  startedAt?: Time;
  finishedAt?: Time;
  syncResult?: SyncOperationResult;
  /**
   * The operation this state is about: automated, sync or rollback.
   */
  operation?: string;
  revision?: string;
  /**
   * Where a running sync is, so a restarted controller resumes it.
   */
  syncState?: {
    phaseIndex?: number;
    waveIndex?: number;
  };
  retryCount?: number;
  /**
   * Resources the operation found already in sync (they are counted here, not listed in syncResult).
   */
  unchanged?: number;
}
export interface SyncOperationResult {
  revision?: string;
  resources?: ResourceResult[];
}
export interface ResourceResult {
  group?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  status?: "Synced" | "Pruned" | "PruneSkipped" | "SyncFailed";
  message?: string;
  hookPhase?: string;
  version?: string;
  /**
   * created, configured, unchanged, pruned, skipped or failed.
   */
  operation?: string;
}
export interface RevisionHistory {
  id: number;
  /**
   * Commit SHA that was deployed.
   */
  revision: string;
  author?: string;
  committer?: string;
  /**
   * Commit message.
   */
  message?: string;
  deployedAt?: Time;
  healthyAt?: Time;
  resources?: RevisionResourceCounts;
}
export interface RevisionResourceCounts {
  created?: number;
  configured?: number;
  pruned?: number;
}
export interface ApplicationCondition {
  /**
   * E.g. ComparisonError, InvalidSpecError, SyncError.
   */
  type: string;
  message: string;
  lastTransitionTime?: Time;
  /**
   * Manifest file in the repository the condition is about, if any.
   */
  file?: string;
  /**
   * 1-based line in file, if known.
   */
  line?: number;
}
/**
 * What the last successful sync applied; pruning only ever deletes entries listed here.
 */
export interface Inventory {
  revision?: string;
  entries?: InventoryEntry[];
}
export interface InventoryEntry {
  group?: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
}
export interface PreviewStatus {
  branch: string;
  application?: string;
  namespace?: string;
  revision?: string;
  /**
   * The tracked branch's head when the preview was created (a fast-forward merge is seen when it moves onto the branch).
   */
  baseRevision?: string;
}
export interface ApplicationSummary {
  resources?: number;
  outOfSync?: number;
}
/**
 * A requested operation; the controller runs it, records the outcome in status.operationState and clears this field.
 */
export interface Operation {
  sync?: SyncOperation;
  rollback?: RollbackOperation;
  initiatedBy?: string;
}
export interface SyncOperation {
  /**
   * Revision to sync to instead of targetRevision (an emergency sync to an older commit, without a commit).
   */
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
}
/**
 * Write a revert commit on the tracked branch.
 */
export interface RollbackOperation {
  /**
   * Commit to revert.
   */
  revision?: string;
  /**
   * Revert every commit deployed after this history entry, newest first.
   */
  historyId?: number;
  /**
   * "Name <email>" of the person asking.
   */
  author?: string;
}

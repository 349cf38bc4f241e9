// The words the GitOps engine's parts share. source/ turns a Git revision into a
// RepoSnapshot; render/ turns a snapshot into DesiredObjects (or RenderErrors that
// name file and line); diff/ compares one desired object with its live twin; sync/
// applies and prunes in order; health/ judges live objects. Only the Application
// controller knows about all of them; diff, sync and health know nothing of Git.

import type { KubeObject } from '../api/validation.js';

export type { KubeObject };

/** One file of a snapshot: a repo-relative POSIX path and its blob id. */
export interface FileEntry {
  path: string;
  oid: string;
}

export interface FileContent extends FileEntry {
  text: string;
}

/** The files of one commit, read lazily (and incrementally: unchanged trees and blobs come from cache). */
export interface RepoSnapshot {
  /** The commit's SHA-1. */
  readonly revision: string;
  /**
   * Files (not directories) under `dir` (repo-relative, "" or "." for the root), sorted by path;
   * with `recurse`, files of subdirectories too. A missing directory gives [].
   */
  listFiles(dir: string, recurse: boolean): Promise<FileEntry[]>;
  /** A file's content, or undefined when the path is not a file in this commit. */
  readFile(path: string): Promise<FileContent | undefined>;
}

export interface GitIdentity {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  timestamp: number;
}

export interface CommitInfo {
  sha: string;
  author: GitIdentity;
  committer: GitIdentity;
  message: string;
  parents: string[];
}

/** Where an object came from: a repo-relative file and the 1-based line its document starts on. */
export interface SourceRef {
  file: string;
  line: number;
}

/** An object rendered from Git, ready to diff: namespace filled in for namespaced kinds. */
export interface DesiredObject {
  object: KubeObject;
  source: SourceRef;
}

/** Why rendering failed: always the file; the line and field when known. */
export interface RenderError {
  file: string;
  line?: number;
  /** Kubernetes field path, e.g. "spec.replicas". */
  field?: string;
  message: string;
}

/** Identity of a resource across revisions (the version is not part of identity). */
export interface ResourceId {
  /** "" for the core group. */
  group: string;
  kind: string;
  /** "" for cluster-scoped kinds. */
  namespace: string;
  name: string;
}

/** "group/kind/namespace/name", e.g. "apps/Deployment/web/frontend" or "/Namespace//web". */
export function resourceKey(id: ResourceId): string {
  return `${id.group}/${id.kind}/${id.namespace}/${id.name}`;
}

export function resourceIdOf(obj: { apiVersion?: string; kind?: string; metadata?: { namespace?: string; name?: string } }): ResourceId {
  const apiVersion = obj.apiVersion ?? '';
  const slash = apiVersion.indexOf('/');
  return {
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    kind: obj.kind ?? '',
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
  };
}

/** "apps/v1", or "v1" for the core group: the apiVersion of an inventory entry (group + version). */
export function apiVersionOf(entry: { group?: string; version: string }): string {
  return entry.group ? `${entry.group}/${entry.version}` : entry.version;
}

/** "Deployment web/frontend", "Namespace web": how messages name a resource. */
export function describeResource(id: ResourceId): string {
  return id.namespace ? `${id.kind} ${id.namespace}/${id.name}` : `${id.kind} ${id.name}`;
}

export type SyncStatusCode = 'Synced' | 'OutOfSync' | 'Unknown';
export type HealthStatusCode = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';

export interface HealthStatus {
  status: HealthStatusCode;
  message?: string;
}

/** Annotations and labels gitplane writes on what it applies, and reads from Git. */
export const ANNOTATIONS = {
  /** The desired object as last applied (JSON), for three-way diffs and patches. */
  lastApplied: 'gitplane.io/last-applied-configuration',
  /** "<appNamespace>_<appName>:<group>/<kind>:<namespace>/<name>": which app owns the object. */
  trackingId: 'gitplane.io/tracking-id',
  /** Sync wave (integer, default 0); lower waves apply first. */
  syncWave: 'gitplane.io/sync-wave',
  /** Hook phase(s), comma-separated: PreSync, Sync, PostSync, SyncFail, Skip. */
  hook: 'gitplane.io/hook',
  /** Hook delete policies, comma-separated: HookSucceeded, HookFailed, BeforeHookCreation (default). */
  hookDeletePolicy: 'gitplane.io/hook-delete-policy',
  /** Per-resource options, comma-separated: Prune=false, Delete=false, Validate=false, ServerSideApply=true. */
  syncOptions: 'gitplane.io/sync-options',
} as const;

/** Argo CD's spellings, accepted on manifests so existing repositories work unchanged. */
export const ARGO_ANNOTATIONS = {
  syncWave: 'argocd.argoproj.io/sync-wave',
  hook: 'argocd.argoproj.io/hook',
  hookDeletePolicy: 'argocd.argoproj.io/hook-delete-policy',
  syncOptions: 'argocd.argoproj.io/sync-options',
} as const;

/** Label put on everything an Application applies: the app's name. */
export const APP_LABEL = 'gitplane.io/app';

export function trackingIdFor(app: { namespace: string; name: string }, id: ResourceId): string {
  return `${app.namespace}_${app.name}:${id.group}/${id.kind}:${id.namespace}/${id.name}`;
}

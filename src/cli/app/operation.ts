// The pure part of `app sync` and `app rollback`: the merge patches that request
// an operation from the controller, and how to tell that the controller has
// finished *our* request (operationState changed, not Running, and ours).

import type { Application, OperationState, RevisionHistory } from '../../api/generated/index.js';
import { UsageProblem } from './spec.js';

export interface SyncRequestFlags {
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
}

export interface OperationPatch {
  operation: {
    sync?: { revision?: string; prune?: boolean; dryRun?: boolean };
    rollback?: { revision?: string; historyId?: number; author: string };
    initiatedBy: string;
  };
}

/** What the controller records as operationState.operation for a request. */
export type ExpectedOperation = { kind: 'sync'; initiatedBy: string } | { kind: 'rollback' };

export function initiator(user: string): string {
  return `user:${user || 'unknown'}`;
}

export function buildSyncPatch(flags: SyncRequestFlags, user: string): OperationPatch {
  const sync: NonNullable<OperationPatch['operation']['sync']> = {};
  if (flags.revision) sync.revision = flags.revision;
  if (flags.prune) sync.prune = true;
  if (flags.dryRun) sync.dryRun = true;
  return { operation: { sync, initiatedBy: initiator(user) } };
}

export interface RollbackFlags {
  /** REVISION argument. With a commit: the commit to revert; with --no-commit: the revision to sync to. */
  revision?: string;
  /** --to HISTORY_ID. */
  to?: number;
  noCommit?: boolean;
  author: string;
}

export interface RollbackPlan {
  patch: OperationPatch;
  expect: ExpectedOperation;
  /** --no-commit: the revision synced to. */
  syncRevision?: string;
  /** One line saying what is about to happen. */
  summary: string;
}

/**
 * The request for `app rollback`. Without --no-commit the controller writes revert commits
 * (of REVISION, of everything after history entry --to, or of the last deployment). With
 * --no-commit it syncs to REVISION, to entry --to's revision, or to the deployment before
 * the last one. Throws UsageProblem for contradictory flags, an Error when the history does
 * not allow the request.
 */
export function planRollback(app: Application, flags: RollbackFlags, user: string): RollbackPlan {
  if (flags.revision && flags.to !== undefined) throw new UsageProblem('give either a REVISION or --to HISTORY_ID, not both');
  const history = app.status?.history ?? [];
  const name = app.metadata.name ?? '';
  const entry = flags.to === undefined ? undefined : findEntry(history, flags.to, name);
  if (flags.noCommit) {
    const revision = flags.revision ?? entry?.revision ?? previousDeployment(history, name).revision;
    const patch = buildSyncPatch({ revision }, user);
    return {
      patch,
      expect: { kind: 'sync', initiatedBy: patch.operation.initiatedBy },
      syncRevision: revision,
      summary: `syncing ${name} to ${short(revision)} without a commit`,
    };
  }
  const rollback: NonNullable<OperationPatch['operation']['rollback']> = { author: flags.author };
  let summary: string;
  if (flags.revision) {
    rollback.revision = flags.revision;
    summary = `reverting ${short(flags.revision)} on ${name}'s branch`;
  } else if (entry) {
    rollback.historyId = entry.id;
    summary = `reverting every commit after history entry ${entry.id} (${short(entry.revision)}) on ${name}'s branch`;
  } else {
    const last = history[history.length - 1];
    if (!last) throw new Error(`${name} has no deployment in its history to roll back; give a REVISION`);
    summary = `reverting the last deployed commit ${short(last.revision)} on ${name}'s branch`;
  }
  return { patch: { operation: { rollback, initiatedBy: initiator(user) } }, expect: { kind: 'rollback' }, summary };
}

function findEntry(history: RevisionHistory[], id: number, name: string): RevisionHistory {
  const entry = history.find((h) => h.id === id);
  if (!entry) throw new Error(`history entry ${id} not found (see gitplane app history ${name})`);
  return entry;
}

function previousDeployment(history: RevisionHistory[], name: string): RevisionHistory {
  const last = history[history.length - 1];
  for (let i = history.length - 2; i >= 0; i--) if (history[i]!.revision !== last?.revision) return history[i]!;
  throw new Error(`${name} has no earlier deployment in its history to go back to; give a REVISION or --to HISTORY_ID`);
}

export function short(revision: string | undefined): string {
  return revision && /^[0-9a-f]{40}$/i.test(revision) ? revision.slice(0, 7) : (revision ?? '');
}

export type OperationProgress =
  /** The controller has not picked the request up yet (app.operation still set, or state unchanged). */
  | { done: false; state?: undefined; settling?: undefined }
  /** Our operation is running; `settling` once it reports a final phase but not yet finishedAt. */
  | { done: false; state: OperationState; settling?: boolean }
  | { done: true; state: OperationState };

/**
 * Where our request is, given operationState before we patched and the app now. Done when
 * the state differs from before, is not Running, is final (finishedAt set), and is ours (a
 * sync by our initiator, or a rollback), so an automated sync finishing meanwhile is not
 * mistaken for ours.
 */
export function operationProgress(before: OperationState | undefined, app: Pick<Application, 'operation' | 'status'>, expect: ExpectedOperation): OperationProgress {
  const after = app.status?.operationState;
  if (app.operation && (app.operation.sync || app.operation.rollback)) return { done: false };
  if (!after || sameState(before, after)) return { done: false };
  const ours = expect.kind === 'rollback' ? after.operation === 'rollback' : after.operation === undefined || after.operation === expect.initiatedBy;
  if (!ours) return { done: false };
  // A sync reports its last phase before its final write (finishedAt, history, resources) lands.
  if (after.phase === 'Running') return { done: false, state: after };
  if (!after.finishedAt) return { done: false, state: after, settling: true };
  return { done: true, state: after };
}

function sameState(a: OperationState | undefined, b: OperationState | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The revert commits a finished rollback reports: "… with abc1234, def5678". */
export function revertCommits(state: OperationState): string[] {
  const m = /\bwith ([0-9a-f]{7,40}(?:, [0-9a-f]{7,40})*)\s*$/.exec(state.message ?? '');
  return m ? m[1]!.split(', ') : [];
}

/** The warning printed after a sync to another revision without a commit. */
export function autoSyncWarning(name: string, revision: string): string[] {
  return [
    `warning: ${name} now runs ${short(revision)}, which is not what Git's target says, and automated sync is OFF`,
    `         so it stays there. Fix forward in Git (or \`gitplane app rollback ${name}\` for a revert commit),`,
    `         then re-enable it: gitplane app set ${name} --auto-sync`,
  ];
}

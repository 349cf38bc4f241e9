// Applying and pruning one task. Apply: POST for a create, the diff's patch (strategic, or
// merge for kinds without patch metadata) with fieldManager "gitplane" otherwise; a conflict
// (409, AlreadyExists, a patch target gone) re-reads the live object and re-diffs, a few times.
// Prune: DELETE with background propagation, on the uid that was planned (precondition).

import type { ResourceClient } from '../../client/index.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../client/index.js';
import { diffResource, patchTypeFor, type IgnoreRule, type ResourceDiff } from '../diff/index.js';
import type { KubeObject } from '../types.js';
import type { ResourceResult, SyncContext, SyncTask } from './types.js';

export const FIELD_MANAGER = 'gitplane';
const MAX_ATTEMPTS = 5;

export function versionOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

/** A result for a task, naming its resource. */
export function resultFor(task: SyncTask, fields: Pick<ResourceResult, 'status' | 'message' | 'operation'> & Partial<ResourceResult>): ResourceResult {
  return { group: task.id.group, version: versionOf(task.apiVersion), kind: task.id.kind, namespace: task.id.namespace, name: task.id.name, syncPhase: task.phase, ...fields };
}

export function resourceClientFor(ctx: SyncContext, task: SyncTask): ResourceClient<KubeObject> {
  const rc = ctx.client.resource(task.apiVersion, task.id.kind);
  return task.id.namespace ? rc.namespace(task.id.namespace) : rc;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function liveIdOf(task: SyncTask): SyncTask['id'] & { version: string } {
  return { ...task.id, version: versionOf(task.apiVersion) };
}

/** Creates or patches the task's object; never throws. */
export async function applyResource(task: SyncTask, ctx: SyncContext, opts: { dryRun?: boolean; ignore?: IgnoreRule[] }): Promise<ResourceResult> {
  const suffix = opts.dryRun ? ' (dry run)' : '';
  if (task.skip) return resultFor(task, { status: 'Synced', operation: 'unchanged', message: 'already synced (ApplyOutOfSyncOnly)' });
  const applied = task.applied!;
  let diff = task.diff;
  let action: ResourceDiff['action'] = diff?.action ?? (task.action === 'none' ? 'none' : 'create');
  // No abort signal on writes: a write is finished or not sent, never left half-known.
  const write = { fieldManager: FIELD_MANAGER, ...(opts.dryRun ? { dryRun: true } : {}) };
  for (let attempt = 1; ; attempt++) {
    try {
      const rc = resourceClientFor(ctx, task);
      if (action === 'none') return resultFor(task, { status: 'Synced', operation: 'unchanged', message: `unchanged${suffix}` });
      if (action === 'create') {
        await rc.create(applied, write);
        return resultFor(task, { status: 'Synced', operation: 'created', message: `created${suffix}` });
      }
      await rc.patch(task.id.name, diff!.body, diff!.patchType ?? patchTypeFor(task.apiVersion, task.id.kind), write);
      return resultFor(task, { status: 'Synced', operation: 'configured', message: `configured${suffix}` });
    } catch (err) {
      const retry = isConflict(err) || isAlreadyExists(err) || (isNotFound(err) && action === 'patch');
      if (!retry || attempt >= MAX_ATTEMPTS || ctx.signal?.aborted) return resultFor(task, { status: 'SyncFailed', operation: 'failed', message: errorMessage(err) });
    }
    // Someone else wrote meanwhile: diff again against a fresh read.
    try {
      const live = await ctx.getLive(liveIdOf(task));
      if (live === undefined && task.diff === undefined) {
        action = 'create';
        continue;
      }
      diff = diffResource(applied, live, opts.ignore ? { ignore: opts.ignore } : {});
      action = diff.action;
    } catch (err) {
      return resultFor(task, { status: 'SyncFailed', operation: 'failed', message: errorMessage(err) });
    }
  }
}

/** Deletes the task's live object unless the prune is blocked; never throws. */
export async function pruneResource(task: SyncTask, ctx: SyncContext, opts: { dryRun?: boolean }): Promise<ResourceResult> {
  if (task.pruneBlocked) return resultFor(task, { status: 'PruneSkipped', operation: 'skipped', message: `prune skipped: ${task.pruneBlocked}` });
  const uid = task.live?.metadata?.uid;
  try {
    await resourceClientFor(ctx, task).delete(task.id.name, {
      propagationPolicy: 'Background',
      ...(uid ? { preconditions: { uid } } : {}),
      ...(opts.dryRun ? { dryRun: true } : {}),
    });
    return resultFor(task, { status: 'Pruned', operation: 'pruned', message: `pruned${opts.dryRun ? ' (dry run)' : ''}` });
  } catch (err) {
    if (isNotFound(err)) return resultFor(task, { status: 'Pruned', operation: 'pruned', message: 'already deleted' });
    if (isConflict(err)) return resultFor(task, { status: 'PruneSkipped', operation: 'skipped', message: 'prune skipped: the object was replaced after the sync was planned' });
    return resultFor(task, { status: 'SyncFailed', operation: 'failed', message: errorMessage(err) });
  }
}

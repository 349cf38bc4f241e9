// Hooks: objects annotated gitplane.io/hook (or argocd.argoproj.io/hook) run in their phase
// instead of being applied: created afresh (BeforeHookCreation, the default, deletes an
// existing one first), watched until a Job completes or fails (a Pod succeeds or fails; any
// other kind: until healthy), then deleted as their delete policies say.

import { isNotFound } from '../../client/index.js';
import { ANNOTATIONS, type HealthStatus, type KubeObject } from '../types.js';
import { errorMessage, FIELD_MANAGER, liveIdOf, resourceClientFor, resultFor } from './apply.js';
import { sleep } from '../../client/index.js';
import type { ResourceResult, SyncContext, SyncTask } from './types.js';

export interface HookProgress {
  phase: 'Running' | 'Succeeded' | 'Failed';
  message: string;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** How far a hook object has got. */
export function hookProgressOf(obj: KubeObject, assessHealth: (obj: KubeObject) => HealthStatus | undefined): HookProgress {
  const status = (obj.status ?? {}) as { conditions?: Condition[]; phase?: string; message?: string; reason?: string };
  if (obj.kind === 'Job' && obj.apiVersion.startsWith('batch/')) {
    const isTrue = (type: string): Condition | undefined => status.conditions?.find((c) => c.type === type && c.status === 'True');
    const failed = isTrue('Failed') ?? isTrue('FailureTarget');
    if (failed) return { phase: 'Failed', message: failed.message || failed.reason || 'job failed' };
    const done = isTrue('Complete') ?? isTrue('SuccessCriteriaMet');
    if (done) return { phase: 'Succeeded', message: done.message || 'job completed' };
    return { phase: 'Running', message: 'job running' };
  }
  if (obj.kind === 'Pod' && obj.apiVersion === 'v1') {
    if (status.phase === 'Succeeded') return { phase: 'Succeeded', message: status.message || 'pod succeeded' };
    if (status.phase === 'Failed') return { phase: 'Failed', message: status.message || status.reason || 'pod failed' };
    return { phase: 'Running', message: `pod ${status.phase ?? 'Pending'}` };
  }
  const health = assessHealth(obj);
  if (!health || health.status === 'Healthy' || health.status === 'Suspended') return { phase: 'Succeeded', message: health?.message || 'healthy' };
  if (health.status === 'Degraded') return { phase: 'Failed', message: health.message || 'degraded' };
  return { phase: 'Running', message: health.message || health.status };
}

/**
 * Starts a hook; never throws. `prior` is this task's result from the state being resumed:
 * a finished hook is not run again, a running one is adopted when its object still exists.
 */
export async function startHook(task: SyncTask, ctx: SyncContext, prior: ResourceResult | undefined, timeoutMs: number): Promise<ResourceResult> {
  if (prior?.hookPhase === 'Succeeded' || prior?.hookPhase === 'Failed') return prior;
  try {
    const rc = resourceClientFor(ctx, task);
    const existing = await ctx.getLive(liveIdOf(task));
    const trackingId = existing?.metadata?.annotations?.[ANNOTATIONS.trackingId];
    const ours = trackingId !== undefined && trackingId === task.applied?.metadata?.annotations?.[ANNOTATIONS.trackingId];
    if (existing && prior?.hookPhase === 'Running' && ours && !existing.metadata?.deletionTimestamp) return prior;
    if (existing && task.hookDeletePolicies?.includes('BeforeHookCreation')) {
      await rc.delete(task.id.name, { propagationPolicy: 'Background' }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      const deadline = ctx.clock.now() + timeoutMs;
      while (await ctx.getLive(liveIdOf(task))) {
        if (ctx.clock.now() >= deadline) throw new Error('timed out waiting for the previous hook object to be deleted');
        if (ctx.signal?.aborted) throw new Error('sync interrupted');
        await sleep(ctx.clock, ctx.pollMs ?? 100, ctx.signal);
      }
    }
    await rc.create(task.applied!, { fieldManager: FIELD_MANAGER });
    return resultFor(task, { status: 'Synced', operation: 'created', hookPhase: 'Running', message: 'hook created' });
  } catch (err) {
    return resultFor(task, { status: 'SyncFailed', operation: 'failed', hookPhase: 'Failed', message: errorMessage(err) });
  }
}

/** Deletes a finished hook when its policies ask for it; returns a message when that failed. */
export async function deleteFinishedHook(task: SyncTask, ctx: SyncContext, phase: 'Succeeded' | 'Failed'): Promise<string | undefined> {
  const policy = phase === 'Succeeded' ? 'HookSucceeded' : 'HookFailed';
  if (!task.hookDeletePolicies?.includes(policy)) return undefined;
  try {
    await resourceClientFor(ctx, task).delete(task.id.name, { propagationPolicy: 'Background' });
  } catch (err) {
    if (!isNotFound(err)) return `could not delete hook: ${errorMessage(err)}`;
  }
  return undefined;
}

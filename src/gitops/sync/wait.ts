// Waiting for a step (one phase/wave) to settle before the next starts: every applied
// resource healthy (fresh read + assessHealth; undefined, Healthy, Suspended and Unknown
// pass, Progressing and Missing wait, Degraded fails) and every hook finished. Polls on the
// injected clock until the wave timeout.

import { describeResource, type HealthStatus } from '../types.js';
import { errorMessage, liveIdOf } from './apply.js';
import { deleteFinishedHook, hookProgressOf } from './hooks.js';
import { sleep } from '../../client/index.js';
import type { ResourceResult, SyncContext, SyncTask } from './types.js';

export interface Watched {
  task: SyncTask;
  hook: boolean;
}

export const ABORTED = Symbol('aborted');
const DEFAULT_WAVE_TIMEOUT_MS = 5 * 60_000;

/**
 * Resolves undefined when all watched tasks are done, a failure message when one fails or
 * time runs out, ABORTED when ctx.signal fires. `record` receives updated hook results.
 */
export async function waitForStep(watched: Watched[], ctx: SyncContext, record: (task: SyncTask, update: Partial<ResourceResult>) => void): Promise<string | undefined | typeof ABORTED> {
  const timeoutMs = ctx.waveTimeoutMs ?? DEFAULT_WAVE_TIMEOUT_MS;
  const deadline = ctx.clock.now() + timeoutMs;
  let pending = watched;
  const last = new Map<SyncTask, string>();
  for (;;) {
    if (ctx.signal?.aborted) return ABORTED;
    const next: Watched[] = [];
    const failures: string[] = [];
    for (const w of pending) {
      const { task } = w;
      let obj;
      try {
        // An object the sync did not change is judged first from the copy the plan was made
        // with; only one that is not healthy there is read again.
        const known = pending === watched && task.action === 'none' && task.live && ctx.assessHealth(task.live);
        obj = known && (known.status === 'Healthy' || known.status === 'Suspended') ? task.live : await ctx.getLive(liveIdOf(task));
      } catch (err) {
        // A failed read is not a verdict: look again on the next poll.
        last.set(task, `cannot read: ${errorMessage(err)}`);
        next.push(w);
        continue;
      }
      if (w.hook) {
        const progress = obj ? hookProgressOf(obj, ctx.assessHealth) : { phase: 'Failed' as const, message: 'the hook object was deleted before it finished' };
        if (progress.phase === 'Running') {
          last.set(task, progress.message);
          next.push(w);
          continue;
        }
        const deleteError = await deleteFinishedHook(task, ctx, progress.phase);
        const message = deleteError ? `${progress.message}; ${deleteError}` : progress.message;
        record(task, { hookPhase: progress.phase, status: progress.phase === 'Succeeded' ? 'Synced' : 'SyncFailed', message, ...(progress.phase === 'Failed' ? { operation: 'failed' } : {}) });
        if (progress.phase === 'Failed') failures.push(`${task.phase} hook ${describeResource(task.id)} failed: ${progress.message}`);
        continue;
      }
      const health: HealthStatus | undefined = obj ? ctx.assessHealth(obj) : { status: 'Missing', message: 'the resource does not exist' };
      if (!health || health.status === 'Healthy' || health.status === 'Suspended' || health.status === 'Unknown') continue;
      if (health.status === 'Degraded') failures.push(`${describeResource(task.id)} is Degraded${health.message ? `: ${health.message}` : ''}`);
      else {
        last.set(task, `${health.status}${health.message ? `: ${health.message}` : ''}`);
        next.push(w);
      }
    }
    if (failures.length > 0) return failures.join('; ');
    if (next.length === 0) return undefined;
    if (ctx.clock.now() >= deadline) {
      const waiting = next.map((w) => `${describeResource(w.task.id)} (${last.get(w.task) ?? 'waiting'})`).join(', ');
      return `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${waiting}`;
    }
    await sleep(ctx.clock, ctx.pollMs ?? 100, ctx.signal);
    pending = next;
  }
}

// runSync: the plan's steps (phase/wave groups) one after another, as a resumable state
// machine. A step applies, prunes and starts hooks task by task (a failed task does not stop
// the others), then waits for health and hooks; any failure fails the sync after that step,
// later steps do not run, and the SyncFail hooks do. The state is reported after every step.

import { describeResource } from '../types.js';
import { applyResource, pruneResource, resultFor } from './apply.js';
import { startHook } from './hooks.js';
import { SYNC_PHASES, type ResourceResult, type SyncContext, type SyncPlan, type SyncState, type SyncTask, type SyncWave } from './types.js';
import { ABORTED, waitForStep, type Watched } from './wait.js';

const SYNC_FAIL = SYNC_PHASES.indexOf('SyncFail');

function resultKey(r: Pick<ResourceResult, 'group' | 'kind' | 'namespace' | 'name' | 'syncPhase'>): string {
  return `${r.syncPhase ?? 'Sync'}|${r.group}/${r.kind}/${r.namespace}/${r.name}`;
}

/**
 * Runs `plan`; with `resume`, steps before (resume.phaseIndex, resume.waveIndex) are taken as
 * done and their results kept. A finished `resume` is returned as is. Never throws for a
 * failing resource; when ctx.signal aborts, resolves with the state so far (still Running).
 */
export async function runSync(plan: SyncPlan, ctx: SyncContext, resume?: SyncState): Promise<SyncState> {
  if (resume && resume.phase !== 'Running') return resume;
  const state: SyncState = { phaseIndex: 0, waveIndex: 0, results: resume ? [...resume.results] : [], phase: 'Running' };
  const index = new Map(state.results.map((r, i) => [resultKey(r), i]));
  const record = (task: SyncTask, update: Partial<ResourceResult>): void => {
    const key = resultKey({ ...task.id, syncPhase: task.phase });
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, state.results.length);
      state.results.push(update as ResourceResult);
    } else state.results[at] = { ...state.results[at], ...update };
  };
  const prior = (task: SyncTask): ResourceResult | undefined => {
    const at = index.get(resultKey({ ...task.id, syncPhase: task.phase }));
    return at === undefined ? undefined : state.results[at];
  };
  const done = (step: SyncWave): boolean => {
    if (!resume) return false;
    const p = SYNC_PHASES.indexOf(step.phase);
    return p < resume.phaseIndex || (p === resume.phaseIndex && step.wave < resume.waveIndex);
  };
  const progress = async (): Promise<void> => {
    await ctx.onProgress?.(structuredClone(state));
  };
  const runSteps = async (steps: SyncWave[]): Promise<string | undefined | typeof ABORTED> => {
    for (const [i, step] of steps.entries()) {
      if (done(step)) continue;
      state.phaseIndex = SYNC_PHASES.indexOf(step.phase);
      state.waveIndex = step.wave;
      await progress();
      // As Argo CD: health gates the next wave; after the last one the sync is done once
      // everything is applied (and its hooks finished) — the app's health reports the rest.
      const outcome = await runStep(step, plan, ctx, record, prior, i < steps.length - 1);
      if (outcome !== undefined) return outcome;
    }
    return undefined;
  };

  let failure: string | undefined = resume && resume.phaseIndex >= SYNC_FAIL ? (resume.message ?? 'the sync failed') : undefined;
  if (failure === undefined) {
    const outcome = await runSteps(plan.waves.filter((s) => s.phase !== 'SyncFail'));
    if (outcome === ABORTED) return state;
    failure = outcome;
  }
  if (failure === undefined) {
    state.phase = 'Succeeded';
    state.message = plan.dryRun ? 'successfully synced (dry run)' : 'successfully synced (all tasks run)';
    await progress();
    return state;
  }
  state.message = failure;
  state.phaseIndex = SYNC_FAIL;
  const steps = plan.waves.filter((s) => s.phase === 'SyncFail');
  if (steps.length > 0 && !plan.dryRun) {
    const outcome = await runSteps(steps);
    if (outcome === ABORTED) return state;
    if (outcome) state.message = `${failure}; SyncFail hooks: ${outcome}`;
  }
  state.phase = 'Failed';
  await progress();
  return state;
}

async function runStep(
  step: SyncWave,
  plan: SyncPlan,
  ctx: SyncContext,
  record: (task: SyncTask, update: Partial<ResourceResult>) => void,
  prior: (task: SyncTask) => ResourceResult | undefined,
  waitForHealth: boolean,
): Promise<string | undefined | typeof ABORTED> {
  const dryRun = plan.dryRun === true;
  const timeoutMs = ctx.waveTimeoutMs ?? 5 * 60_000;
  const watched: Watched[] = [];
  const failures: string[] = [];
  for (const task of step.tasks) {
    if (ctx.signal?.aborted) return ABORTED;
    let result: ResourceResult;
    if (task.action === 'prune') {
      result = await pruneResource(task, ctx, { dryRun });
    } else if (task.action === 'hook') {
      if (dryRun) result = resultFor(task, { status: 'Synced', operation: 'skipped', message: 'hooks do not run in a dry run' });
      else {
        result = await startHook(task, ctx, prior(task), timeoutMs);
        if (result.hookPhase === 'Running') watched.push({ task, hook: true });
      }
    } else {
      result = await applyResource(task, ctx, { dryRun, ...(plan.ignore ? { ignore: plan.ignore } : {}) });
      if (result.status === 'Synced' && task.waitHealth && waitForHealth && !dryRun) watched.push({ task, hook: false });
    }
    record(task, result);
    if (result.status === 'SyncFailed') {
      failures.push(task.action === 'hook' ? `${task.phase} hook ${describeResource(task.id)} failed: ${result.message}` : `${describeResource(task.id)}: ${result.message}`);
    }
  }
  if (failures.length > 0) return `one or more objects failed to apply: ${failures.join('; ')}`;
  if (dryRun || watched.length === 0) return undefined;
  return waitForStep(watched, ctx, record);
}

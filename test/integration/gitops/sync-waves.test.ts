// runSync's ordering against a real in-process API server: waves wait for health (the test
// flips it through updateStatus), Degraded and timeouts fail, hooks run in their phases
// (the test finishes hook Jobs itself: no controllers run), and a saved SyncState resumes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync, type SyncState } from '../../../src/gitops/sync/index.js';
import { ANNOTATIONS, type HealthStatus, type KubeObject } from '../../../src/gitops/types.js';
import { eventually } from '../../support/controllers.js';
import { client, cm, context, deployment, get, job, namespace, plan, rc, resultOf, startCluster, stopCluster, sync } from './sync-helpers.js';

beforeAll(startCluster);
afterAll(stopCluster);

function readyHealth(calls: Map<string, number>, degraded = false) {
  return (obj: KubeObject): HealthStatus | undefined => {
    if (obj.kind !== 'Deployment') return undefined;
    calls.set(obj.metadata.name!, (calls.get(obj.metadata.name!) ?? 0) + 1);
    if (degraded) return { status: 'Degraded', message: 'image pull back-off' };
    const ready = (obj.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0;
    return ready >= (obj.spec as { replicas: number }).replicas ? { status: 'Healthy' } : { status: 'Progressing', message: `${ready} ready` };
  };
}

async function markReady(ns: string, name: string): Promise<void> {
  const d = (await get('apps/v1', 'Deployment', ns, name))!;
  await rc({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns }).updateStatus({ ...d, status: { replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 3, observedGeneration: 1 } });
}

describe('waves', () => {
  it('starts wave 1 only when wave 0 is healthy', async () => {
    const ns = await namespace();
    const calls = new Map<string, number>();
    const running = sync([deployment(ns, 'db'), cm(ns, 'after', {}, { [ANNOTATIONS.syncWave]: '1' })], { ctx: { assessHealth: readyHealth(calls) } });
    await eventually(() => (calls.get('db') ?? 0) >= 5, 'several health checks of wave 0');
    expect(await get('v1', 'ConfigMap', ns, 'after')).toBeUndefined();
    await markReady(ns, 'db');
    const state = await running;
    expect(state.phase).toBe('Succeeded');
    expect(await get('v1', 'ConfigMap', ns, 'after')).toBeDefined();
  });

  it('fails on a Degraded resource, naming it, and on a wave timeout', async () => {
    const ns = await namespace();
    const degraded = await sync([deployment(ns, 'db'), cm(ns, 'after', {}, { [ANNOTATIONS.syncWave]: '1' })], { ctx: { assessHealth: readyHealth(new Map(), true) } });
    expect(degraded.phase).toBe('Failed');
    expect(degraded.message).toBe(`Deployment ${ns}/db is Degraded: image pull back-off`);
    expect(await get('v1', 'ConfigMap', ns, 'after')).toBeUndefined();
    const slow = await sync([deployment(ns, 'slow'), cm(ns, 'after', {}, { [ANNOTATIONS.syncWave]: '1' })], { ctx: { assessHealth: readyHealth(new Map()), waveTimeoutMs: 200 } });
    expect(slow.phase).toBe('Failed');
    expect(slow.message).toMatch(new RegExp(`timed out .* Deployment ${ns}/slow \\(Progressing: 0 ready\\)`));
  });

  it('resumes after wave 0 from a saved SyncState without redoing it', async () => {
    const ns = await namespace();
    const objects = [cm(ns, 'first'), cm(ns, 'second', {}, { [ANNOTATIONS.syncWave]: '1' })];
    const abort = new AbortController();
    const saved: SyncState[] = [];
    const interrupted = await sync(objects, {
      ctx: {
        signal: abort.signal,
        onProgress: (s) => {
          saved.push(s);
          if (s.waveIndex === 1) abort.abort(); // the controller dies as wave 1 starts
        },
      },
    });
    expect(interrupted).toMatchObject({ phase: 'Running', phaseIndex: 1, waveIndex: 1 });
    expect(await get('v1', 'ConfigMap', ns, 'second')).toBeUndefined();
    // What the controller stored, through JSON; then wave 0's object disappears: a resume must not redo wave 0.
    const stored = JSON.parse(JSON.stringify(saved[saved.length - 1])) as SyncState;
    await client.configMaps.namespace(ns).delete('first');
    const state = await runSync(await plan(objects), context(), stored);
    expect(state.phase).toBe('Succeeded');
    expect(state.results.map((r) => `${r.name}:${r.operation}`)).toEqual(['first:created', 'second:created']);
    expect(await get('v1', 'ConfigMap', ns, 'first')).toBeUndefined();
    expect(await get('v1', 'ConfigMap', ns, 'second')).toBeDefined();
  });
});

async function finishJob(ns: string, name: string, type: 'Complete' | 'Failed'): Promise<void> {
  const j = await eventually(() => get('batch/v1', 'Job', ns, name), `hook job ${name}`);
  const now = new Date().toISOString();
  await rc({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns }).updateStatus({
    ...j,
    status: {
      startTime: now,
      ...(type === 'Complete' ? { completionTime: now, succeeded: 1 } : { failed: 1 }),
      conditions: [{ type, status: 'True', lastProbeTime: now, lastTransitionTime: now, ...(type === 'Failed' ? { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' } : {}) }],
    },
  });
}

describe('hooks', () => {
  it('runs a PreSync hook Job to completion before the Sync phase, then deletes it (HookSucceeded)', async () => {
    const ns = await namespace();
    const running = sync([job(ns, 'migrate', { [ANNOTATIONS.hook]: 'PreSync', [ANNOTATIONS.hookDeletePolicy]: 'HookSucceeded' }), cm(ns, 'app')]);
    await eventually(() => get('batch/v1', 'Job', ns, 'migrate'), 'the hook job');
    expect(await get('v1', 'ConfigMap', ns, 'app')).toBeUndefined();
    await finishJob(ns, 'migrate', 'Complete');
    const state = await running;
    expect(state.phase).toBe('Succeeded');
    expect(resultOf(state, 'migrate')).toMatchObject({ status: 'Synced', hookPhase: 'Succeeded', syncPhase: 'PreSync' });
    expect(await get('v1', 'ConfigMap', ns, 'app')).toBeDefined();
    await eventually(async () => (await get('batch/v1', 'Job', ns, 'migrate')) === undefined, 'hook deleted');
  });

  it('runs PostSync hooks after the Sync phase is healthy; a resumed sync adopts a running hook', async () => {
    const ns = await namespace();
    const objects = [cm(ns, 'app'), job(ns, 'smoke', { [ANNOTATIONS.hook]: 'PostSync' })];
    const abort = new AbortController();
    const first = sync(objects, { ctx: { signal: abort.signal } });
    const hook = await eventually(() => get('batch/v1', 'Job', ns, 'smoke'), 'the PostSync hook');
    expect(await get('v1', 'ConfigMap', ns, 'app')).toBeDefined();
    abort.abort();
    const interrupted = await first;
    expect(interrupted).toMatchObject({ phase: 'Running', phaseIndex: 2 });
    expect(resultOf(interrupted, 'smoke')).toMatchObject({ hookPhase: 'Running' });
    const resumed = runSync(await plan(objects), context(), JSON.parse(JSON.stringify(interrupted)));
    await finishJob(ns, 'smoke', 'Complete');
    const state = await resumed;
    expect(state.phase).toBe('Succeeded');
    expect(resultOf(state, 'smoke')).toMatchObject({ hookPhase: 'Succeeded', syncPhase: 'PostSync' });
    // Adopted, not recreated (BeforeHookCreation would have replaced it).
    expect((await get('batch/v1', 'Job', ns, 'smoke'))!.metadata.uid).toBe(hook.metadata.uid);
  });

  it('a failed PreSync hook fails the sync, skips the Sync phase and runs SyncFail hooks', async () => {
    const ns = await namespace();
    const running = sync([job(ns, 'migrate', { [ANNOTATIONS.hook]: 'PreSync' }), job(ns, 'alert', { [ANNOTATIONS.hook]: 'SyncFail' }), cm(ns, 'app')]);
    await finishJob(ns, 'migrate', 'Failed');
    await finishJob(ns, 'alert', 'Complete');
    const state = await running;
    expect(state.phase).toBe('Failed');
    expect(state.message).toContain(`PreSync hook Job ${ns}/migrate failed: Job has reached the specified backoff limit`);
    expect(resultOf(state, 'migrate')).toMatchObject({ status: 'SyncFailed', hookPhase: 'Failed' });
    expect(resultOf(state, 'alert')).toMatchObject({ hookPhase: 'Succeeded', syncPhase: 'SyncFail' });
    expect(await get('v1', 'ConfigMap', ns, 'app')).toBeUndefined();
    // BeforeHookCreation (the default): the next sync replaces the failed hook with a fresh one.
    const oldUid = (await get('batch/v1', 'Job', ns, 'migrate'))!.metadata.uid;
    const again = sync([job(ns, 'migrate', { [ANNOTATIONS.hook]: 'PreSync' }), cm(ns, 'app')]);
    await eventually(async () => (await get('batch/v1', 'Job', ns, 'migrate'))?.metadata.uid !== oldUid, 'a new hook job');
    await finishJob(ns, 'migrate', 'Complete');
    expect((await again).phase).toBe('Succeeded');
  });
});

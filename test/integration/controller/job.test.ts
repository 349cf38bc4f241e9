// The Job and TTL-after-finished controllers against a real in-process API
// server. No node agent runs: a test-local "kubelet" finishes pods by writing
// their status (Succeeded or Failed, containers terminated with an exit code).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, Job, Pod } from '../../../src/api/generated/index.js';
import type { Client } from '../../../src/client/index.js';
import { newJobController, newTTLAfterFinishedController } from '../../../src/controller/job/index.js';
import { eventually, startControllerTest, type ControllerTest } from '../../support/controllers.js';

let t: ControllerTest;
let client: Client;
const ns = 'jobs';

beforeAll(async () => {
  t = await startControllerTest();
  client = t.client;
  await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await t.run(newJobController(t.ctx, { backoffBaseMs: 100, backoffMaxMs: 1000 }), newTTLAfterFinishedController(t.ctx));
});

afterAll(async () => {
  await t?.close();
});

function job(name: string, spec: Partial<NonNullable<Job['spec']>> = {}, restartPolicy: 'Never' | 'OnFailure' = 'Never'): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns },
    spec: {
      template: { metadata: { labels: { app: name } }, spec: { restartPolicy, containers: [{ name: 'main', image: 'busybox' }] } },
      ...spec,
    },
  };
}

async function podsOf(name: string): Promise<Pod[]> {
  return (await client.pods.namespace(ns).list({ labelSelector: `batch.kubernetes.io/job-name=${name}` })).items;
}

function isActive(p: Pod): boolean {
  return p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata?.deletionTimestamp;
}

/** What a node agent reports when the pod's only container exits. */
async function finishPod(pod: Pod, phase: 'Succeeded' | 'Failed'): Promise<number> {
  const exitCode = phase === 'Succeeded' ? 0 : 1;
  const at = Date.now();
  const now = new Date(at).toISOString();
  await client.pods.namespace(ns).updateStatus({
    ...pod,
    status: {
      ...pod.status,
      phase,
      containerStatuses: [
        {
          name: 'main',
          image: 'busybox',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode, reason: phase === 'Succeeded' ? 'Completed' : 'Error', startedAt: now, finishedAt: now } },
        },
      ],
    },
  });
  return at;
}

async function getJob(name: string): Promise<Job> {
  return client.jobs.namespace(ns).get(name);
}

function condition(j: Job, type: string): { status: string; reason?: string } | undefined {
  return j.status?.conditions?.find((c) => c.type === type);
}

async function events(name: string): Promise<Event[]> {
  return (await client.events.namespace(ns).list()).items.filter((e) => e.involvedObject?.name === name);
}

describe('Job controller', () => {
  it('retries a failing Job up to backoffLimit, then fails it with BackoffLimitExceeded', async () => {
    await client.jobs.namespace(ns).create(job('failing', { backoffLimit: 2 }));
    const failed = new Set<string>();
    const gaps: number[] = [];
    let lastFailure: number | undefined;
    // Fail every pod the controller creates, one at a time, until the Job fails.
    const done = await eventually(
      async () => {
        const pods = await podsOf('failing');
        expect(pods.filter(isActive).length).toBeLessThanOrEqual(1);
        for (const p of pods.filter(isActive)) {
          if (lastFailure !== undefined) gaps.push(Date.now() - lastFailure);
          lastFailure = await finishPod(p, 'Failed');
          failed.add(p.metadata!.name!);
        }
        const j = await getJob('failing');
        return condition(j, 'Failed')?.status === 'True' ? j : undefined;
      },
      'the failing job to fail',
    );
    expect(condition(done, 'Failed')?.reason).toBe('BackoffLimitExceeded');
    expect(condition(done, 'FailureTarget')?.status).toBe('True');
    expect(done.status?.failed).toBe(3);
    expect(done.status?.active).toBe(0);
    expect(failed.size).toBe(3);
    // Replacements came after the exponential backoff: 100 ms, then 200 ms.
    expect(gaps).toHaveLength(2);
    expect(gaps[0]).toBeGreaterThanOrEqual(100);
    expect(gaps[1]).toBeGreaterThanOrEqual(200);
    const pods = await podsOf('failing');
    expect(pods).toHaveLength(3);
    expect(pods.every((p) => p.status?.phase === 'Failed')).toBe(true);
    // Counted pods lose the tracking finalizer; each has a controller ref and the job labels.
    for (const p of pods) {
      expect(p.metadata?.finalizers ?? []).not.toContain('batch.kubernetes.io/job-tracking');
      expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'failing', uid: done.metadata?.uid, controller: true });
      expect(p.metadata?.labels).toMatchObject({ 'job-name': 'failing', 'controller-uid': done.metadata?.uid, 'batch.kubernetes.io/controller-uid': done.metadata?.uid });
    }
    await eventually(async () => (await events('failing')).some((e) => e.reason === 'BackoffLimitExceeded' && e.type === 'Warning'), 'a BackoffLimitExceeded event');
    expect((await events('failing')).some((e) => e.reason === 'SuccessfulCreate')).toBe(true);
  });

  it('runs completions 3 with parallelism 2, never more than 2 active pods, and completes', async () => {
    await client.jobs.namespace(ns).create(job('parallel', { completions: 3, parallelism: 2 }));
    let maxActive = 0;
    const done = await eventually(
      async () => {
        const pods = await podsOf('parallel');
        const active = pods.filter(isActive);
        maxActive = Math.max(maxActive, active.length);
        // Finish one pod per round so the controller has to top up.
        if (active.length > 0) await finishPod(active[0], 'Succeeded');
        const j = await getJob('parallel');
        return condition(j, 'Complete')?.status === 'True' ? j : undefined;
      },
      'the parallel job to complete',
    );
    expect(maxActive).toBeLessThanOrEqual(2);
    expect(maxActive).toBe(2);
    expect(done.status?.succeeded).toBe(3);
    expect(done.status?.active).toBe(0);
    expect(done.status?.completionTime).toBeTruthy();
    expect(done.status?.startTime).toBeTruthy();
    const pods = await podsOf('parallel');
    expect(pods.filter((p) => p.status?.phase === 'Succeeded')).toHaveLength(3);
    expect(pods.filter(isActive)).toHaveLength(0);
    await eventually(async () => (await events('parallel')).some((e) => e.reason === 'Completed'), 'a Completed event');
  });

  it('fails a Job past activeDeadlineSeconds with DeadlineExceeded and deletes its active pods', async () => {
    await client.jobs.namespace(ns).create(job('deadline', { activeDeadlineSeconds: 1, parallelism: 2, completions: 4 }));
    await eventually(async () => (await podsOf('deadline')).filter(isActive).length === 2, 'two running pods');
    const done = await eventually(async () => {
      const j = await getJob('deadline');
      return condition(j, 'Failed')?.status === 'True' ? j : undefined;
    }, 'the job to exceed its deadline');
    expect(condition(done, 'Failed')?.reason).toBe('DeadlineExceeded');
    expect(done.status?.active).toBe(0);
    await eventually(async () => (await podsOf('deadline')).length === 0, 'the active pods to be deleted');
  });

  it('deletes a finished Job ttlSecondsAfterFinished later', async () => {
    await client.jobs.namespace(ns).create(job('ttl', { ttlSecondsAfterFinished: 1 }));
    const pod = await eventually(async () => (await podsOf('ttl')).find(isActive), 'a pod');
    await finishPod(pod, 'Succeeded');
    await eventually(async () => condition(await getJob('ttl'), 'Complete')?.status === 'True', 'the job to complete');
    await eventually(
      async () => {
        try {
          await getJob('ttl');
          return false;
        } catch (err) {
          return (err as { code?: number }).code === 404;
        }
      },
      'the job to be deleted',
    );
  });

  it('creates no pods while suspended, and runs once resumed', async () => {
    await client.jobs.namespace(ns).create(job('suspended', { suspend: true }));
    const suspended = await eventually(async () => {
      const j = await getJob('suspended');
      return condition(j, 'Suspended')?.status === 'True' ? j : undefined;
    }, 'the Suspended condition');
    expect(suspended.status?.startTime).toBeUndefined();
    expect(await podsOf('suspended')).toHaveLength(0);
    await client.jobs.namespace(ns).patch('suspended', { spec: { suspend: false } });
    const pod = await eventually(async () => (await podsOf('suspended')).find(isActive), 'a pod after resuming');
    await finishPod(pod, 'Succeeded');
    const done = await eventually(async () => {
      const j = await getJob('suspended');
      return condition(j, 'Complete')?.status === 'True' ? j : undefined;
    }, 'the resumed job to complete');
    expect(condition(done, 'Suspended')?.status).toBe('False');
  });

  it('with restartPolicy OnFailure, counts container restarts against backoffLimit', async () => {
    await client.jobs.namespace(ns).create(job('restarts', { backoffLimit: 2 }, 'OnFailure'));
    const pod = await eventually(async () => (await podsOf('restarts')).find(isActive), 'a pod');
    // The node agent restarts the failing container in place, twice.
    await client.pods.namespace(ns).updateStatus({
      ...pod,
      status: {
        ...pod.status,
        phase: 'Running',
        containerStatuses: [{ name: 'main', image: 'busybox', imageID: '', ready: false, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
      },
    });
    const done = await eventually(async () => {
      const j = await getJob('restarts');
      return condition(j, 'Failed')?.status === 'True' ? j : undefined;
    }, 'the job to fail');
    expect(condition(done, 'Failed')?.reason).toBe('BackoffLimitExceeded');
    // The running pod was deleted and counted as failed.
    expect(done.status?.failed).toBe(1);
    await eventually(async () => (await podsOf('restarts')).length === 0, 'the pod to be deleted');
  });

  it('gives Indexed pods completion indexes and records completedIndexes', async () => {
    await client.jobs.namespace(ns).create(job('indexed', { completionMode: 'Indexed', completions: 3, parallelism: 3 }));
    const pods = await eventually(async () => {
      const p = (await podsOf('indexed')).filter(isActive);
      return p.length === 3 ? p : undefined;
    }, 'three indexed pods');
    const indexes = pods.map((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']).sort();
    expect(indexes).toEqual(['0', '1', '2']);
    expect(pods.every((p) => p.spec?.hostname === `indexed-${p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']}`)).toBe(true);
    // Index 1 fails once and is recreated with the same index.
    const one = pods.find((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] === '1')!;
    await finishPod(one, 'Failed');
    const replacement = await eventually(
      async () => (await podsOf('indexed')).find((p) => isActive(p) && p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] === '1' && p.metadata?.name !== one.metadata?.name),
      'a replacement for index 1',
    );
    for (const p of [...pods.filter((p) => p !== one), replacement]) await finishPod(await client.pods.namespace(ns).get(p.metadata!.name!), 'Succeeded');
    const done = await eventually(async () => {
      const j = await getJob('indexed');
      return condition(j, 'Complete')?.status === 'True' ? j : undefined;
    }, 'the indexed job to complete');
    expect(done.status?.completedIndexes).toBe('0-2');
    expect(done.status?.succeeded).toBe(3);
    expect(done.status?.failed).toBe(1);
  });
});

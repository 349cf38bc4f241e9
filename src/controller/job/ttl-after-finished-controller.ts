// The TTL-after-finished controller, after kube's pkg/controller/ttlafterfinished:
// a finished Job (Complete or Failed) with spec.ttlSecondsAfterFinished is
// deleted that long after it finished. Before deleting, the Job is read again
// from the API server (the TTL may have been changed or the Job replaced), and
// the delete is guarded by the Job's UID and resourceVersion.
//
// Difference from kube: the delete uses Background propagation (kube uses
// Foreground), so the Job is gone at once and its pods follow through the
// garbage collector.

import type { Job } from '../../api/generated/index.js';
import { DeletedFinalStateUnknown, isConflict, isNotFound, type Lister, type ReconcileResult } from '../../client/index.js';
import type { Controller, ControllerContext } from '../runtime/context.js';
import { keyOf, QueueController, splitKey } from '../runtime/queue-controller.js';
import { jobFinishTime } from './util.js';

export interface TTLAfterFinishedControllerOptions {
  workers?: number;
}

/** When the Job should be deleted (ms), or undefined when it has no TTL or is not finished. */
export function jobExpireAt(job: Job): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || job.metadata?.deletionTimestamp) return undefined;
  const finished = jobFinishTime(job);
  if (finished === undefined) return undefined;
  return finished + ttl * 1000;
}

export function newTTLAfterFinishedController(ctx: ControllerContext, opts: TTLAfterFinishedControllerOptions = {}): Controller {
  const { client, clock } = ctx;
  const jobInformer = ctx.informers.informerFor<Job>('batch/v1', 'Job');
  const jobLister: Lister<Job> = jobInformer.lister();

  async function processJob(key: string): Promise<ReconcileResult> {
    const { namespace = '', name } = splitKey(key);
    const cached = jobLister.get(namespace, name);
    if (!cached) return undefined;
    const expireAt = jobExpireAt(cached);
    if (expireAt === undefined) return undefined;
    const now = clock.now();
    if (now < expireAt) return { requeueAfterMs: expireAt - now };

    // The cache may be stale: decide on the Job as the API server has it now.
    const jobs = client.jobs.namespace(namespace);
    let fresh: Job;
    try {
      fresh = await jobs.get(name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const freshExpire = jobExpireAt(fresh);
    if (freshExpire === undefined) return undefined;
    if (now < freshExpire) return { requeueAfterMs: freshExpire - now };
    try {
      await jobs.delete(name, {
        propagationPolicy: 'Background',
        preconditions: { uid: fresh.metadata?.uid, resourceVersion: fresh.metadata?.resourceVersion },
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      if (isConflict(err)) return { requeue: true };
      throw err;
    }
    return undefined;
  }

  const controller = new QueueController({
    name: 'ttl-after-finished-controller',
    ctx,
    workers: opts.workers ?? 1,
    reconcile: processJob,
    setup(enqueue) {
      const maybeEnqueue = (job: Job): void => {
        if (jobExpireAt(job) !== undefined) enqueue(keyOf(job));
      };
      jobInformer.addEventHandler({
        onAdd: maybeEnqueue,
        onUpdate: (_old, job) => maybeEnqueue(job),
        onDelete: (obj) => void (obj instanceof DeletedFinalStateUnknown ? obj.obj : obj),
      });
    },
  });
  return controller;
}

// The Job controller, after kube's pkg/controller/job: runs pods until
// `completions` of them succeed (or, without completions, until one does and
// the rest stop), at most `parallelism` at a time; fails the Job when more
// pods failed than `backoffLimit` (restartPolicy Never) or its pods' containers
// restarted that often (OnFailure), or when it ran longer than
// `activeDeadlineSeconds`; recreates failed pods after an exponential backoff;
// honours `suspend`; Indexed jobs give each pod a completion index.
//
// Pods are counted as kube does since 1.26: every pod carries the
// `batch.kubernetes.io/job-tracking` finalizer; a finished pod's UID is first
// written to status.uncountedTerminatedPods, then its finalizer is removed,
// then it moves into status.succeeded/failed, so no pod is counted twice or
// lost when pods are deleted. A finishing Job first gets the interim
// FailureTarget / SuccessCriteriaMet condition, and Failed / Complete once no
// pod is left uncounted or terminating.
//
// The Job's selector and pod labels (`batch.kubernetes.io/controller-uid`,
// `controller-uid`, `batch.kubernetes.io/job-name`, `job-name`) come from the
// Job's UID and name here, where kube's API server writes them into the Job.

import type { Job, JobStatus, Pod } from '../../api/generated/index.js';
import { selectorFromLabelSelector, selectorFromSet, type Selector } from '../../api/labels.js';
import { DeletedFinalStateUnknown, isConflict, isNotFound, type Lister } from '../../client/index.js';
import type { Controller, ControllerContext } from '../runtime/context.js';
import { Expectations } from '../runtime/expectations.js';
import { controllerRef, newControllerRef } from '../runtime/owner.js';
import { keyOf, QueueController, splitKey } from '../runtime/queue-controller.js';
import {
  completionIndex,
  CONTROLLER_UID_LABEL,
  ensureCondition,
  findCondition,
  formatIndexes,
  hasTrackingFinalizer,
  isJobFinished,
  isPodReady,
  isPodTerminal,
  JOB_COMPLETE,
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_FAILED,
  JOB_FAILURE_TARGET,
  JOB_NAME_LABEL,
  JOB_SUCCESS_CRITERIA_MET,
  JOB_SUSPENDED,
  JOB_TRACKING_FINALIZER,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
  parseIndexes,
  parseTime,
  podFinishTime,
  rfc3339,
} from './util.js';

export interface JobControllerOptions {
  workers?: number;
  /** Delay before re-creating a pod after the first failure; doubles per further failure (kube: 10 s). */
  backoffBaseMs?: number;
  /** Cap of that delay (kube: 6 min). */
  backoffMaxMs?: number;
}

const CONTROLLER_NAME = 'job-controller';
const JOB_API_VERSION = 'batch/v1';
const JOB_KIND = 'Job';

interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

interface Finish {
  type: typeof JOB_COMPLETE | typeof JOB_FAILED;
  reason: string;
  message: string;
}

export function newJobController(ctx: ControllerContext, opts: JobControllerOptions = {}): Controller {
  const backoffBase = opts.backoffBaseMs ?? 10_000;
  const backoffMax = opts.backoffMaxMs ?? 6 * 60_000;
  const { client, clock, recorder } = ctx;
  const jobInformer = ctx.informers.informerFor<Job>(JOB_API_VERSION, JOB_KIND);
  const podInformer = ctx.informers.informerFor<Pod>('v1', 'Pod');
  const jobLister: Lister<Job> = jobInformer.lister();
  const podLister: Lister<Pod> = podInformer.lister();
  const expectations = new Expectations(clock);
  /** Pods whose tracking finalizer this controller removed, until the cache shows it gone (kube's finalizerExpectations). */
  const expectedRmFinalizers = new Map<string, Set<string>>();
  const backoffRecords = new Map<string, BackoffRecord>();
  const deletionSeen = new Set<string>();
  let controller: QueueController;

  /** The key of the Job a pod names as its controller (whether or not that Job still exists). */
  const refKey = (pod: Pod): string | undefined => {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== JOB_KIND) return undefined;
    return `${pod.metadata?.namespace ?? ''}/${ref.name}`;
  };

  /** The key of the live Job controlling the pod. */
  const ownerKey = (pod: Pod): string | undefined => {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== JOB_KIND) return undefined;
    const job = jobLister.get(pod.metadata?.namespace ?? '', ref.name);
    return job && job.metadata?.uid === ref.uid ? keyOf(job) : undefined;
  };

  const finalizerGone = (pod: Pod, deleted: boolean): void => {
    const key = refKey(pod);
    if (!key) return;
    const set = expectedRmFinalizers.get(key);
    if (set && (deleted || !hasTrackingFinalizer(pod))) {
      set.delete(pod.metadata?.uid ?? '');
      if (set.size === 0) expectedRmFinalizers.delete(key);
    }
  };

  const observeDeletion = (pod: Pod): void => {
    const uid = pod.metadata?.uid ?? '';
    if (deletionSeen.has(uid)) return;
    deletionSeen.add(uid);
    if (deletionSeen.size > 100_000) deletionSeen.clear();
    const key = ownerKey(pod);
    if (key) expectations.deletionObserved(key);
  };

  const enqueueFor = (pod: Pod): void => {
    const key = refKey(pod);
    if (key) controller.enqueue(key);
  };

  const onPodAdd = (pod: Pod): void => {
    if (pod.metadata?.deletionTimestamp) observeDeletion(pod);
    else {
      const key = ownerKey(pod);
      if (key) expectations.creationObserved(key);
    }
    enqueueFor(pod);
  };

  const onPodUpdate = (oldPod: Pod, pod: Pod): void => {
    if (oldPod.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    if (pod.metadata?.deletionTimestamp) observeDeletion(pod);
    finalizerGone(pod, false);
    if (controllerRef(oldPod)?.uid !== controllerRef(pod)?.uid) enqueueFor(oldPod);
    enqueueFor(pod);
  };

  const onPodDelete = (obj: Pod | DeletedFinalStateUnknown<Pod>): void => {
    const pod = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
    const uid = pod.metadata?.uid ?? '';
    if (!deletionSeen.delete(uid)) {
      const key = ownerKey(pod);
      if (key) expectations.deletionObserved(key);
    }
    finalizerGone(pod, true);
    enqueueFor(pod);
  };

  function selectorOf(job: Job): Selector {
    if (job.spec?.manualSelector && job.spec.selector) return selectorFromLabelSelector(job.spec.selector);
    return selectorFromSet({ [CONTROLLER_UID_LABEL]: job.metadata?.uid ?? '' });
  }

  function podsOf(job: Job): Pod[] {
    const uid = job.metadata?.uid;
    if (!uid) return [];
    const sel = selectorOf(job);
    return podLister
      .namespace(job.metadata?.namespace ?? '')
      .list()
      .filter((p) => controllerRef(p)?.uid === uid && sel.matches(p.metadata?.labels));
  }

  async function removeFinalizer(key: string, pod: Pod): Promise<void> {
    try {
      await client.pods
        .namespace(pod.metadata?.namespace ?? '')
        .patch(pod.metadata!.name!, { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] } }, 'strategic');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    let set = expectedRmFinalizers.get(key);
    if (!set) expectedRmFinalizers.set(key, (set = new Set()));
    set.add(pod.metadata?.uid ?? '');
  }

  /** Pods still holding the tracking finalizer for a Job that is gone (or was replaced by a namesake). */
  async function releaseOrphans(namespace: string, name: string, uid: string | undefined): Promise<void> {
    const orphans = podLister
      .namespace(namespace)
      .list()
      .filter((p) => {
        const ref = controllerRef(p);
        return ref?.kind === JOB_KIND && ref.name === name && ref.uid !== uid && hasTrackingFinalizer(p);
      });
    await Promise.all(orphans.map((p) => removeFinalizer(`${namespace}/${name}`, p)));
  }

  function backoffRemaining(key: string, now: number): number {
    const rec = backoffRecords.get(key);
    if (!rec || rec.failuresAfterLastSuccess === 0 || rec.lastFailureTime === undefined) return 0;
    const delay = Math.min(backoffBase * 2 ** (rec.failuresAfterLastSuccess - 1), backoffMax);
    return rec.lastFailureTime + delay - now;
  }

  function updateBackoffRecord(key: string, newSucceeded: Pod[], newFailed: Pod[], now: number): void {
    const finish = (p: Pod): number => Math.min(podFinishTime(p) ?? now, now);
    const prev = backoffRecords.get(key) ?? { failuresAfterLastSuccess: 0 };
    if (newFailed.length === 0) {
      if (newSucceeded.length > 0) backoffRecords.set(key, { failuresAfterLastSuccess: 0 });
      return;
    }
    const lastFailure = Math.max(...newFailed.map(finish));
    let failures: number;
    if (newSucceeded.length > 0) {
      const lastSuccess = Math.max(...newSucceeded.map(finish));
      failures = newFailed.filter((p) => finish(p) > lastSuccess).length;
    } else {
      failures = prev.failuresAfterLastSuccess + newFailed.length;
    }
    backoffRecords.set(key, { failuresAfterLastSuccess: failures, lastFailureTime: lastFailure });
  }

  async function writeStatus(job: Job): Promise<Job> {
    const updated = await client.jobs.namespace(job.metadata?.namespace ?? '').updateStatus(job);
    return { ...updated, apiVersion: JOB_API_VERSION, kind: JOB_KIND };
  }

  async function syncJob(key: string): Promise<{ requeueAfterMs?: number } | undefined> {
    const { namespace = '', name } = splitKey(key);
    const cached = jobLister.get(namespace, name);
    if (!cached) {
      expectations.delete(key);
      backoffRecords.delete(key);
      await releaseOrphans(namespace, name, undefined);
      return undefined;
    }
    await releaseOrphans(namespace, name, cached.metadata?.uid);
    let job: Job = { ...structuredClone(cached), apiVersion: JOB_API_VERSION, kind: JOB_KIND };
    const pods = podsOf(job);
    if (isJobFinished(job)) {
      // Everything was counted before the Job finished; let leftover pods go.
      await Promise.all(pods.filter(hasTrackingFinalizer).map((p) => removeFinalizer(key, p)));
      backoffRecords.delete(key);
      return undefined;
    }

    const now = clock.now();
    const requeue: number[] = [];
    const spec = job.spec ?? { template: {} };
    const status: JobStatus = (job.status ??= {});
    const satisfied = expectations.satisfied(key);
    const suspended = spec.suspend === true;
    const indexed = spec.completionMode === 'Indexed';
    const completions = spec.completions;
    const backoffLimit = spec.backoffLimit ?? 6;
    const expectedRm = expectedRmFinalizers.get(key) ?? new Set<string>();
    const uidOf = (p: Pod): string => p.metadata?.uid ?? '';
    const tracked = pods.filter((p) => hasTrackingFinalizer(p) && !expectedRm.has(uidOf(p)));
    const active = pods.filter((p) => !isPodTerminal(p) && !p.metadata?.deletionTimestamp);
    let terminating = pods.filter((p) => !isPodTerminal(p) && p.metadata?.deletionTimestamp).length;
    let needsFlush = false;

    // Uncounted pods whose finalizer is gone (or that are gone) are counted now.
    const withFinalizer = new Set(tracked.map(uidOf));
    if (moveCounted(status, withFinalizer)) needsFlush = true;
    const uncounted = {
      succeeded: new Set(status.uncountedTerminatedPods?.succeeded ?? []),
      failed: new Set(status.uncountedTerminatedPods?.failed ?? []),
    };

    const inUncounted = (p: Pod): boolean => uncounted.succeeded.has(uidOf(p)) || uncounted.failed.has(uidOf(p));
    const newSucceeded = tracked.filter((p) => p.status?.phase === 'Succeeded' && !inUncounted(p));
    const newFailed = tracked.filter((p) => isPodFailed(p) && !inUncounted(p));
    const succeededIndexes = indexed ? parseIndexes(status.completedIndexes, completions ?? 0) : new Set<number>();
    if (indexed) {
      for (const p of newSucceeded) {
        const ix = completionIndex(p);
        if (ix !== undefined && ix < (completions ?? 0)) succeededIndexes.add(ix);
      }
    }
    const succeeded = indexed ? succeededIndexes.size : (status.succeeded ?? 0) + uncounted.succeeded.size + newSucceeded.length;
    const failed = (status.failed ?? 0) + uncounted.failed.size + newFailed.length;

    if (!status.startTime && !suspended) {
      status.startTime = rfc3339(now);
      needsFlush = true;
    }
    updateBackoffRecord(key, newSucceeded, newFailed, now);

    // Has the Job finished (or is it finishing)?
    let finish: Finish | undefined;
    const failureTarget = findCondition(job, JOB_FAILURE_TARGET);
    const successMet = findCondition(job, JOB_SUCCESS_CRITERIA_MET);
    if (failureTarget?.status === 'True') {
      finish = { type: JOB_FAILED, reason: failureTarget.reason ?? '', message: failureTarget.message ?? '' };
    } else if (successMet?.status === 'True') {
      finish = { type: JOB_COMPLETE, reason: successMet.reason ?? '', message: successMet.message ?? '' };
    } else if (failed > backoffLimit || pastBackoffLimitOnFailure(job, pods)) {
      finish = { type: JOB_FAILED, reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    } else if (pastActiveDeadline(job, now)) {
      finish = { type: JOB_FAILED, reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    } else if (spec.activeDeadlineSeconds !== undefined && !suspended && status.startTime) {
      requeue.push(parseTime(status.startTime)! + spec.activeDeadlineSeconds * 1000 - now);
    }

    let activeCount = active.length;
    let suspendChanged = false;
    const errors: unknown[] = [];
    if (finish?.type === JOB_FAILED) {
      // Stop what still runs; the pods keep their finalizers until counted as failed below.
      const results = await Promise.allSettled(active.map((p) => deletePod(job, p)));
      const deleted = results.filter((r) => r.status === 'fulfilled').length;
      for (const r of results) if (r.status === 'rejected') errors.push(r.reason);
      activeCount -= deleted;
      terminating += deleted;
    } else if (!finish) {
      if (satisfied && !job.metadata?.deletionTimestamp) {
        activeCount = await manageJob(key, job, active, succeeded, succeededIndexes, now, requeue, errors);
        const conditions = (status.conditions ??= []);
        if (suspended) {
          if (ensureCondition(conditions, JOB_SUSPENDED, 'True', 'JobSuspended', 'Job suspended', now)) {
            suspendChanged = true;
            recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
          }
        } else if (ensureCondition(conditions, JOB_SUSPENDED, 'False', 'JobResumed', 'Job resumed', now)) {
          suspendChanged = true;
          recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
          // activeDeadlineSeconds counts from when the Job last became active.
          status.startTime = rfc3339(now);
        }
        if (conditions.length === 0) delete status.conditions;
      }
      const complete = completions === undefined ? succeeded > 0 && activeCount === 0 : succeeded >= completions && activeCount === 0;
      if (complete) finish = { type: JOB_COMPLETE, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
    }

    // Count finished pods: into uncountedTerminatedPods first, then drop their finalizers.
    const podsToRelease: Pod[] = [];
    let newIndexes = false;
    for (const pod of tracked) {
      if (inUncounted(pod)) {
        podsToRelease.push(pod); // a removal that failed before
        continue;
      }
      if (pod.status?.phase === 'Succeeded') {
        if (indexed) {
          newIndexes = true;
        } else {
          uncounted.succeeded.add(uidOf(pod));
          needsFlush = true;
        }
        podsToRelease.push(pod);
      } else if (isPodFailed(pod) || finish?.type === JOB_FAILED) {
        // Deleted pods, and every pod still running when the Job fails, count as failed.
        uncounted.failed.add(uidOf(pod));
        needsFlush = true;
        podsToRelease.push(pod);
      } else if (finish) {
        podsToRelease.push(pod);
      }
    }
    if (indexed && (newIndexes || formatIndexes(succeededIndexes) !== (status.completedIndexes ?? ''))) {
      status.completedIndexes = formatIndexes(succeededIndexes);
      status.succeeded = succeededIndexes.size;
      needsFlush = true;
    }

    const conditions = (status.conditions ??= []);
    if (finish) {
      const interim = finish.type === JOB_FAILED ? JOB_FAILURE_TARGET : JOB_SUCCESS_CRITERIA_MET;
      if (ensureCondition(conditions, interim, 'True', finish.reason, finish.message, now)) needsFlush = true;
    }
    if (conditions.length === 0) delete status.conditions;
    const ready = active.filter((p) => !p.metadata?.deletionTimestamp && isPodReady(p)).length;
    const readyNow = finish?.type === JOB_FAILED ? 0 : Math.min(ready, activeCount);
    if (suspendChanged || status.active !== activeCount || status.ready !== readyNow || (status.terminating ?? 0) !== terminating) needsFlush = true;
    status.active = activeCount;
    status.ready = readyNow;
    status.terminating = terminating;
    setUncounted(status, uncounted);

    if (needsFlush) job = await writeStatus(job);

    if (podsToRelease.length > 0) {
      const results = await Promise.allSettled(podsToRelease.map((p) => removeFinalizer(key, p).then(() => p)));
      for (const r of results) {
        if (r.status === 'fulfilled') withFinalizer.delete(uidOf(r.value));
        else errors.push(r.reason);
      }
      const st: JobStatus = (job.status ??= {});
      if (moveCounted(st, withFinalizer)) job = await writeStatus(job);
    }

    // The terminal condition, once nothing is left uncounted or terminating.
    const st: JobStatus = (job.status ??= {});
    const left = (st.uncountedTerminatedPods?.succeeded?.length ?? 0) + (st.uncountedTerminatedPods?.failed?.length ?? 0);
    if (finish && left === 0 && terminating === 0 && errors.length === 0) {
      const conds = (st.conditions ??= []);
      ensureCondition(conds, finish.type, 'True', finish.reason, finish.message, now);
      if (finish.type === JOB_COMPLETE) {
        st.completionTime = rfc3339(now);
        // A completed Job is no longer suspended.
        const susp = conds.find((c) => c.type === JOB_SUSPENDED);
        if (susp && susp.status === 'True') ensureCondition(conds, JOB_SUSPENDED, 'False', 'JobResumed', 'Job resumed', now);
      }
      job = await writeStatus(job);
      if (finish.type === JOB_COMPLETE) recorder.event(job, 'Normal', 'Completed', 'Job completed');
      else recorder.event(job, 'Warning', finish.reason, finish.message);
      backoffRecords.delete(key);
      return undefined;
    }
    if (errors.length > 0) throw errors[0];
    const positive = requeue.filter((ms) => ms > 0);
    if (requeue.some((ms) => ms <= 0)) return { requeueAfterMs: 1 };
    return positive.length ? { requeueAfterMs: Math.min(...positive) } : undefined;
  }

  /** Bring the active pods to what parallelism, completions and suspension want; returns the new active count. */
  async function manageJob(
    key: string,
    job: Job,
    active: Pod[],
    succeeded: number,
    succeededIndexes: Set<number>,
    now: number,
    requeue: number[],
    errors: unknown[],
  ): Promise<number> {
    const spec = job.spec ?? { template: {} };
    const parallelism = Math.max(0, spec.parallelism ?? 1);
    const completions = spec.completions;
    const activeCount = active.length;

    if (spec.suspend) {
      return activeCount - (await deleteJobPods(key, job, active, errors));
    }

    let wantActive: number;
    if (completions === undefined) wantActive = succeeded > 0 ? activeCount : parallelism;
    else wantActive = Math.max(0, Math.min(completions - succeeded, parallelism));

    const rmAtLeast = activeCount - wantActive;
    if (rmAtLeast > 0) {
      const victims = [...active].sort(deletionOrder).slice(0, rmAtLeast);
      return activeCount - (await deleteJobPods(key, job, victims, errors));
    }
    if (activeCount >= wantActive) return activeCount;

    const remaining = backoffRemaining(key, now);
    if (remaining > 0) {
      requeue.push(remaining);
      return activeCount;
    }

    let diff = wantActive - activeCount;
    let indexes: number[] = [];
    if (spec.completionMode === 'Indexed') {
      const busy = new Set(active.map(completionIndex).filter((i): i is number => i !== undefined));
      for (let i = 0; i < (completions ?? 0) && indexes.length < diff; i++) if (!succeededIndexes.has(i) && !busy.has(i)) indexes.push(i);
      diff = indexes.length;
    } else {
      indexes = new Array<number>(diff).fill(-1);
    }
    if (diff === 0) return activeCount;

    expectations.expect(key, diff, 0);
    const pods = client.pods.namespace(job.metadata?.namespace ?? '');
    let created = 0;
    let pos = 0;
    let batch = 1;
    while (pos < indexes.length) {
      const chunk = indexes.slice(pos, pos + batch);
      pos += chunk.length;
      const results = await Promise.allSettled(chunk.map((ix) => pods.create(newJobPod(job, ix < 0 ? undefined : ix))));
      let failedNow = 0;
      for (const r of results) {
        if (r.status === 'fulfilled') {
          created++;
          recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata?.name}`);
        } else {
          failedNow++;
          expectations.lowerExpectations(key, 1, 0);
          errors.push(r.reason);
          recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${(r.reason as Error)?.message ?? r.reason}`);
        }
      }
      if (failedNow > 0) {
        expectations.lowerExpectations(key, indexes.length - pos, 0);
        break;
      }
      batch *= 2;
    }
    return activeCount + created;
  }

  /** Delete pods without counting them (their finalizer goes first), as kube's deleteJobPods. */
  async function deleteJobPods(key: string, job: Job, victims: Pod[], errors: unknown[]): Promise<number> {
    if (victims.length === 0) return 0;
    expectations.expect(key, 0, victims.length);
    const results = await Promise.allSettled(
      victims.map(async (pod) => {
        if (hasTrackingFinalizer(pod)) await removeFinalizer(key, pod);
        await deletePod(job, pod);
      }),
    );
    let deleted = 0;
    for (const r of results) {
      if (r.status === 'fulfilled') deleted++;
      else {
        expectations.lowerExpectations(key, 0, 1);
        errors.push(r.reason);
      }
    }
    return deleted;
  }

  async function deletePod(job: Job, pod: Pod): Promise<void> {
    try {
      await client.pods.namespace(pod.metadata?.namespace ?? '').delete(pod.metadata!.name!, { preconditions: { uid: pod.metadata?.uid } });
      recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  function newJobPod(job: Job, index: number | undefined): Pod {
    const name = job.metadata?.name ?? '';
    const uid = job.metadata?.uid ?? '';
    const template = structuredClone(job.spec?.template ?? {});
    const spec = template.spec ?? { containers: [] };
    const labels: Record<string, string> = {
      ...(template.metadata?.labels ?? {}),
      [CONTROLLER_UID_LABEL]: uid,
      [LEGACY_CONTROLLER_UID_LABEL]: uid,
      [JOB_NAME_LABEL]: name,
      [LEGACY_JOB_NAME_LABEL]: name,
    };
    const annotations: Record<string, string> = { ...(template.metadata?.annotations ?? {}) };
    if (index !== undefined) {
      labels[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
      annotations[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
      spec.hostname ??= `${name}-${index}`;
      const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } } };
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        if (!(c.env ?? []).some((e) => e.name === env.name)) c.env = [...(c.env ?? []), env];
      }
    }
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
        namespace: job.metadata?.namespace,
        labels,
        ...(Object.keys(annotations).length ? { annotations } : {}),
        finalizers: [...(template.metadata?.finalizers ?? []), JOB_TRACKING_FINALIZER],
        ownerReferences: [newControllerRef(job)],
      },
      spec,
    };
  }

  controller = new QueueController({
    name: CONTROLLER_NAME,
    ctx,
    workers: opts.workers ?? 2,
    reconcile: syncJob,
    setup(enqueue) {
      jobInformer.addEventHandler({
        onAdd: (job) => enqueue(keyOf(job)),
        onUpdate: (_old, job) => enqueue(keyOf(job)),
        onDelete: (obj) => {
          const job = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
          expectations.delete(keyOf(job));
          enqueue(keyOf(job));
        },
      });
      podInformer.addEventHandler({ onAdd: onPodAdd, onUpdate: onPodUpdate, onDelete: onPodDelete });
    },
  });
  return controller;
}

/** Move uncounted pods that no longer hold the finalizer into succeeded/failed. */
function moveCounted(status: JobStatus, withFinalizer: Set<string>): boolean {
  const succeeded = status.uncountedTerminatedPods?.succeeded ?? [];
  const failed = status.uncountedTerminatedPods?.failed ?? [];
  const doneS = succeeded.filter((uid) => !withFinalizer.has(uid));
  const doneF = failed.filter((uid) => !withFinalizer.has(uid));
  if (doneS.length === 0 && doneF.length === 0) return false;
  status.succeeded = (status.succeeded ?? 0) + doneS.length;
  status.failed = (status.failed ?? 0) + doneF.length;
  setUncounted(status, {
    succeeded: new Set(succeeded.filter((uid) => withFinalizer.has(uid))),
    failed: new Set(failed.filter((uid) => withFinalizer.has(uid))),
  });
  return true;
}

function setUncounted(status: JobStatus, uncounted: { succeeded: Set<string>; failed: Set<string> }): void {
  status.uncountedTerminatedPods = {
    ...(uncounted.succeeded.size ? { succeeded: [...uncounted.succeeded] } : {}),
    ...(uncounted.failed.size ? { failed: [...uncounted.failed] } : {}),
  };
}

/** Failed, or deleted before it succeeded (an orphan that never reached Failed). */
function isPodFailed(pod: Pod): boolean {
  if (pod.status?.phase === 'Failed') return true;
  return !!pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded';
}

/** Sum of container restarts of running pods against backoffLimit (restartPolicy OnFailure). */
function pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
  if (job.spec?.template.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const pod of pods) {
    if (pod.status?.phase !== 'Running' && pod.status?.phase !== 'Pending') continue;
    for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

function pastActiveDeadline(job: Job, now: number): boolean {
  const ads = job.spec?.activeDeadlineSeconds;
  if (ads === undefined || job.spec?.suspend) return false;
  const start = parseTime(job.status?.startTime);
  if (start === undefined) return false;
  return now - start >= ads * 1000;
}

/** Which active pods to delete first: unscheduled, pending, not ready, then the newest (kube's ActivePods order). */
function deletionOrder(a: Pod, b: Pod): number {
  const rank = (p: Pod): number[] => [
    p.spec?.nodeName ? 1 : 0,
    p.status?.phase === 'Running' ? 1 : 0,
    isPodReady(p) ? 1 : 0,
    -(Date.parse(p.metadata?.creationTimestamp ?? '') || 0),
  ];
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
  return 0;
}

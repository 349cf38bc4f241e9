// The CronJob controller, after kube's pkg/controller/cronjob
// (cronjob_controllerv2.go, utils.go): on each sync it reconciles
// status.active with the Jobs it owns, works out the most recent scheduled
// time not yet run (bounded by startingDeadlineSeconds; warning when more than
// 100 were missed), applies the concurrency policy (Allow, Forbid: skip while
// a Job is active, Replace: delete active Jobs first), creates the Job
// `<cronjob>-<scheduled time>` with the scheduled-timestamp annotation, prunes
// finished Jobs beyond the history limits, and asks to be requeued just after
// the next scheduled time. There are no long-lived timers: the schedule is
// evaluated against the injected clock and the key is requeued.
//
// Job names use minutes since the epoch as kube does; for 6-field (seconds)
// schedules they use seconds so that names stay unique. Unlike kube, an
// unfinished Job the CronJob owns but does not list as active is added to
// status.active (kube only reports it), so Forbid holds after a crash between
// creating a Job and recording it.

import type { CronJob, CronJobStatus, Job, ObjectReference } from '../../api/generated/index.js';
import { DeletedFinalStateUnknown, isAlreadyExists, isConflict, isNotFound, type Lister, type ReconcileResult } from '../../client/index.js';
import type { Controller, ControllerContext } from '../runtime/context.js';
import { controllerRef, newControllerRef } from '../runtime/owner.js';
import { keyOf, QueueController, splitKey } from '../runtime/queue-controller.js';
import { finishedCondition, isJobComplete, isJobFailed, isJobFinished, parseTime, rfc3339 } from '../job/util.js';
import { formatInZone, isValidTimeZone, mostRecentScheduleTime, parseSchedule, type CronSchedule } from './schedule.js';

export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export interface CronJobControllerOptions {
  workers?: number;
  /** How long after a scheduled time the CronJob is synced (kube: 100 ms). */
  nextScheduleDeltaMs?: number;
}

const CRONJOB_API_VERSION = 'batch/v1';
const CRONJOB_KIND = 'CronJob';

/** The Job name for a scheduled time: minutes since the epoch, or seconds for 6-field schedules. */
export function jobNameFor(cronJob: CronJob, scheduledTime: number, hasSeconds: boolean): string {
  const stamp = hasSeconds ? Math.floor(scheduledTime / 1000) : Math.floor(scheduledTime / 60_000);
  return `${cronJob.metadata?.name}-${stamp}`;
}

export function newCronJobController(ctx: ControllerContext, opts: CronJobControllerOptions = {}): Controller {
  const delta = opts.nextScheduleDeltaMs ?? 100;
  const { client, clock, recorder } = ctx;
  const cjInformer = ctx.informers.informerFor<CronJob>(CRONJOB_API_VERSION, CRONJOB_KIND);
  const jobInformer = ctx.informers.informerFor<Job>('batch/v1', 'Job');
  const cjLister: Lister<CronJob> = cjInformer.lister();
  const jobLister: Lister<Job> = jobInformer.lister();

  const jobRef = (job: Job): ObjectReference => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    name: job.metadata?.name,
    namespace: job.metadata?.namespace,
    uid: job.metadata?.uid,
    resourceVersion: job.metadata?.resourceVersion,
  });

  async function sync(key: string): Promise<ReconcileResult> {
    const { namespace = '', name } = splitKey(key);
    const cached = cjLister.get(namespace, name);
    if (!cached) return undefined;
    const cronJob: CronJob = { ...structuredClone(cached), apiVersion: CRONJOB_API_VERSION, kind: CRONJOB_KIND };
    const uid = cronJob.metadata?.uid;
    const jobs = jobLister
      .namespace(namespace)
      .list()
      .filter((j) => !!uid && controllerRef(j)?.uid === uid);
    const status: CronJobStatus = (cronJob.status ??= {});
    const before = JSON.stringify(status);

    const requeueAfter = await syncCronJob(cronJob, status, jobs);
    if (!cronJob.metadata?.deletionTimestamp) await cleanupFinishedJobs(cronJob, status, jobs);

    if (status.active?.length === 0) delete status.active;
    if (JSON.stringify(status) !== before) {
      await client.cronJobs.namespace(namespace).updateStatus(cronJob);
    }
    return requeueAfter !== undefined ? { requeueAfterMs: Math.max(1, requeueAfter) } : undefined;
  }

  /** Returns how long until the CronJob should be synced again, if it should. */
  async function syncCronJob(cronJob: CronJob, status: CronJobStatus, jobs: Job[]): Promise<number | undefined> {
    const spec = cronJob.spec;
    let active = [...(status.active ?? [])];
    const byUid = new Map(jobs.map((j) => [j.metadata?.uid, j]));

    for (const job of jobs) {
      const listed = active.some((r) => r.uid === job.metadata?.uid);
      const finished = isJobFinished(job);
      if (!listed && !finished) {
        active.push(jobRef(job));
      } else if (listed && finished) {
        active = active.filter((r) => r.uid !== job.metadata?.uid);
        recorder.event(cronJob, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata?.name}, condition: ${finishedCondition(job)?.type}`);
      }
      if (isJobComplete(job)) {
        const done = parseTime(job.status?.completionTime);
        const last = parseTime(status.lastSuccessfulTime);
        if (done !== undefined && (last === undefined || done > last)) status.lastSuccessfulTime = job.status?.completionTime;
      }
    }
    // Active Jobs that are gone (checked against the API server, not just the cache).
    for (const ref of [...active]) {
      if (byUid.has(ref.uid)) continue;
      try {
        const live = await client.jobs.namespace(cronJob.metadata?.namespace ?? '').get(ref.name ?? '');
        if (live.metadata?.uid === ref.uid) continue;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      active = active.filter((r) => r.uid !== ref.uid);
      recorder.event(cronJob, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
    }
    status.active = active;

    if (cronJob.metadata?.deletionTimestamp || !spec) return undefined;
    if (spec.timeZone !== undefined && !isValidTimeZone(spec.timeZone)) {
      recorder.event(cronJob, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${spec.timeZone}": unknown time zone ${spec.timeZone}`);
      return undefined;
    }
    let schedule: CronSchedule;
    try {
      schedule = parseSchedule(spec.schedule, spec.timeZone);
    } catch (err) {
      recorder.event(cronJob, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${spec.schedule}" : ${(err as Error).message}`);
      return undefined;
    }
    if (spec.suspend) return undefined;

    const now = clock.now();
    const untilNext = (): number | undefined => {
      const next = schedule.next(now);
      return next === undefined ? undefined : next - now + delta;
    };

    let earliest = parseTime(status.lastScheduleTime) ?? parseTime(cronJob.metadata?.creationTimestamp) ?? now;
    const deadline = spec.startingDeadlineSeconds;
    if (deadline !== undefined && deadline !== null) earliest = Math.max(earliest, now - deadline * 1000);
    const recent = mostRecentScheduleTime(schedule, earliest, now);
    if (recent.manyMissed) {
      recorder.event(cronJob, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    const scheduledTime = recent.time;
    if (scheduledTime === undefined) return untilNext();

    if (deadline !== undefined && deadline !== null && scheduledTime + deadline * 1000 < now) {
      recorder.event(cronJob, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatInZone(scheduledTime, spec.timeZone)}`);
      return untilNext();
    }

    const jobName = jobNameFor(cronJob, scheduledTime, schedule.hasSeconds);
    if (active.some((r) => r.name === jobName) || parseTime(status.lastScheduleTime) === scheduledTime) return untilNext();

    const policy = spec.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && active.length > 0) {
      recorder.event(cronJob, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return untilNext();
    }
    if (policy === 'Replace') {
      for (const ref of [...active]) {
        try {
          await client.jobs.namespace(ref.namespace ?? cronJob.metadata?.namespace ?? '').delete(ref.name ?? '', { propagationPolicy: 'Background', preconditions: { uid: ref.uid } });
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
        recorder.event(cronJob, 'Normal', 'SuccessfulDelete', `Deleted job ${ref.name}`);
        active = active.filter((r) => r.uid !== ref.uid);
        status.active = active;
      }
    }

    const jobClient = client.jobs.namespace(cronJob.metadata?.namespace ?? '');
    let created: Job;
    try {
      created = await jobClient.create(jobFromTemplate(cronJob, jobName, scheduledTime, spec.timeZone));
      recorder.event(cronJob, 'Normal', 'SuccessfulCreate', `Created job ${jobName}`);
    } catch (err) {
      if (!isAlreadyExists(err)) {
        recorder.event(cronJob, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
        throw err;
      }
      // Created by an earlier sync whose status update was lost: take it as this run.
      const existing = await jobClient.get(jobName);
      if (controllerRef(existing)?.uid !== cronJob.metadata?.uid) {
        recorder.event(cronJob, 'Warning', 'FailedCreate', `Error creating job: a job named ${jobName} exists and is not controlled by this cronjob`);
        return untilNext();
      }
      created = existing;
    }
    if (!isJobFinished(created)) active.push(jobRef(created));
    status.active = active;
    status.lastScheduleTime = rfc3339(scheduledTime);
    return untilNext();
  }

  function jobFromTemplate(cronJob: CronJob, name: string, scheduledTime: number, timeZone: string | undefined): Job {
    const template = structuredClone(cronJob.spec?.jobTemplate ?? {});
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: cronJob.metadata?.namespace,
        ...(template.metadata?.labels ? { labels: template.metadata.labels } : {}),
        annotations: { ...(template.metadata?.annotations ?? {}), [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: formatInZone(scheduledTime, timeZone) },
        ownerReferences: [newControllerRef(cronJob)],
      },
      spec: template.spec as Job['spec'],
    };
  }

  /** Delete the oldest finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit. */
  async function cleanupFinishedJobs(cronJob: CronJob, status: CronJobStatus, jobs: Job[]): Promise<void> {
    const spec = cronJob.spec;
    const prune = async (finished: Job[], limit: number | undefined): Promise<void> => {
      if (limit === undefined || limit === null || finished.length <= limit) return;
      const sorted = [...finished].sort(byStartTime);
      for (const job of sorted.slice(0, sorted.length - limit)) {
        try {
          await client.jobs.namespace(job.metadata?.namespace ?? '').delete(job.metadata?.name ?? '', { propagationPolicy: 'Background', preconditions: { uid: job.metadata?.uid } });
          recorder.event(cronJob, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata?.name}`);
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
        status.active = (status.active ?? []).filter((r) => r.uid !== job.metadata?.uid);
      }
    };
    await prune(jobs.filter(isJobComplete), spec?.successfulJobsHistoryLimit);
    await prune(jobs.filter(isJobFailed), spec?.failedJobsHistoryLimit);
  }

  const controller = new QueueController({
    name: 'cronjob-controller',
    ctx,
    workers: opts.workers ?? 2,
    reconcile: sync,
    setup(enqueue) {
      cjInformer.addEventHandler({
        onAdd: (cj) => enqueue(keyOf(cj)),
        onUpdate: (_old, cj) => enqueue(keyOf(cj)),
        onDelete: (obj) => enqueue(keyOf(obj instanceof DeletedFinalStateUnknown ? obj.obj : obj)),
      });
      const enqueueOwner = (job: Job): void => {
        const ref = controllerRef(job);
        if (ref?.kind === CRONJOB_KIND) enqueue(`${job.metadata?.namespace ?? ''}/${ref.name}`);
      };
      jobInformer.addEventHandler({
        onAdd: enqueueOwner,
        onUpdate: (old, job) => {
          if (old.metadata?.resourceVersion === job.metadata?.resourceVersion) return;
          enqueueOwner(job);
        },
        onDelete: (obj) => enqueueOwner(obj instanceof DeletedFinalStateUnknown ? obj.obj : obj),
      });
    },
  });
  return controller;
}

/** Oldest first: by startTime (Jobs that never started last), then creation, then name. */
function byStartTime(a: Job, b: Job): number {
  const as = parseTime(a.status?.startTime);
  const bs = parseTime(b.status?.startTime);
  if (as === undefined && bs !== undefined) return 1;
  if (as !== undefined && bs === undefined) return -1;
  if (as !== undefined && bs !== undefined && as !== bs) return as - bs;
  const ac = parseTime(a.metadata?.creationTimestamp) ?? 0;
  const bc = parseTime(b.metadata?.creationTimestamp) ?? 0;
  if (ac !== bc) return ac - bc;
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
}

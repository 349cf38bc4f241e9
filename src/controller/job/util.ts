// Job helpers shared by the Job and TTL-after-finished controllers (and the
// CronJob controller, which reads whether its Jobs finished): conditions,
// finish times, the labels and annotations Job pods carry, and the text form
// of completed indexes ("1,3-5,7").

import type { Job, JobCondition, Pod } from '../../api/generated/index.js';
import { apiTime as rfc3339 } from '../../util/time.js';
export { apiTime as rfc3339 } from '../../util/time.js';

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';

export const JOB_COMPLETE = 'Complete';
export const JOB_FAILED = 'Failed';
export const JOB_SUSPENDED = 'Suspended';
export const JOB_FAILURE_TARGET = 'FailureTarget';
export const JOB_SUCCESS_CRITERIA_MET = 'SuccessCriteriaMet';

export function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function findCondition(job: Job, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type);
}

function conditionTrue(job: Job, type: string): boolean {
  return findCondition(job, type)?.status === 'True';
}

/** The Complete or Failed condition, when true (kube's IsJobFinished). */
export function finishedCondition(job: Job): JobCondition | undefined {
  return job.status?.conditions?.find((c) => (c.type === JOB_COMPLETE || c.type === JOB_FAILED) && c.status === 'True');
}

export function isJobFinished(job: Job): boolean {
  return finishedCondition(job) !== undefined;
}

export function isJobComplete(job: Job): boolean {
  return conditionTrue(job, JOB_COMPLETE);
}

export function isJobFailed(job: Job): boolean {
  return conditionTrue(job, JOB_FAILED);
}

/** When the job finished: completionTime, else its finished condition's transition time. */
export function jobFinishTime(job: Job): number | undefined {
  const cond = finishedCondition(job);
  if (!cond) return undefined;
  return parseTime(job.status?.completionTime) ?? parseTime(cond.lastTransitionTime);
}

/**
 * Set a condition's status, reason and message; the transition time moves only
 * when the status changes. Returns whether anything changed.
 */
export function ensureCondition(conditions: JobCondition[], type: string, status: 'True' | 'False', reason: string, message: string, now: number): boolean {
  const existing = conditions.find((c) => c.type === type);
  if (existing) {
    if (existing.status === status && existing.reason === reason && existing.message === message) return false;
    if (existing.status !== status) existing.lastTransitionTime = rfc3339(now);
    existing.status = status;
    existing.reason = reason;
    existing.message = message;
    existing.lastProbeTime = rfc3339(now);
    return true;
  }
  // A False condition that never existed says nothing new.
  if (status === 'False') return false;
  conditions.push({ type, status, reason, message, lastProbeTime: rfc3339(now), lastTransitionTime: rfc3339(now) });
  return true;
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function isPodTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
}

/** When the pod's containers finished (the latest terminated.finishedAt), if known. */
export function podFinishTime(pod: Pod): number | undefined {
  let latest: number | undefined;
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const t = parseTime(s.state?.terminated?.finishedAt);
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
  }
  return latest;
}

/** The completion index of an Indexed job's pod, or undefined. */
export function completionIndex(pod: Pod): number | undefined {
  const raw = pod.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION] ?? pod.metadata?.labels?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** "1,3-5,7" → {1,3,4,5,7}; indexes at or past `completions` are dropped. */
export function parseIndexes(text: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  if (!text) return out;
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let i = from; i <= to && i < completions; i++) out.add(i);
  }
  return out;
}

/** {1,3,4,5,7} → "1,3-5,7". */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

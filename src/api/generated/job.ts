/* Generated from schemas/ by npm run gen. Do not edit. */

import type {
  LabelSelector,
  ObjectMeta,
  Time,
} from "./common.js";
import type { PodTemplateSpec } from "./pod-spec.js";

/**
 * A single job: runs pods until a number of them complete successfully.
 */
export interface Job {
  apiVersion: "batch/v1";
  kind: "Job";
  metadata: ObjectMeta;
  spec?: JobSpec;
  status?: JobStatus;
}
export interface JobSpec {
  /**
   * Maximum desired number of pods running at any given time. Defaults to 1.
   */
  parallelism?: number;
  /**
   * Desired number of successfully finished pods. Unset means any pod's success signals the success of all pods. Defaults to 1 when parallelism is unset too.
   */
  completions?: number;
  /**
   * Seconds relative to startTime the job may be continuously active before the system tries to terminate it.
   */
  activeDeadlineSeconds?: number;
  /**
   * Number of retries before marking this job failed. Defaults to 6.
   */
  backoffLimit?: number;
  backoffLimitPerIndex?: number;
  maxFailedIndexes?: number;
  selector?: LabelSelector;
  manualSelector?: boolean;
  template: PodTemplateSpec;
  /**
   * Seconds after the job finishes (Complete or Failed) before it is deleted automatically.
   */
  ttlSecondsAfterFinished?: number;
  /**
   * NonIndexed (default) or Indexed. Defaults to NonIndexed.
   */
  completionMode?: "NonIndexed" | "Indexed";
  /**
   * If true, the controller does not create pods. Defaults to false.
   */
  suspend?: boolean;
  podReplacementPolicy?: "TerminatingOrFailed" | "Failed";
  managedBy?: string;
}
export interface JobStatus {
  /**
   * Complete, Failed, Suspended, FailureTarget, SuccessCriteriaMet.
   */
  conditions?: JobCondition[];
  startTime?: Time;
  completionTime?: Time;
  /**
   * Number of pending and running pods which are not terminating.
   */
  active?: number;
  /**
   * Number of pods which reached phase Succeeded.
   */
  succeeded?: number;
  /**
   * Number of pods which reached phase Failed.
   */
  failed?: number;
  terminating?: number;
  ready?: number;
  /**
   * Completed indexes in text format, e.g. "1,3-5,7" (Indexed jobs).
   */
  completedIndexes?: string;
  failedIndexes?: string;
  uncountedTerminatedPods?: UncountedTerminatedPods;
}
export interface JobCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastProbeTime?: Time;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}
export interface UncountedTerminatedPods {
  succeeded?: string[];
  failed?: string[];
}

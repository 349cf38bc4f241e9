/* Generated from schemas/ by npm run gen. Do not edit. */

import type {
  ObjectMeta,
  ObjectReference,
  Time,
} from "./common.js";
import type { JobSpec } from "./job.js";

/**
 * The configuration of a single cron job.
 */
export interface CronJob {
  apiVersion: "batch/v1";
  kind: "CronJob";
  metadata: ObjectMeta;
  spec?: CronJobSpec;
  status?: CronJobStatus;
}
export interface CronJobSpec {
  /**
   * The schedule in Cron format, e.g. "* /5 * * * *" or "@hourly".
   */
  schedule: string;
  /**
   * IANA time zone name for the schedule, e.g. "Etc/UTC". Defaults to the controller's local time zone.
   */
  timeZone?: string;
  /**
   * Deadline in seconds for starting the job if it misses its scheduled time.
   */
  startingDeadlineSeconds?: number;
  /**
   * How to treat concurrent executions of a job.
   *
   * @default "Allow"
   */
  concurrencyPolicy?: "Allow" | "Forbid" | "Replace";
  /**
   * Suspend subsequent executions; does not apply to started executions.
   *
   * @default false
   */
  suspend?: boolean;
  jobTemplate: JobTemplateSpec;
  /**
   * @default 3
   */
  successfulJobsHistoryLimit?: number;
  /**
   * @default 1
   */
  failedJobsHistoryLimit?: number;
}
/**
 * The job that will be created when executing a CronJob.
 */
export interface JobTemplateSpec {
  metadata?: ObjectMeta;
  spec?: JobSpec;
}
export interface CronJobStatus {
  /**
   * Pointers to currently running jobs.
   */
  active?: ObjectReference[];
  lastScheduleTime?: Time;
  lastSuccessfulTime?: Time;
}

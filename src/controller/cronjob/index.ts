export { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, jobNameFor, newCronJobController, type CronJobControllerOptions } from './cronjob-controller.js';
export * from './schedule.js';

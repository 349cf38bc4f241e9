// gitplane's scheduler: kube-scheduler's framework (plugins returning
// Statuses, a profile running them, a cycle state and a snapshot per cycle),
// its default plugins, the scheduling queue and the assumed-pod cache.
//
//   const scheduler = newScheduler(ctx);   // a Controller
//   await manager.run(scheduler);          // informers start after it registers

import { Scheduler, type SchedulerContext, type SchedulerOptions } from './scheduler.js';

export * from './framework/index.js';
export * from './quantity.js';
export { SchedulerCache, type SchedulerCacheOptions } from './cache.js';
export { SchedulingQueue, type QueuedPodInfo, type SchedulingQueueOptions } from './queue.js';
export {
  FitError,
  fitErrorMessage,
  numFeasibleNodesToFind,
  preemptionNotHelpfulMsg,
  ScheduleAlgorithm,
  NO_NODES_AVAILABLE_MSG,
  type AlgorithmOptions,
  type Diagnosis,
  type ScheduleOutcome,
} from './schedule-one.js';
export { defaultPlugins } from './plugins/registry.js';
export { Scheduler, DEFAULT_SCHEDULER_NAME, type SchedulerContext, type SchedulerOptions, type SchedulerStats } from './scheduler.js';

/** The scheduler as a controller: `start()`, `stop()`, and counters. */
export interface SchedulerController {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
  readonly stats: { scheduled: number; failed: number; attempts: number };
}

/**
 * A scheduler for pods whose spec.schedulerName is `schedulerName` (default
 * "default-scheduler"). Takes a ControllerContext (any object with its shape).
 */
export function newScheduler(ctx: SchedulerContext, opts?: SchedulerOptions): SchedulerController & Scheduler {
  return new Scheduler(ctx, opts);
}

export { newJobController, type JobControllerOptions } from './job-controller.js';
export { jobExpireAt, newTTLAfterFinishedController, type TTLAfterFinishedControllerOptions } from './ttl-after-finished-controller.js';
export * from './util.js';

export { newDaemonSetController, type DaemonSetControllerOptions } from './daemonset-controller.js';
export * from './util.js';

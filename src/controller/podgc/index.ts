// The pod garbage collector: terminated pods over the threshold, orphaned and unscheduled terminating pods.

export { isPodTerminated, newPodGCController, PodGCController, TAINT_OUT_OF_SERVICE, terminatedPodsToDelete, type PodGCControllerOptions } from './pod-gc-controller.js';

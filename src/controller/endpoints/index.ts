// The endpoints controller: Endpoints for every Service with a selector.

export { newEndpointsController, TriggerTimeTracker, LAST_CHANGE_TRIGGER_TIME, type EndpointsControllerOptions } from './endpoints-controller.js';
export { computeSubsets, canonicalSubsets, findPort, isPodReady, repackSubsets, shouldPodBeInEndpoints, withoutResourceVersions } from './subsets.js';

// The ReplicaSet controller and the pod helpers the workload controllers share.

export { calculateReplicaSetStatus, newReplicaSetController, REPLICA_SET_CONTROLLER_NAME, slowStartBatch, type ReplicaSetControllerOptions } from './replica-set-controller.js';
export { adoptPatch, claimObjects, releasePatch, type ClaimOptions, type Claimable, type ClaimOwner } from './claim.js';
export { comparePodsForDeletion, isPodActive, isPodAvailable, isPodReady, podFromTemplate, podsToDelete } from './pod-util.js';

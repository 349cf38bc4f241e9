// The node lifecycle controller: node health from Leases and heartbeats, condition taints, and NoExecute taint eviction.

export { newNodeLifecycleController, NodeLifecycleController, NODE_LEASE_NAMESPACE, type NodeLifecycleControllerOptions } from './node-lifecycle-controller.js';
export * from './taints.js';

// The default profile: kube-scheduler's default plugins that gitplane has, in
// kube's order (which decides whose reason a rejected node reports), with
// kube's default Score weights.

import type { Handle } from '../framework/interface.js';
import type { PluginConfig } from '../framework/profile.js';
import { DefaultBinder, type PodBinder } from './default-binder/index.js';
import { InterPodAffinity } from './inter-pod-affinity/index.js';
import { NodeAffinity } from './node-affinity/index.js';
import { NodeName } from './node-name/index.js';
import { NodeResourcesBalancedAllocation } from './node-resources-balanced-allocation/index.js';
import { NodeResourcesFit } from './node-resources-fit/index.js';
import { NodeResourcesLeastAllocated } from './node-resources-least-allocated/index.js';
import { NodeUnschedulable } from './node-unschedulable/index.js';
import { PodTopologySpread } from './pod-topology-spread/index.js';
import { TaintToleration } from './taint-toleration/index.js';

export function defaultPlugins(handle: Handle, binder: PodBinder): PluginConfig[] {
  return [
    { plugin: new NodeUnschedulable() },
    { plugin: new NodeName() },
    { plugin: new TaintToleration(), weight: 3 },
    { plugin: new NodeAffinity(), weight: 2 },
    { plugin: new NodeResourcesFit() },
    { plugin: new PodTopologySpread(), weight: 2 },
    { plugin: new InterPodAffinity(handle), weight: 2 },
    { plugin: new NodeResourcesLeastAllocated(), weight: 1 },
    { plugin: new NodeResourcesBalancedAllocation(), weight: 1 },
    { plugin: new DefaultBinder(binder) },
  ];
}

export { DefaultBinder, InterPodAffinity, NodeAffinity, NodeName, NodeResourcesBalancedAllocation, NodeResourcesFit, NodeResourcesLeastAllocated, NodeUnschedulable, PodTopologySpread, TaintToleration };
export { clientBinder, type PodBinder } from './default-binder/index.js';

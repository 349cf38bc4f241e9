/* Generated from schemas/ by npm run gen. Do not edit. */

import type {
  ObjectMeta,
  ResourceList,
  Time,
} from "./common.js";

/**
 * A worker node. Each node has a unique name.
 */
export interface Node {
  apiVersion: "v1";
  kind: "Node";
  metadata: ObjectMeta;
  spec?: NodeSpec;
  status?: NodeStatus;
}
export interface NodeSpec {
  /**
   * The pod IP range assigned to the node.
   */
  podCIDR?: string;
  podCIDRs?: string[];
  providerID?: string;
  /**
   * Controls node schedulability of new pods (cordon).
   */
  unschedulable?: boolean;
  taints?: Taint[];
}
/**
 * Makes the node repel pods that do not tolerate it.
 */
export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  timeAdded?: Time;
}
export interface NodeStatus {
  capacity?: ResourceList;
  allocatable?: ResourceList;
  /**
   * Deprecated.
   */
  phase?: "Pending" | "Running" | "Terminated";
  /**
   * Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable.
   */
  conditions?: NodeCondition[];
  addresses?: NodeAddress[];
  daemonEndpoints?: NodeDaemonEndpoints;
  nodeInfo?: NodeSystemInfo;
  images?: ContainerImage[];
  volumesInUse?: string[];
}
export interface NodeCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastHeartbeatTime?: Time;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}
export interface NodeAddress {
  /**
   * Hostname, ExternalIP, InternalIP, ExternalDNS or InternalDNS.
   */
  type: string;
  address: string;
}
export interface NodeDaemonEndpoints {
  kubeletEndpoint?: DaemonEndpoint;
}
export interface DaemonEndpoint {
  /**
   * Port number of the given endpoint (the field name is capitalized in the API).
   */
  Port: number;
}
export interface NodeSystemInfo {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  kubeProxyVersion: string;
  operatingSystem: string;
  architecture: string;
}
export interface ContainerImage {
  names?: string[];
  sizeBytes?: number;
}

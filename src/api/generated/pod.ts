/* Generated from schemas/ by npm run gen. Do not edit. */

import type {
  ObjectMeta,
  ResourceList,
  Time,
} from "./common.js";
import type {
  PodSpec,
  ResourceRequirements,
} from "./pod-spec.js";

/**
 * A collection of containers that can run on a host. Created by clients and scheduled onto hosts.
 */
export interface Pod {
  apiVersion: "v1";
  kind: "Pod";
  metadata: ObjectMeta;
  spec?: PodSpec;
  status?: PodStatus;
}
/**
 * Most recently observed status of the pod. Populated by the system; read-only.
 */
export interface PodStatus {
  /**
   * High-level summary of where the pod is in its lifecycle.
   */
  phase?: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
  /**
   * Current service state of the pod (PodScheduled, Initialized, ContainersReady, Ready, ...).
   */
  conditions?: PodCondition[];
  /**
   * Human readable message indicating why the pod is in this condition.
   */
  message?: string;
  /**
   * Brief CamelCase message indicating why the pod is in this state, e.g. 'Evicted'.
   */
  reason?: string;
  nominatedNodeName?: string;
  /**
   * IP address of the host the pod is assigned to.
   */
  hostIP?: string;
  hostIPs?: HostIP[];
  /**
   * IP address allocated to the pod.
   */
  podIP?: string;
  podIPs?: PodIP[];
  startTime?: Time;
  initContainerStatuses?: ContainerStatus[];
  containerStatuses?: ContainerStatus[];
  ephemeralContainerStatuses?: ContainerStatus[];
  qosClass?: "Guaranteed" | "Burstable" | "BestEffort";
  observedGeneration?: number;
}
export interface PodCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  observedGeneration?: number;
  lastProbeTime?: Time;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}
export interface HostIP {
  ip: string;
}
export interface PodIP {
  ip: string;
}
/**
 * Details for a container in a pod.
 */
export interface ContainerStatus {
  name: string;
  state?: ContainerState;
  lastState?: ContainerState;
  /**
   * Whether the container passes its readiness probe.
   */
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  /**
   * In the form '<type>://<container_id>'.
   */
  containerID?: string;
  /**
   * Whether the container has passed its startup probe.
   */
  started?: boolean;
  allocatedResources?: ResourceList;
  resources?: ResourceRequirements;
}
/**
 * Possible state of a container. Only one of its members may be set; if none is, the default is waiting.
 */
export interface ContainerState {
  waiting?: ContainerStateWaiting;
  running?: ContainerStateRunning;
  terminated?: ContainerStateTerminated;
}
export interface ContainerStateWaiting {
  /**
   * E.g. 'ContainerCreating', 'CrashLoopBackOff', 'ErrImagePull'.
   */
  reason?: string;
  message?: string;
}
export interface ContainerStateRunning {
  startedAt?: Time;
}
export interface ContainerStateTerminated {
  exitCode: number;
  signal?: number;
  reason?: string;
  message?: string;
  startedAt?: Time;
  finishedAt?: Time;
  containerID?: string;
}

/* Generated from schemas/ by npm run gen. Do not edit. */

import type {
  LabelSelector,
  ObjectMeta,
  Time,
} from "./common.js";
import type { PodTemplateSpec } from "./pod-spec.js";

/**
 * Declarative updates for Pods and ReplicaSets.
 */
export interface Deployment {
  apiVersion: "apps/v1";
  kind: "Deployment";
  metadata: ObjectMeta;
  spec?: DeploymentSpec;
  status?: DeploymentStatus;
}
export interface DeploymentSpec {
  /**
   * Number of desired pods.
   *
   * @default 1
   */
  replicas?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  strategy?: DeploymentStrategy;
  /**
   * Seconds a new pod must be ready, without any container crashing, to be considered available.
   */
  minReadySeconds?: number;
  /**
   * Old ReplicaSets to retain to allow rollback.
   *
   * @default 10
   */
  revisionHistoryLimit?: number;
  /**
   * Indicates that the deployment is paused.
   */
  paused?: boolean;
  /**
   * Seconds the deployment may take to make progress before it is considered failed (Progressing=False, reason ProgressDeadlineExceeded).
   *
   * @default 600
   */
  progressDeadlineSeconds?: number;
}
/**
 * How to replace existing pods with new ones.
 *
 * @default {}
 */
export interface DeploymentStrategy {
  /**
   * "Recreate" kills all existing pods before creating new ones; "RollingUpdate" replaces them gradually.
   *
   * @default "RollingUpdate"
   */
  type?: "Recreate" | "RollingUpdate";
  rollingUpdate?: RollingUpdateDeployment;
}
/**
 * Present only if type is RollingUpdate.
 */
export interface RollingUpdateDeployment {
  /**
   * Pods that can be unavailable during the update: a number or a percentage of desired pods (rounded down).
   *
   * @default "25%"
   */
  maxUnavailable?: number | string;
  /**
   * Pods that can be scheduled above the desired number: a number or a percentage of desired pods (rounded up).
   *
   * @default "25%"
   */
  maxSurge?: number | string;
}
export interface DeploymentStatus {
  /**
   * The generation observed by the deployment controller.
   */
  observedGeneration?: number;
  /**
   * Total non-terminating pods targeted by this deployment.
   */
  replicas?: number;
  /**
   * Non-terminating pods that have the desired template spec.
   */
  updatedReplicas?: number;
  readyReplicas?: number;
  /**
   * Pods ready for at least minReadySeconds.
   */
  availableReplicas?: number;
  unavailableReplicas?: number;
  terminatingReplicas?: number;
  conditions?: DeploymentCondition[];
  /**
   * Used as a suffix of the pod-template-hash when the hash collides with an existing ReplicaSet.
   */
  collisionCount?: number;
}
export interface DeploymentCondition {
  /**
   * Available, Progressing or ReplicaFailure.
   */
  type: string;
  status: "True" | "False" | "Unknown";
  lastUpdateTime?: Time;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

/* Generated from schemas/ by npm run gen. Do not edit. */

import type {
  LabelSelector,
  ObjectMeta,
  Time,
} from "./common.js";
import type { PodTemplateSpec } from "./pod-spec.js";

/**
 * Runs a copy of a pod on every eligible node.
 */
export interface DaemonSet {
  apiVersion: "apps/v1";
  kind: "DaemonSet";
  metadata: ObjectMeta;
  spec?: DaemonSetSpec;
  status?: DaemonSetStatus;
}
export interface DaemonSetSpec {
  selector: LabelSelector;
  template: PodTemplateSpec;
  updateStrategy?: DaemonSetUpdateStrategy;
  minReadySeconds?: number;
  /**
   * @default 10
   */
  revisionHistoryLimit?: number;
}
/**
 * @default {}
 */
export interface DaemonSetUpdateStrategy {
  /**
   * @default "RollingUpdate"
   */
  type?: "RollingUpdate" | "OnDelete";
  rollingUpdate?: RollingUpdateDaemonSet;
}
export interface RollingUpdateDaemonSet {
  /**
   * Nodes that can be unavailable during the update: a number or a percentage of nodes.
   *
   * @default 1
   */
  maxUnavailable?: number | string;
  /**
   * Nodes with an available pod that can run an extra updated pod during the update.
   *
   * @default 0
   */
  maxSurge?: number | string;
}
export interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: DaemonSetCondition[];
}
export interface DaemonSetCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

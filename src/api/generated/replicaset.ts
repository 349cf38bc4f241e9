/* Generated from schemas/ by npm run gen. Do not edit. */

import type {
  LabelSelector,
  ObjectMeta,
  Time,
} from "./common.js";
import type { PodTemplateSpec } from "./pod-spec.js";

/**
 * Ensures that a specified number of pod replicas are running at any given time.
 */
export interface ReplicaSet {
  apiVersion: "apps/v1";
  kind: "ReplicaSet";
  metadata: ObjectMeta;
  spec?: ReplicaSetSpec;
  status?: ReplicaSetStatus;
}
export interface ReplicaSetSpec {
  /**
   * @default 1
   */
  replicas?: number;
  minReadySeconds?: number;
  selector: LabelSelector;
  template?: PodTemplateSpec;
}
export interface ReplicaSetStatus {
  /**
   * Most recently observed number of non-terminating replicas.
   */
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  terminatingReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaSetCondition[];
}
export interface ReplicaSetCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

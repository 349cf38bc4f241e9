/* Generated from schemas/ by npm run gen. Do not edit. */

import type {
  ObjectMeta,
  Time,
} from "./common.js";

/**
 * A scope for names. The name must be a DNS-1123 label.
 */
export interface Namespace {
  apiVersion: "v1";
  kind: "Namespace";
  metadata: ObjectMeta;
  spec?: NamespaceSpec;
  status?: NamespaceStatus;
}
export interface NamespaceSpec {
  /**
   * Must be empty before the namespace is removed from storage.
   */
  finalizers?: string[];
}
export interface NamespaceStatus {
  phase?: "Active" | "Terminating";
  conditions?: NamespaceCondition[];
}
export interface NamespaceCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

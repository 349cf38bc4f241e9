/* Generated from schemas/ by npm run gen. Do not edit. */

import type {
  MicroTime,
  ObjectMeta,
} from "./common.js";

/**
 * A lease concept, used for leader election and node heartbeats.
 */
export interface Lease {
  apiVersion: "coordination.k8s.io/v1";
  kind: "Lease";
  metadata: ObjectMeta;
  spec?: LeaseSpec;
}
export interface LeaseSpec {
  /**
   * Identity of the holder of the current lease.
   */
  holderIdentity?: string;
  /**
   * Duration candidates must wait to force acquire the lease, measured against the last renewTime.
   */
  leaseDurationSeconds?: number;
  acquireTime?: MicroTime;
  renewTime?: MicroTime;
  /**
   * Number of transitions of the lease between holders.
   */
  leaseTransitions?: number;
  strategy?: string;
  preferredHolder?: string;
}

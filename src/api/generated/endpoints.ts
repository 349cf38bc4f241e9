/* Generated from schemas/ by npm run gen. Do not edit. */

import type {
  ObjectMeta,
  ObjectReference,
} from "./common.js";

/**
 * The set of addresses and ports that implement a service; maintained by the endpoints controller for services with a selector.
 */
export interface Endpoints {
  apiVersion: "v1";
  kind: "Endpoints";
  metadata: ObjectMeta;
  /**
   * The endpoints are the cartesian product of each subset's addresses and ports.
   */
  subsets?: EndpointSubset[];
}
export interface EndpointSubset {
  /**
   * Addresses of ready pods.
   */
  addresses?: EndpointAddress[];
  /**
   * Addresses of pods that are not ready yet.
   */
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}
export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}
export interface EndpointPort {
  /**
   * Must match the name of the ServicePort.
   */
  name?: string;
  port: number;
  /**
   * @default "TCP"
   */
  protocol?: "TCP" | "UDP" | "SCTP";
  appProtocol?: string;
}

/* Generated from schemas/ by npm run gen. Do not edit. */

import type {
  Condition,
  IntOrString,
  ObjectMeta,
} from "./common.js";

/**
 * A named abstraction of a software service: a local port the proxy listens on, and the selector that determines which pods answer requests sent through it. The name must be a DNS-1035 label.
 */
export interface Service {
  apiVersion: "v1";
  kind: "Service";
  metadata: ObjectMeta;
  spec?: ServiceSpec;
  status?: ServiceStatus;
}
export interface ServiceSpec {
  ports?: ServicePort[];
  /**
   * Route traffic to pods with labels matching this selector. If empty or absent, endpoints are managed externally.
   */
  selector?: {
    [k: string]: string;
  };
  /**
   * Assigned by the API server when unset. "None" makes a headless service.
   */
  clusterIP?: string;
  clusterIPs?: string[];
  /**
   * How the Service is exposed.
   *
   * @default "ClusterIP"
   */
  type?: "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName";
  externalIPs?: string[];
  /**
   * ClientIP enables client IP based session affinity.
   *
   * @default "None"
   */
  sessionAffinity?: "ClientIP" | "None";
  /**
   * Deprecated.
   */
  loadBalancerIP?: string;
  loadBalancerSourceRanges?: string[];
  /**
   * DNS name (CNAME) this service resolves to; requires type ExternalName.
   */
  externalName?: string;
  externalTrafficPolicy?: "Cluster" | "Local";
  healthCheckNodePort?: number;
  publishNotReadyAddresses?: boolean;
  sessionAffinityConfig?: SessionAffinityConfig;
  ipFamilies?: ("IPv4" | "IPv6")[];
  ipFamilyPolicy?: "SingleStack" | "PreferDualStack" | "RequireDualStack";
  allocateLoadBalancerNodePorts?: boolean;
  loadBalancerClass?: string;
  internalTrafficPolicy?: "Cluster" | "Local";
  trafficDistribution?: string;
}
export interface ServicePort {
  /**
   * DNS-1123 label; required (and unique) when there is more than one port.
   */
  name?: string;
  /**
   * @default "TCP"
   */
  protocol?: "TCP" | "UDP" | "SCTP";
  appProtocol?: string;
  /**
   * The port exposed by this service.
   */
  port: number;
  targetPort?: IntOrString;
  /**
   * Port on each node for NodePort or LoadBalancer services; allocated by the system if unset.
   */
  nodePort?: number;
}
export interface SessionAffinityConfig {
  clientIP?: ClientIPConfig;
}
export interface ClientIPConfig {
  /**
   * @default 10800
   */
  timeoutSeconds?: number;
}
export interface ServiceStatus {
  loadBalancer?: LoadBalancerStatus;
  conditions?: Condition[];
}
export interface LoadBalancerStatus {
  ingress?: LoadBalancerIngress[];
}
export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ipMode?: "VIP" | "Proxy";
  ports?: PortStatus[];
}
export interface PortStatus {
  port: number;
  protocol: "TCP" | "UDP" | "SCTP";
  error?: string;
}

/* Generated from schemas/ by npm run gen. Do not edit. */

import type { Application } from "./application.js";
import type { ListMeta } from "./common.js";
import type { ConfigMap } from "./configmap.js";
import type { CronJob } from "./cronjob.js";
import type { DaemonSet } from "./daemonset.js";
import type { Deployment } from "./deployment.js";
import type { Endpoints } from "./endpoints.js";
import type { Event } from "./event.js";
import type { Job } from "./job.js";
import type { Lease } from "./lease.js";
import type { Namespace } from "./namespace.js";
import type { Node } from "./node.js";
import type { Pod } from "./pod.js";
import type { ReplicaSet } from "./replicaset.js";
import type { Secret } from "./secret.js";
import type { Service } from "./service.js";

/**
 * A list of Application objects.
 */
export interface ApplicationList {
  apiVersion: "gitplane.io/v1alpha1";
  kind: "ApplicationList";
  metadata?: ListMeta;
  items: Application[];
}
/**
 * A list of ConfigMap objects.
 */
export interface ConfigMapList {
  apiVersion: "v1";
  kind: "ConfigMapList";
  metadata?: ListMeta;
  items: ConfigMap[];
}
/**
 * A list of CronJob objects.
 */
export interface CronJobList {
  apiVersion: "batch/v1";
  kind: "CronJobList";
  metadata?: ListMeta;
  items: CronJob[];
}
/**
 * A list of DaemonSet objects.
 */
export interface DaemonSetList {
  apiVersion: "apps/v1";
  kind: "DaemonSetList";
  metadata?: ListMeta;
  items: DaemonSet[];
}
/**
 * A list of Deployment objects.
 */
export interface DeploymentList {
  apiVersion: "apps/v1";
  kind: "DeploymentList";
  metadata?: ListMeta;
  items: Deployment[];
}
/**
 * A list of Endpoints objects.
 */
export interface EndpointsList {
  apiVersion: "v1";
  kind: "EndpointsList";
  metadata?: ListMeta;
  items: Endpoints[];
}
/**
 * A list of Event objects.
 */
export interface EventList {
  apiVersion: "v1";
  kind: "EventList";
  metadata?: ListMeta;
  items: Event[];
}
/**
 * A list of Job objects.
 */
export interface JobList {
  apiVersion: "batch/v1";
  kind: "JobList";
  metadata?: ListMeta;
  items: Job[];
}
/**
 * A list of Lease objects.
 */
export interface LeaseList {
  apiVersion: "coordination.k8s.io/v1";
  kind: "LeaseList";
  metadata?: ListMeta;
  items: Lease[];
}
/**
 * A list of Namespace objects.
 */
export interface NamespaceList {
  apiVersion: "v1";
  kind: "NamespaceList";
  metadata?: ListMeta;
  items: Namespace[];
}
/**
 * A list of Node objects.
 */
export interface NodeList {
  apiVersion: "v1";
  kind: "NodeList";
  metadata?: ListMeta;
  items: Node[];
}
/**
 * A list of Pod objects.
 */
export interface PodList {
  apiVersion: "v1";
  kind: "PodList";
  metadata?: ListMeta;
  items: Pod[];
}
/**
 * A list of ReplicaSet objects.
 */
export interface ReplicaSetList {
  apiVersion: "apps/v1";
  kind: "ReplicaSetList";
  metadata?: ListMeta;
  items: ReplicaSet[];
}
/**
 * A list of Secret objects.
 */
export interface SecretList {
  apiVersion: "v1";
  kind: "SecretList";
  metadata?: ListMeta;
  items: Secret[];
}
/**
 * A list of Service objects.
 */
export interface ServiceList {
  apiVersion: "v1";
  kind: "ServiceList";
  metadata?: ListMeta;
  items: Service[];
}

// Health of live objects, one small function per kind (as Argo CD's gitops-engine), and
// their worst-first combination. healthOf returns undefined for kinds with no health
// notion (ConfigMap, Secret, ...): callers treat those as Healthy.

import type { HealthStatus, KubeObject } from '../types.js';
import { applicationHealth } from './application.js';
import { cronJobHealth } from './cronjob.js';
import { daemonSetHealth } from './daemonset.js';
import { deploymentHealth } from './deployment.js';
import { jobHealth } from './job.js';
import { namespaceHealth } from './namespace.js';
import { podHealth } from './pod.js';
import { replicaSetHealth } from './replicaset.js';
import { serviceHealth } from './service.js';

export { HEALTH_ORDER, isWorse, worstHealth } from './order.js';
export { isErrorWaitingReason } from './pod.js';

type HealthCheck = (obj: KubeObject) => HealthStatus;

/** "group/Kind" → check. The version is not part of the key: apps/v1 and a future apps/v2 judge alike. */
const CHECKS = new Map<string, HealthCheck>([
  ['apps/Deployment', deploymentHealth],
  ['apps/ReplicaSet', replicaSetHealth],
  ['apps/DaemonSet', daemonSetHealth],
  ['/Pod', podHealth],
  ['/Service', serviceHealth],
  ['/Namespace', namespaceHealth],
  ['batch/Job', jobHealth],
  ['batch/CronJob', cronJobHealth],
  ['gitplane.io/Application', applicationHealth],
]);

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Whether gitplane has a health check for this apiVersion/kind. */
export function hasHealthCheck(apiVersion: string, kind: string): boolean {
  return CHECKS.has(`${groupOf(apiVersion)}/${kind}`);
}

/**
 * The health of a live object. An object being deleted (deletionTimestamp set) is
 * Progressing "Pending deletion", whatever its kind, as in gitops-engine. Undefined when
 * the kind has no health notion.
 */
export function healthOf(obj: KubeObject): HealthStatus | undefined {
  if (obj.metadata?.deletionTimestamp) return { status: 'Progressing', message: 'Pending deletion' };
  const check = CHECKS.get(`${groupOf(obj.apiVersion ?? '')}/${obj.kind}`);
  return check === undefined ? undefined : check(obj);
}

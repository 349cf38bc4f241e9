// Health of an apps/v1 ReplicaSet, as Argo CD judges it: a ReplicaFailure condition →
// Degraded; fewer available replicas than desired, or a spec the controller has not
// observed yet → Progressing; else Healthy.

import type { HealthStatus, KubeObject } from '../types.js';
import { findCondition, num, obj } from './conditions.js';

export function replicaSetHealth(rs: KubeObject): HealthStatus {
  const spec = obj(rs.spec);
  const status = obj(rs.status);
  if (num(rs.metadata.generation) > num(status.observedGeneration)) {
    return { status: 'Progressing', message: 'Waiting for rollout to finish: observed replica set generation less than desired generation' };
  }
  const failure = findCondition(status.conditions, 'ReplicaFailure');
  if (failure?.status === 'True') return { status: 'Degraded', message: failure.message ?? failure.reason ?? 'ReplicaFailure' };
  const desired = num(spec.replicas, 1);
  const available = num(status.availableReplicas);
  if (available < desired) {
    return { status: 'Progressing', message: `Waiting for rollout to finish: ${available} out of ${desired} new replicas are available...` };
  }
  return { status: 'Healthy' };
}

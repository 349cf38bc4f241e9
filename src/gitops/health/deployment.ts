// Health of an apps/v1 Deployment, as Argo CD judges it with kubectl rollout status'
// words: paused → Suspended; ProgressDeadlineExceeded → Degraded; a rollout still
// replacing, terminating or waiting for replicas → Progressing; else Healthy.

import type { HealthStatus, KubeObject } from '../types.js';
import { findCondition, num, obj } from './conditions.js';

export function deploymentHealth(d: KubeObject): HealthStatus {
  const spec = obj(d.spec);
  const status = obj(d.status);
  if (spec.paused === true) return { status: 'Suspended', message: 'Deployment is paused' };
  if (num(d.metadata.generation) > num(status.observedGeneration)) {
    return { status: 'Progressing', message: 'Waiting for rollout to finish: observed deployment generation less than desired generation' };
  }
  const progressing = findCondition(status.conditions, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { status: 'Degraded', message: `Deployment "${d.metadata.name}" exceeded its progress deadline` };
  }
  const desired = num(spec.replicas, 1);
  const replicas = num(status.replicas);
  const updated = num(status.updatedReplicas);
  const available = num(status.availableReplicas);
  if (updated < desired) {
    return { status: 'Progressing', message: `Waiting for rollout to finish: ${updated} out of ${desired} new replicas have been updated...` };
  }
  if (replicas > updated) {
    return { status: 'Progressing', message: `Waiting for rollout to finish: ${replicas - updated} old replicas are pending termination...` };
  }
  if (available < updated) {
    return { status: 'Progressing', message: `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...` };
  }
  return { status: 'Healthy' };
}

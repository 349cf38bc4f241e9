// Health of an apps/v1 DaemonSet, with kubectl rollout status' words: pods not yet
// updated or not yet available on every node that should run one → Progressing;
// OnDelete strategies are Healthy once observed (nothing rolls them); else Healthy.

import type { HealthStatus, KubeObject } from '../types.js';
import { num, obj } from './conditions.js';

export function daemonSetHealth(ds: KubeObject): HealthStatus {
  const spec = obj(ds.spec);
  const status = obj(ds.status);
  const name = ds.metadata.name;
  if (num(ds.metadata.generation) > num(status.observedGeneration)) {
    return { status: 'Progressing', message: 'Waiting for rollout to finish: observed daemon set generation less than desired generation' };
  }
  const desired = num(status.desiredNumberScheduled);
  const updated = num(status.updatedNumberScheduled);
  const available = num(status.numberAvailable);
  if (obj(spec.updateStrategy).type === 'OnDelete') {
    return { status: 'Healthy', message: `daemon set ${updated} out of ${desired} new pods have been updated` };
  }
  if (updated < desired) {
    return { status: 'Progressing', message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...` };
  }
  if (available < desired) {
    return { status: 'Progressing', message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...` };
  }
  return { status: 'Healthy' };
}

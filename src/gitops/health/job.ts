// Health of a batch/v1 Job: Failed condition → Degraded with its message; Complete →
// Healthy; suspended (spec.suspend or a Suspended condition) → Suspended; anything
// else is still running → Progressing.

import type { HealthStatus, KubeObject } from '../types.js';
import { findCondition, obj } from './conditions.js';

export function jobHealth(job: KubeObject): HealthStatus {
  const status = obj(job.status);
  const failed = findCondition(status.conditions, 'Failed');
  if (failed?.status === 'True') return { status: 'Degraded', message: failed.message ?? failed.reason ?? 'Job failed' };
  const complete = findCondition(status.conditions, 'Complete');
  if (complete?.status === 'True') return complete.message ? { status: 'Healthy', message: complete.message } : { status: 'Healthy' };
  const suspended = findCondition(status.conditions, 'Suspended');
  if (obj(job.spec).suspend === true || suspended?.status === 'True') {
    return { status: 'Suspended', message: suspended?.message ?? 'Job is suspended' };
  }
  return { status: 'Progressing', message: 'Job is running' };
}

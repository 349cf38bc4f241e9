// Health of a batch/v1 CronJob: suspended → Suspended; Degraded when its last scheduled
// run finished without succeeding (lastSuccessfulTime older than lastScheduleTime and
// nothing active); else Healthy (a CronJob never scheduled yet is Healthy too).

import type { HealthStatus, KubeObject } from '../types.js';
import { obj } from './conditions.js';

function time(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

export function cronJobHealth(cj: KubeObject): HealthStatus {
  if (obj(cj.spec).suspend === true) return { status: 'Suspended', message: 'CronJob is suspended' };
  const status = obj(cj.status);
  const lastSchedule = time(status.lastScheduleTime);
  const lastSuccess = time(status.lastSuccessfulTime);
  const active = Array.isArray(status.active) ? status.active.length : 0;
  if (lastSchedule !== undefined && active === 0 && (lastSuccess === undefined || lastSuccess < lastSchedule)) {
    return { status: 'Degraded', message: 'CronJob has not completed its last execution successfully' };
  }
  return { status: 'Healthy' };
}

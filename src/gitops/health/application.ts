// Health of a gitplane.io/v1alpha1 Application (app of apps): the child's own
// status.health as it reports it; an Application not assessed yet is Progressing,
// as Argo CD's built-in check for argoproj.io Applications does.

import type { HealthStatus, HealthStatusCode, KubeObject } from '../types.js';
import { HEALTH_ORDER } from './order.js';
import { obj } from './conditions.js';

export function applicationHealth(app: KubeObject): HealthStatus {
  const health = obj(obj(app.status).health);
  const code = health.status;
  if (typeof code !== 'string' || code === '') return { status: 'Progressing', message: 'Waiting for the application to be assessed' };
  const status = HEALTH_ORDER.includes(code as HealthStatusCode) ? (code as HealthStatusCode) : 'Unknown';
  return typeof health.message === 'string' && health.message !== '' ? { status, message: health.message } : { status };
}

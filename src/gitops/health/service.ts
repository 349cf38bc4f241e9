// Health of a v1 Service: a LoadBalancer Service is Progressing until its load balancer
// has an ingress point; every other Service is Healthy once it exists.

import type { HealthStatus, KubeObject } from '../types.js';
import { obj } from './conditions.js';

export function serviceHealth(svc: KubeObject): HealthStatus {
  if (obj(svc.spec).type !== 'LoadBalancer') return { status: 'Healthy' };
  const ingress = obj(obj(svc.status).loadBalancer).ingress;
  if (Array.isArray(ingress) && ingress.length > 0) return { status: 'Healthy' };
  return { status: 'Progressing', message: 'Waiting for the load balancer to get an ingress point' };
}

// Health of a v1 Namespace: Active → Healthy; Terminating → Progressing (its content is
// being deleted); a namespace without a phase yet is Healthy, as it is usable at once.

import type { HealthStatus, KubeObject } from '../types.js';
import { obj } from './conditions.js';

export function namespaceHealth(ns: KubeObject): HealthStatus {
  if (obj(ns.status).phase === 'Terminating') return { status: 'Progressing', message: 'Namespace is terminating' };
  return { status: 'Healthy' };
}

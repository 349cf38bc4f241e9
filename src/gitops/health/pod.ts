// Health of a v1 Pod, as Argo CD judges it. A long-running pod (restartPolicy Always)
// whose container waits on an error (CrashLoopBackOff, ImagePullBackOff, ErrImagePull,
// CreateContainerConfigError...) is Degraded in any phase; otherwise the phase decides.

import type { HealthStatus, KubeObject } from '../types.js';
import { findCondition, num, obj } from './conditions.js';

/** kubelet's waiting reasons that mean "stuck on an error", by Argo CD's rule. */
export function isErrorWaitingReason(reason: string): boolean {
  return reason.startsWith('Err') || reason.endsWith('Error') || reason.endsWith('BackOff');
}

function statuses(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map(obj) : [];
}

function failMessage(ctr: Record<string, unknown>): string | undefined {
  const terminated = obj(obj(ctr.state).terminated);
  if (Object.keys(terminated).length === 0) return undefined;
  if (typeof terminated.message === 'string' && terminated.message !== '') return terminated.message;
  if (terminated.reason === 'OOMKilled') return 'OOMKilled';
  const code = num(terminated.exitCode);
  if (code !== 0) return `container "${String(ctr.name)}" failed with exit code ${code}`;
  return undefined;
}

function withMessage(status: HealthStatus['status'], message: unknown): HealthStatus {
  return typeof message === 'string' && message !== '' ? { status, message } : { status };
}

export function podHealth(pod: KubeObject): HealthStatus {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const restartPolicy = typeof spec.restartPolicy === 'string' ? spec.restartPolicy : 'Always';
  const containers = statuses(status.containerStatuses);

  // Only for long-running pods: a hook pod (OnFailure/Never) waiting on an image must not fail its sync early.
  if (restartPolicy === 'Always') {
    const messages: string[] = [];
    for (const ctr of containers) {
      const waiting = obj(obj(ctr.state).waiting);
      const reason = typeof waiting.reason === 'string' ? waiting.reason : '';
      if (reason !== '' && isErrorWaitingReason(reason)) {
        messages.push(typeof waiting.message === 'string' && waiting.message !== '' ? waiting.message : `container "${String(ctr.name)}": ${reason}`);
      }
    }
    if (messages.length > 0) return { status: 'Degraded', message: messages.join(', ') };
  }

  switch (status.phase) {
    case 'Pending':
      return withMessage('Progressing', status.message);
    case 'Succeeded':
      return withMessage('Healthy', status.message);
    case 'Failed': {
      if (typeof status.message === 'string' && status.message !== '') return { status: 'Degraded', message: status.message };
      for (const ctr of [...statuses(status.initContainerStatuses), ...containers]) {
        const message = failMessage(ctr);
        if (message !== undefined) return { status: 'Degraded', message };
      }
      return { status: 'Degraded' };
    }
    case 'Running': {
      if (restartPolicy !== 'Always') return withMessage('Progressing', status.message);
      if (findCondition(status.conditions, 'Ready')?.status === 'True') return withMessage('Healthy', status.message);
      // Not ready and a container has died before: it is failing, not starting.
      if (containers.some((c) => Object.keys(obj(obj(c.lastState).terminated)).length > 0)) {
        return withMessage('Degraded', status.message);
      }
      return withMessage('Progressing', status.message);
    }
    default:
      return withMessage('Unknown', status.message);
  }
}

// Table-driven tests of healthOf, one table per kind, and of worstHealth's order.
import { describe, expect, it } from 'vitest';
import { HEALTH_ORDER, hasHealthCheck, healthOf, isWorse, worstHealth } from '../../../../src/gitops/health/index.js';
import type { HealthStatus, KubeObject } from '../../../../src/gitops/types.js';

function make(apiVersion: string, kind: string, rest: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name: 'x', namespace: 'default', ...metadata }, ...rest } as KubeObject;
}

function table(cases: Array<[string, KubeObject, HealthStatus | undefined]>): void {
  it.each(cases)('%s', (_name, object, expected) => {
    expect(healthOf(object)).toEqual(expected);
  });
}

const deploy = (spec: Record<string, unknown>, status: Record<string, unknown>, generation = 2) =>
  make('apps/v1', 'Deployment', { spec: { replicas: 3, ...spec }, status: { observedGeneration: 2, ...status } }, { name: 'web', generation });

describe('Deployment', () => {
  const done = { replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 };
  table([
    ['rolled out', deploy({}, done), { status: 'Healthy' }],
    ['paused', deploy({ paused: true }, done), { status: 'Suspended', message: 'Deployment is paused' }],
    ['generation not observed', deploy({}, done, 3), { status: 'Progressing', message: 'Waiting for rollout to finish: observed deployment generation less than desired generation' }],
    [
      'progress deadline exceeded',
      deploy({}, { ...done, updatedReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }),
      { status: 'Degraded', message: 'Deployment "web" exceeded its progress deadline' },
    ],
    ['new replicas not all updated', deploy({}, { replicas: 3, updatedReplicas: 1, availableReplicas: 1 }), { status: 'Progressing', message: 'Waiting for rollout to finish: 1 out of 3 new replicas have been updated...' }],
    ['old replicas terminating', deploy({}, { replicas: 5, updatedReplicas: 3, availableReplicas: 3 }), { status: 'Progressing', message: 'Waiting for rollout to finish: 2 old replicas are pending termination...' }],
    ['updated not available', deploy({}, { replicas: 3, updatedReplicas: 3, availableReplicas: 2 }), { status: 'Progressing', message: 'Waiting for rollout to finish: 2 of 3 updated replicas are available...' }],
    ['scaled to zero', deploy({ replicas: 0 }, {}), { status: 'Healthy' }],
    ['no status yet', make('apps/v1', 'Deployment', { spec: { replicas: 1 } }, { generation: 1 }), { status: 'Progressing', message: 'Waiting for rollout to finish: observed deployment generation less than desired generation' }],
  ]);
});

describe('ReplicaSet', () => {
  const rs = (status: Record<string, unknown>, generation = 1) => make('apps/v1', 'ReplicaSet', { spec: { replicas: 2 }, status: { observedGeneration: 1, ...status } }, { generation });
  table([
    ['all available', rs({ replicas: 2, availableReplicas: 2 }), { status: 'Healthy' }],
    ['waiting', rs({ replicas: 2, availableReplicas: 1 }), { status: 'Progressing', message: 'Waiting for rollout to finish: 1 out of 2 new replicas are available...' }],
    ['not observed', rs({ availableReplicas: 2 }, 2), { status: 'Progressing', message: 'Waiting for rollout to finish: observed replica set generation less than desired generation' }],
    ['replica failure', rs({ availableReplicas: 0, conditions: [{ type: 'ReplicaFailure', status: 'True', message: 'pods "x" is forbidden: exceeded quota' }] }), { status: 'Degraded', message: 'pods "x" is forbidden: exceeded quota' }],
  ]);
});

describe('DaemonSet', () => {
  const ds = (status: Record<string, unknown>, spec: Record<string, unknown> = {}, generation = 1) =>
    make('apps/v1', 'DaemonSet', { spec, status: { observedGeneration: 1, ...status } }, { name: 'agent', generation });
  table([
    ['rolled out', ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }), { status: 'Healthy' }],
    ['updating', ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 3 }), { status: 'Progressing', message: 'Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been updated...' }],
    ['not available', ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 }), { status: 'Progressing', message: 'Waiting for daemon set "agent" rollout to finish: 2 of 3 updated pods are available...' }],
    ['not observed', ds({}, {}, 2), { status: 'Progressing', message: 'Waiting for rollout to finish: observed daemon set generation less than desired generation' }],
    ['OnDelete', ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 3 }, { updateStrategy: { type: 'OnDelete' } }), { status: 'Healthy', message: 'daemon set 1 out of 3 new pods have been updated' }],
    ['no nodes', ds({ desiredNumberScheduled: 0 }), { status: 'Healthy' }],
  ]);
});

describe('Pod', () => {
  const pod = (status: Record<string, unknown>, restartPolicy?: string) => make('v1', 'Pod', { spec: restartPolicy ? { restartPolicy } : {}, status });
  const ready = [{ type: 'Ready', status: 'True' }];
  const waiting = (reason: string, message?: string) => [{ name: 'app', ready: false, state: { waiting: { reason, message } } }];
  table([
    ['succeeded', pod({ phase: 'Succeeded' }, 'Never'), { status: 'Healthy' }],
    ['failed with message', pod({ phase: 'Failed', message: 'Pod was evicted' }, 'Never'), { status: 'Degraded', message: 'Pod was evicted' }],
    ['failed with exit code', pod({ phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, state: { terminated: { exitCode: 2 } } }] }, 'Never'), { status: 'Degraded', message: 'container "app" failed with exit code 2' }],
    ['failed OOMKilled', pod({ phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }] }, 'Never'), { status: 'Degraded', message: 'OOMKilled' }],
    ['running and ready', pod({ phase: 'Running', conditions: ready }), { status: 'Healthy' }],
    ['running, not ready', pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }), { status: 'Progressing' }],
    ['running, not ready, restarted', pod({ phase: 'Running', containerStatuses: [{ name: 'app', ready: false, lastState: { terminated: { exitCode: 1 } } }] }), { status: 'Degraded' }],
    ['running hook pod (Never)', pod({ phase: 'Running', conditions: ready }, 'Never'), { status: 'Progressing' }],
    ['pending', pod({ phase: 'Pending', message: '0/3 nodes are available' }), { status: 'Progressing', message: '0/3 nodes are available' }],
    ['CrashLoopBackOff', pod({ phase: 'Running', containerStatuses: waiting('CrashLoopBackOff', 'back-off 10s restarting failed container') }), { status: 'Degraded', message: 'back-off 10s restarting failed container' }],
    ['ImagePullBackOff while pending', pod({ phase: 'Pending', containerStatuses: waiting('ImagePullBackOff', 'Back-off pulling image "nope"') }), { status: 'Degraded', message: 'Back-off pulling image "nope"' }],
    ['ErrImagePull without message', pod({ phase: 'Pending', containerStatuses: waiting('ErrImagePull') }), { status: 'Degraded', message: 'container "app": ErrImagePull' }],
    ['CreateContainerConfigError', pod({ phase: 'Pending', containerStatuses: waiting('CreateContainerConfigError', 'configmap "c" not found') }), { status: 'Degraded', message: 'configmap "c" not found' }],
    ['ContainerCreating is not an error', pod({ phase: 'Pending', containerStatuses: waiting('ContainerCreating') }), { status: 'Progressing' }],
    ['hook pod pulling image is not Degraded', pod({ phase: 'Pending', containerStatuses: waiting('ImagePullBackOff') }, 'OnFailure'), { status: 'Progressing' }],
    ['unknown phase', pod({ phase: 'Unknown' }), { status: 'Unknown' }],
  ]);
});

describe('Service', () => {
  table([
    ['ClusterIP', make('v1', 'Service', { spec: { type: 'ClusterIP' } }), { status: 'Healthy' }],
    ['no type', make('v1', 'Service', { spec: {} }), { status: 'Healthy' }],
    ['LoadBalancer pending', make('v1', 'Service', { spec: { type: 'LoadBalancer' }, status: { loadBalancer: {} } }), { status: 'Progressing', message: 'Waiting for the load balancer to get an ingress point' }],
    ['LoadBalancer ready', make('v1', 'Service', { spec: { type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } } }), { status: 'Healthy' }],
  ]);
});

describe('Job', () => {
  const job = (status: Record<string, unknown>, spec: Record<string, unknown> = {}) => make('batch/v1', 'Job', { spec, status });
  table([
    ['complete', job({ conditions: [{ type: 'Complete', status: 'True' }] }), { status: 'Healthy' }],
    ['failed', job({ conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] }), { status: 'Degraded', message: 'Job has reached the specified backoff limit' }],
    ['suspended by spec', job({}, { suspend: true }), { status: 'Suspended', message: 'Job is suspended' }],
    ['suspended condition', job({ conditions: [{ type: 'Suspended', status: 'True', message: 'Job suspended' }] }), { status: 'Suspended', message: 'Job suspended' }],
    ['running', job({ active: 1 }), { status: 'Progressing', message: 'Job is running' }],
    ['condition False does not count', job({ conditions: [{ type: 'Complete', status: 'False' }] }), { status: 'Progressing', message: 'Job is running' }],
  ]);
});

describe('CronJob', () => {
  const cj = (status: Record<string, unknown>, spec: Record<string, unknown> = {}) => make('batch/v1', 'CronJob', { spec: { schedule: '* * * * *', ...spec }, status });
  table([
    ['never scheduled', cj({}), { status: 'Healthy' }],
    ['suspended', cj({}, { suspend: true }), { status: 'Suspended', message: 'CronJob is suspended' }],
    ['last run succeeded', cj({ lastScheduleTime: '2024-01-01T00:00:00Z', lastSuccessfulTime: '2024-01-01T00:00:30Z' }), { status: 'Healthy' }],
    ['last run still active', cj({ lastScheduleTime: '2024-01-01T00:01:00Z', lastSuccessfulTime: '2024-01-01T00:00:30Z', active: [{ name: 'j' }] }), { status: 'Healthy' }],
    ['last run failed', cj({ lastScheduleTime: '2024-01-01T00:01:00Z', lastSuccessfulTime: '2024-01-01T00:00:30Z' }), { status: 'Degraded', message: 'CronJob has not completed its last execution successfully' }],
  ]);
});

describe('Namespace', () => {
  table([
    ['active', make('v1', 'Namespace', { status: { phase: 'Active' } }), { status: 'Healthy' }],
    ['no status', make('v1', 'Namespace', {}), { status: 'Healthy' }],
    ['terminating', make('v1', 'Namespace', { status: { phase: 'Terminating' } }), { status: 'Progressing', message: 'Namespace is terminating' }],
  ]);
});

describe('Application', () => {
  const app = (status?: Record<string, unknown>) => make('gitplane.io/v1alpha1', 'Application', status ? { status } : {});
  table([
    ['healthy', app({ health: { status: 'Healthy' } }), { status: 'Healthy' }],
    ['degraded with message', app({ health: { status: 'Degraded', message: 'Deployment web/api exceeded its progress deadline' } }), { status: 'Degraded', message: 'Deployment web/api exceeded its progress deadline' }],
    ['missing', app({ health: { status: 'Missing' } }), { status: 'Missing' }],
    ['no status', app(), { status: 'Progressing', message: 'Waiting for the application to be assessed' }],
    ['unrecognised code', app({ health: { status: 'Weird' } }), { status: 'Unknown' }],
  ]);
});

describe('kinds without health, and deletion', () => {
  table([
    ['ConfigMap', make('v1', 'ConfigMap', { data: {} }), undefined],
    ['Secret', make('v1', 'Secret', {}), undefined],
    ['unknown CRD', make('example.com/v1', 'Widget', {}), undefined],
    ['Deployment kind in another group', make('example.com/v1', 'Deployment', {}), undefined],
    ['ConfigMap being deleted', make('v1', 'ConfigMap', {}, { deletionTimestamp: '2024-01-01T00:00:00Z' }), { status: 'Progressing', message: 'Pending deletion' }],
    ['Deployment being deleted', make('apps/v1', 'Deployment', { spec: {} }, { deletionTimestamp: '2024-01-01T00:00:00Z' }), { status: 'Progressing', message: 'Pending deletion' }],
  ]);

  it('hasHealthCheck ignores the version', () => {
    expect(hasHealthCheck('apps/v1', 'Deployment')).toBe(true);
    expect(hasHealthCheck('apps/v2', 'Deployment')).toBe(true);
    expect(hasHealthCheck('v1', 'ConfigMap')).toBe(false);
  });
});

describe('worstHealth', () => {
  it('orders codes as Argo CD does', () => {
    expect(HEALTH_ORDER).toEqual(['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown']);
    expect(isWorse('Healthy', 'Suspended')).toBe(true);
    expect(isWorse('Degraded', 'Progressing')).toBe(false);
    expect(isWorse('Degraded', 'Degraded')).toBe(false);
  });

  const cases: Array<[string, Array<HealthStatus | undefined>, HealthStatus]> = [
    ['empty', [], { status: 'Healthy' }],
    ['only kinds without health', [undefined, undefined], { status: 'Healthy' }],
    ['healthy and progressing', [{ status: 'Healthy' }, { status: 'Progressing', message: 'p' }], { status: 'Progressing', message: 'p' }],
    ['suspended beats healthy', [{ status: 'Suspended', message: 's' }, { status: 'Healthy' }], { status: 'Suspended', message: 's' }],
    ['missing beats progressing', [{ status: 'Progressing' }, { status: 'Missing', message: 'm' }], { status: 'Missing', message: 'm' }],
    ['degraded beats missing', [{ status: 'Degraded', message: 'd' }, { status: 'Missing' }, undefined], { status: 'Degraded', message: 'd' }],
    ['unknown is worst', [{ status: 'Degraded' }, { status: 'Unknown', message: 'u' }], { status: 'Unknown', message: 'u' }],
    ['first message at the worst level wins', [{ status: 'Degraded', message: 'first' }, { status: 'Degraded', message: 'second' }], { status: 'Degraded', message: 'first' }],
  ];
  it.each(cases)('%s', (_name, statuses, expected) => {
    expect(worstHealth(statuses)).toEqual(expected);
  });

  it('accepts any iterable', () => {
    function* gen(): Generator<HealthStatus> {
      yield { status: 'Healthy' };
      yield { status: 'Progressing' };
    }
    expect(worstHealth(gen())).toEqual({ status: 'Progressing' });
  });
});

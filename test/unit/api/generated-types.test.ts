// Type-level checks of the generated types; `npx tsc -p tsconfig.json --noEmit` checks this file.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  Application,
  Container,
  CronJob,
  Deployment,
  HealthStatusCode,
  IntOrString,
  ObjectMeta,
  Pod,
  PodList,
  PodSpec,
  Quantity,
  Service,
  SyncStatusCode,
} from '../../../src/api/generated/index.js';
import { validateObject } from '../../../src/api/validation.js';

const container: Container = {
  name: 'web',
  image: 'nginx:1.27',
  ports: [{ containerPort: 80, name: 'http' }],
  resources: { requests: { cpu: '100m', memory: 134217728 }, limits: { cpu: 1 } },
  livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10 },
  env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
};

const deployment: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [container],
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
        affinity: {
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } } },
            ],
          },
        },
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }],
        volumes: [{ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }],
      },
    },
  },
};

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1' },
  spec: { containers: [container], restartPolicy: 'Always' },
  status: {
    phase: 'Running',
    podIP: '10.0.0.5',
    containerStatuses: [
      { name: 'web', ready: true, restartCount: 0, image: 'nginx:1.27', imageID: '', state: { running: { startedAt: '2024-05-01T10:00:00Z' } } },
    ],
  },
};

const application: Application = {
  apiVersion: 'gitplane.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'shop' },
  spec: {
    source: { repoURL: 'https://git.example.com/shop.git', targetRevision: 'main', path: 'deploy' },
    destination: { namespace: 'shop' },
    syncPolicy: { automated: { prune: true, selfHeal: true } },
  },
  status: {
    sync: { status: 'Synced', revision: 'abc123' },
    health: { status: 'Healthy' },
    operationState: { phase: 'Succeeded', syncResult: { resources: [{ kind: 'Deployment', name: 'web', status: 'Synced' }] } },
  },
};

describe('generated types', () => {
  it('describe real objects', () => {
    expectTypeOf(deployment.spec!.template.spec!.containers).toEqualTypeOf<Container[]>();
    expectTypeOf(pod.spec).toEqualTypeOf<PodSpec | undefined>();
    expectTypeOf(deployment.metadata).toEqualTypeOf<ObjectMeta>();
    expectTypeOf<IntOrString>().toEqualTypeOf<number | string>();
    expectTypeOf<Quantity>().toEqualTypeOf<string | number>();
    expectTypeOf<Deployment['apiVersion']>().toEqualTypeOf<'apps/v1'>();
    expectTypeOf<Service['kind']>().toEqualTypeOf<'Service'>();
    expectTypeOf<SyncStatusCode>().toEqualTypeOf<'Synced' | 'OutOfSync' | 'Unknown'>();
    expectTypeOf<HealthStatusCode>().toMatchTypeOf<string>();
    expectTypeOf<NonNullable<CronJob['spec']>['concurrencyPolicy']>().toEqualTypeOf<'Allow' | 'Forbid' | 'Replace' | undefined>();
    expectTypeOf<PodList['items']>().toEqualTypeOf<Pod[]>();
    // Typos are compile errors.
    // @ts-expect-error replicas is a number
    const bad: Deployment = { ...deployment, spec: { ...deployment.spec!, replicas: '2' } };
    expect(bad).toBeDefined();
  });

  it('validate at runtime too', () => {
    for (const object of [deployment, pod, application]) {
      const result = validateObject<typeof object>(object, { applyDefaults: true });
      expect(result.valid ? [] : result.errors).toEqual([]);
    }
    const result = validateObject<Deployment>(deployment, { applyDefaults: true });
    if (result.valid) expectTypeOf(result.object).toEqualTypeOf<Deployment>();
    expect(result.valid && result.object.spec?.replicas).toBe(2);
  });
});

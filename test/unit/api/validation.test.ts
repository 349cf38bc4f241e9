import { describe, expect, it } from 'vitest';
import { fieldPath, validateObject, type FieldError } from '../../../src/api/validation.js';
import { defaultImagePullPolicy } from '../../../src/api/defaults.js';
import { at, manifest } from './fixtures.js';

function deployment(overrides: (d: Record<string, any>) => void = () => {}): Record<string, any> {
  const d: Record<string, any> = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
      },
    },
  };
  overrides(d);
  return d;
}

function errorsOf(obj: unknown, applyDefaults = false): FieldError[] {
  const result = validateObject(obj, { applyDefaults });
  return result.valid ? [] : result.errors;
}

describe('validateObject: field paths and messages', () => {
  it('accepts a minimal Deployment', () => {
    expect(errorsOf(deployment())).toEqual([]);
  });

  it('reports a missing container image at its full path', () => {
    const d = deployment((d) => delete d.spec.template.spec.containers[0].image);
    expect(errorsOf(d)).toEqual([
      { field: 'spec.template.spec.containers[0].image', message: 'Required value', type: 'FieldValueRequired' },
    ]);
  });

  it('reports a wrongly typed replicas at spec.replicas', () => {
    const d = deployment((d) => (d.spec.replicas = 'three'));
    expect(errorsOf(d)).toEqual([
      { field: 'spec.replicas', message: 'Invalid value: "three": must be of type integer', type: 'FieldValueTypeInvalid' },
    ]);
  });

  it('reports every problem at once, with defaults applied or not', () => {
    const d = deployment((d) => {
      d.spec.replicas = -1;
      d.spec.template.spec.containers.push({ name: 'sidecar', image: 'envoy', ports: [{ containerPort: 70000, protocol: 'HTTP' }] });
      d.spec.template.spec.containers[0].livenessProbe = { httpGet: { path: '/' }, periodSeconds: 0 };
      d.spec.template.spec.restartPolicy = 'Sometimes';
    });
    for (const applyDefaults of [false, true]) {
      const errors = errorsOf(d, applyDefaults);
      expect(errors).toEqual(
        expect.arrayContaining([
          { field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0', type: 'FieldValueInvalid' },
          { field: 'spec.template.spec.containers[1].ports[0].containerPort', message: 'Invalid value: 70000: must be less than or equal to 65535', type: 'FieldValueInvalid' },
          {
            field: 'spec.template.spec.containers[1].ports[0].protocol',
            message: 'Unsupported value: "HTTP": supported values: "TCP", "UDP", "SCTP"',
            type: 'FieldValueNotSupported',
          },
          { field: 'spec.template.spec.containers[0].livenessProbe.httpGet.port', message: 'Required value', type: 'FieldValueRequired' },
          { field: 'spec.template.spec.containers[0].livenessProbe.periodSeconds', message: 'Invalid value: 0: must be greater than or equal to 1', type: 'FieldValueInvalid' },
          {
            field: 'spec.template.spec.restartPolicy',
            message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
            type: 'FieldValueNotSupported',
          },
        ]),
      );
    }
  });

  it('requires containers to be non-empty', () => {
    const d = deployment((d) => (d.spec.template.spec.containers = []));
    expect(errorsOf(d)).toContainEqual({ field: 'spec.template.spec.containers', message: 'Required value', type: 'FieldValueRequired' });
  });

  it('uses brackets for map keys that are not identifiers', () => {
    const d = deployment((d) => (d.spec.template.spec.nodeSelector = { 'kubernetes.io/os': 3 }));
    expect(errorsOf(d)).toEqual([
      { field: 'spec.template.spec.nodeSelector[kubernetes.io/os]', message: 'Invalid value: 3: must be of type string', type: 'FieldValueTypeInvalid' },
    ]);
  });

  it('accepts int-or-string and quantities in both forms, and rejects malformed ones', () => {
    const ok = deployment((d) => {
      d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '50%' } };
      d.spec.template.spec.containers[0].resources = { requests: { cpu: 0.5, memory: '128Mi' }, limits: { cpu: '2', memory: '1e9' } };
      d.spec.template.spec.containers[0].readinessProbe = { tcpSocket: { port: 'http' } };
    });
    expect(errorsOf(ok)).toEqual([]);
    const bad = deployment((d) => {
      d.spec.strategy = { rollingUpdate: { maxSurge: true } };
      d.spec.template.spec.containers[0].resources = { limits: { memory: '1 GB' } };
    });
    expect(errorsOf(bad)).toEqual([
      {
        field: 'spec.template.spec.containers[0].resources.limits.memory',
        message: expect.stringMatching(/^Invalid value: "1 GB": quantities must match the regular expression '\^/),
        type: 'FieldValueInvalid',
      },
      { field: 'spec.strategy.rollingUpdate.maxSurge', message: 'Invalid value: true: must be of type integer or string', type: 'FieldValueTypeInvalid' },
    ]);
  });

  it('checks formats: base64 Secret data and RFC 3339 times', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: 'not base64!' } };
    expect(errorsOf(secret)).toEqual([
      { field: 'data.password', message: 'Invalid value: "not base64!": must be base64-encoded', type: 'FieldValueInvalid' },
    ]);
    const pod = manifest('Pod', 'web-7d4b9c8f6d-x2x9q');
    (pod.status as any).startTime = 'yesterday';
    expect(errorsOf(pod)).toEqual([
      { field: 'status.startTime', message: 'Invalid value: "yesterday": must be an RFC 3339 date-time, e.g. "2006-01-02T15:04:05Z"', type: 'FieldValueInvalid' },
    ]);
  });

  it('validates Application enums and required fields', () => {
    const app = manifest('Application', 'shop');
    (app.status as any).sync.status = 'InSync';
    (app.status as any).health.status = 'Fine';
    delete (app.spec as any).source.repoURL;
    expect(errorsOf(app)).toEqual([
      { field: 'spec.source.repoURL', message: 'Required value', type: 'FieldValueRequired' },
      { field: 'status.sync.status', message: 'Unsupported value: "InSync": supported values: "Synced", "OutOfSync", "Unknown"', type: 'FieldValueNotSupported' },
      {
        field: 'status.health.status',
        message: 'Unsupported value: "Fine": supported values: "Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"',
        type: 'FieldValueNotSupported',
      },
    ]);
  });

  it('rejects what is not an object, and objects without apiVersion or kind', () => {
    expect(errorsOf('nope')).toEqual([{ field: '', message: 'Invalid value: "nope": must be an object', type: 'FieldValueTypeInvalid' }]);
    expect(errorsOf(null)).toEqual([{ field: '', message: 'Invalid value: null: must be an object', type: 'FieldValueTypeInvalid' }]);
    expect(errorsOf({ metadata: { name: 'x' } })).toEqual([
      { field: 'apiVersion', message: 'Required value', type: 'FieldValueRequired' },
      { field: 'kind', message: 'Required value', type: 'FieldValueRequired' },
    ]);
  });

  it('gives a clear error for kinds gitplane does not serve', () => {
    expect(errorsOf({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' } })).toEqual([
      { field: 'kind', message: 'Unsupported value: "StatefulSet": no matches for kind "StatefulSet" in version "apps/v1"', type: 'FieldValueNotSupported' },
    ]);
    expect(errorsOf({ apiVersion: 'v2', kind: 'Pod', metadata: { name: 'p' } })[0].message).toBe(
      'Unsupported value: "Pod": no matches for kind "Pod" in version "v2"',
    );
  });

  it('requires metadata', () => {
    expect(errorsOf({ apiVersion: 'v1', kind: 'ConfigMap' })).toEqual([{ field: 'metadata', message: 'Required value', type: 'FieldValueRequired' }]);
  });

  it('validates list kinds too', () => {
    const list = { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '12' }, items: [manifest('Pod', 'web-7d4b9c8f6d-x2x9q'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }] } }] };
    expect(errorsOf(list)).toEqual([{ field: 'items[1].spec.containers[0].image', message: 'Required value', type: 'FieldValueRequired' }]);
    const badName = { apiVersion: 'v1', kind: 'ConfigMapList', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }] };
    expect(errorsOf(badName)).toEqual([
      { field: 'items[0].metadata.name', message: 'Required value: name or generateName is required', type: 'FieldValueRequired' },
    ]);
  });
});

describe('validateObject: Kubernetes rules beyond the schema', () => {
  it('requires a name or generateName, and checks name syntax per kind', () => {
    expect(errorsOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} })).toEqual([
      { field: 'metadata.name', message: 'Required value: name or generateName is required', type: 'FieldValueRequired' },
    ]);
    expect(errorsOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'cfg-' } })).toEqual([]);
    expect(errorsOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app.config-1' } })).toEqual([]);
    const [bad] = errorsOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'My_Config' } });
    expect(bad.field).toBe('metadata.name');
    expect(bad.message).toMatch(/^Invalid value: "My_Config": a lowercase RFC 1123 subdomain must consist of/);
    // Services are DNS-1035 labels (no dots, must start with a letter); namespaces DNS-1123 labels.
    expect(errorsOf({ apiVersion: 'v1', kind: 'Service', metadata: { name: '1web' } })[0].message).toMatch(/a DNS-1035 label/);
    expect(errorsOf({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } })[0].message).toMatch(/a lowercase RFC 1123 label/);
  });

  it('checks the namespace: a DNS label, and forbidden on cluster-scoped kinds', () => {
    expect(errorsOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'Prod' } })[0]).toMatchObject({ field: 'metadata.namespace' });
    expect(errorsOf({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', namespace: 'default' } })).toEqual([
      { field: 'metadata.namespace', message: 'Forbidden: not allowed on this type', type: 'FieldValueForbidden' },
    ]);
  });

  it('checks label keys and values', () => {
    const errors = errorsOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { 'bad key': 'ok', good: 'bad value!' } } });
    expect(errors.map((e) => [e.field, e.message.slice(0, 28)])).toEqual([
      ['metadata.labels', 'Invalid value: "bad key": na'],
      ['metadata.labels', 'Invalid value: "bad value!":'],
    ]);
  });

  it('requires a workload selector to match its template labels', () => {
    const d = deployment((d) => (d.spec.template.metadata.labels = { app: 'api' }));
    expect(errorsOf(d)).toEqual([
      { field: 'spec.template.metadata.labels', message: 'Invalid value: {"app":"api"}: `selector` does not match template `labels`', type: 'FieldValueInvalid' },
    ]);
    const expressions = deployment((d) => (d.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }));
    expect(errorsOf(expressions)).toEqual([]);
    const empty = deployment((d) => (d.spec.selector = {}));
    expect(errorsOf(empty)).toEqual([{ field: 'spec.selector', message: 'Invalid value: {}: empty selector is invalid for deployment', type: 'FieldValueInvalid' }]);
  });

  it('allows only OnFailure or Never in Job and CronJob templates', () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } };
    const expected = [{ field: 'spec.template.spec.restartPolicy', message: 'Unsupported value: "Always": supported values: "OnFailure", "Never"', type: 'FieldValueNotSupported' }];
    expect(errorsOf(job)).toEqual(expected);
    expect(errorsOf(job, true)).toEqual(expected);
    const cronJob = manifest('CronJob', 'nightly-report');
    (cronJob.spec as any).jobTemplate.spec.template.spec.restartPolicy = 'Always';
    expect(errorsOf(cronJob)[0].field).toBe('spec.jobTemplate.spec.template.spec.restartPolicy');
  });

  it('rejects duplicate container names and mounts of undeclared volumes', () => {
    const d = deployment((d) => {
      d.spec.template.spec.initContainers = [{ name: 'web', image: 'busybox' }];
      d.spec.template.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data' }];
    });
    expect(errorsOf(d)).toEqual([
      { field: 'spec.template.spec.containers[0].name', message: 'Duplicate value: "web"', type: 'FieldValueDuplicate' },
      { field: 'spec.template.spec.containers[0].volumeMounts[0].name', message: 'Not found: "data"', type: 'FieldValueNotFound' },
    ]);
  });
});

describe('validateObject: defaults', () => {
  function defaulted(obj: unknown): Record<string, any> {
    const result = validateObject(obj, { applyDefaults: true });
    if (!result.valid) throw new Error(JSON.stringify(result.errors));
    return result.object as Record<string, any>;
  }

  it('leaves the copy undefaulted unless asked', () => {
    const result = validateObject(deployment());
    expect(result.valid && (result.object.spec as any).replicas).toBeUndefined();
  });

  it('fills in Deployment and PodSpec defaults', () => {
    const d = defaulted(deployment());
    expect(d.spec).toMatchObject({
      replicas: 1,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    });
    expect(d.spec.template.spec).toMatchObject({
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
    });
    expect(d.spec.template.spec.containers[0]).toEqual({
      name: 'web',
      image: 'nginx:1.27',
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
    });
  });

  it('keeps explicit values and does not add rollingUpdate to a Recreate strategy', () => {
    const d = defaulted(deployment((d) => {
      d.spec.replicas = 0;
      d.spec.strategy = { type: 'Recreate' };
    }));
    expect(d.spec.replicas).toBe(0);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    const partial = defaulted(deployment((d) => (d.spec.strategy = { rollingUpdate: { maxSurge: 2 } })));
    expect(partial.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: '25%' } });
  });

  it('fills in probe, port and volume defaults', () => {
    const d = defaulted(deployment((d) => {
      const c = d.spec.template.spec.containers[0];
      c.ports = [{ containerPort: 80 }];
      c.readinessProbe = { httpGet: { port: 80 } };
      c.livenessProbe = { exec: { command: ['true'] }, periodSeconds: 30 };
      d.spec.template.spec.volumes = [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'sec', secret: { secretName: 's' } }];
    }));
    const c = d.spec.template.spec.containers[0];
    expect(c.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
    expect(c.readinessProbe).toEqual({
      httpGet: { port: 80, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(c.livenessProbe.periodSeconds).toBe(30);
    expect(d.spec.template.spec.volumes).toEqual([
      { name: 'cfg', configMap: { name: 'cfg', defaultMode: 420 } },
      { name: 'sec', secret: { secretName: 's', defaultMode: 420 } },
    ]);
  });

  it('derives imagePullPolicy from the image tag', () => {
    expect(defaultImagePullPolicy('nginx')).toBe('Always');
    expect(defaultImagePullPolicy('nginx:latest')).toBe('Always');
    expect(defaultImagePullPolicy('nginx:1.27')).toBe('IfNotPresent');
    expect(defaultImagePullPolicy('localhost:5000/nginx')).toBe('Always');
    expect(defaultImagePullPolicy('localhost:5000/nginx:1.0')).toBe('IfNotPresent');
    expect(defaultImagePullPolicy('nginx@sha256:abc')).toBe('IfNotPresent');
  });

  it('defaults Pod requests from limits, but not in templates', () => {
    const pod = defaulted({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { limits: { cpu: '1' } } }] } });
    expect(pod.spec.containers[0].resources).toEqual({ limits: { cpu: '1' }, requests: { cpu: '1' } });
    const d = defaulted(deployment((d) => (d.spec.template.spec.containers[0].resources = { limits: { cpu: '1' } })));
    expect(d.spec.template.spec.containers[0].resources).toEqual({ limits: { cpu: '1' } });
  });

  it('fills in Service defaults by type', () => {
    const clusterIP = defaulted({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
    expect(clusterIP.spec).toEqual({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }],
    });
    const nodePort = defaulted(manifest('Service', 'web'));
    expect(nodePort.spec.externalTrafficPolicy).toBe('Local');
    expect(nodePort.spec.ports[0].targetPort).toBe('http');
    const lb = defaulted(manifest('Service', 'ingress'));
    expect(lb.spec).toMatchObject({ externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true, internalTrafficPolicy: 'Cluster' });
    const external = defaulted(manifest('Service', 'payments'));
    expect(external.spec).not.toHaveProperty('internalTrafficPolicy');
  });

  it('fills in Job defaults on Jobs but not on a CronJob’s jobTemplate', () => {
    const job = defaulted({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } });
    expect(job.spec).toMatchObject({ parallelism: 1, completions: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false });
    const parallel = defaulted({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { parallelism: 4, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } });
    expect(parallel.spec.parallelism).toBe(4);
    expect(parallel.spec).not.toHaveProperty('completions');
    const cronJob = defaulted(manifest('CronJob', 'nightly-report'));
    expect(cronJob.spec.jobTemplate.spec).not.toHaveProperty('parallelism');
    expect(cronJob.spec.jobTemplate.spec.template.spec.dnsPolicy).toBe('ClusterFirst');
    const minimal = defaulted({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '@hourly', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } } } });
    expect(minimal.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
  });

  it('fills in DaemonSet, Secret and Application defaults', () => {
    const ds = defaulted(manifest('DaemonSet', 'node-exporter'));
    expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } });
    expect(ds.spec.revisionHistoryLimit).toBe(10);
    const secret = defaulted({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { a: 'b' } });
    expect(secret.type).toBe('Opaque');
    const app = defaulted({
      apiVersion: 'gitplane.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'a' },
      spec: { source: { repoURL: '/srv/git/a.git' }, destination: {}, syncPolicy: { automated: {}, retry: { backoff: {} } } },
    });
    expect(app.spec.source).toEqual({ repoURL: '/srv/git/a.git', targetRevision: 'HEAD', path: '.' });
    expect(app.spec.syncPolicy).toEqual({
      automated: { prune: false, selfHeal: false, allowEmpty: false },
      retry: { backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
    });
  });

  it('defaults every fixture idempotently', () => {
    const once = defaulted(manifest('Deployment', 'web'));
    expect(defaulted(once)).toEqual(once);
    expect(at(once, 'spec', 'template', 'spec', 'containers', 1, 'imagePullPolicy')).toBe('IfNotPresent');
  });
});

describe('fieldPath', () => {
  it('converts JSON pointers to Kubernetes field paths', () => {
    const data = { spec: { containers: [{ env: [{ name: 'A' }] }] }, metadata: { labels: { 'app.kubernetes.io/name': 'x' }, annotations: { '0': 'y' } } };
    expect(fieldPath('', data)).toBe('');
    expect(fieldPath('/spec/containers/0/env/0/name', data)).toBe('spec.containers[0].env[0].name');
    expect(fieldPath('/metadata/labels/app.kubernetes.io~1name', data)).toBe('metadata.labels[app.kubernetes.io/name]');
    expect(fieldPath('/metadata/annotations/0', data)).toBe('metadata.annotations[0]');
    expect(fieldPath('/spec/template/spec/containers/0/image')).toBe('spec.template.spec.containers[0].image');
  });
});

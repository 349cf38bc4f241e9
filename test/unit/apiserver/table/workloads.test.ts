import { describe, expect, it } from 'vitest';
import type { CronJob, DaemonSet, Deployment, Job, JobCondition, ReplicaSet } from '../../../../src/api/generated/index.js';
import { tableFor } from '../../../../src/apiserver/table/index.js';

const now = Date.parse('2025-01-01T12:00:00Z');
const ago = (ms: number): string => new Date(now - ms).toISOString();
const MIN = 60_000;
const meta = (name: string) => ({ name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '5', creationTimestamp: ago(10 * MIN) });
const template = {
  metadata: { labels: { app: 'web' } },
  spec: {
    containers: [
      { name: 'nginx', image: 'nginx:1.27' },
      { name: 'sidecar', image: 'busybox:1.36' },
    ],
  },
};

function header(kind: string): [string, string, number][] {
  return tableFor(kind, [], { now }).columnDefinitions!.map((c) => [c.name, c.type, c.priority]);
}

function cells(kind: string, obj: object): unknown[] {
  return tableFor(kind, [obj], { now }).rows[0].cells;
}

describe('Deployment table', () => {
  const deploy: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('web'),
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
    status: { replicas: 3, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 },
  };

  it('has Name, Ready, Up-to-date, Available, Age | Containers, Images, Selector', () => {
    expect(header('Deployment')).toEqual([
      ['Name', 'string', 0],
      ['Ready', 'string', 0],
      ['Up-to-date', 'string', 0],
      ['Available', 'string', 0],
      ['Age', 'string', 0],
      ['Containers', 'string', 1],
      ['Images', 'string', 1],
      ['Selector', 'string', 1],
    ]);
  });

  it('prints ready/desired counts and the template', () => {
    expect(cells('Deployment', deploy)).toEqual(['web', '1/3', 2, 1, '10m', 'nginx,sidecar', 'nginx:1.27,busybox:1.36', 'app=web']);
  });

  it('prints 0/N and zeros before the controller reports status', () => {
    const fresh = { ...deploy, status: undefined };
    expect(cells('Deployment', fresh).slice(0, 4)).toEqual(['web', '0/3', 0, 0]);
    expect(cells('Deployment', { ...deploy, spec: { ...deploy.spec!, replicas: 0 }, status: {} })[1]).toBe('0/0');
  });

  it('formats set-based selectors sorted by key; an empty selector is ""', () => {
    const d: Deployment = {
      ...deploy,
      spec: {
        ...deploy.spec!,
        selector: {
          matchLabels: { tier: 'front', app: 'web' },
          matchExpressions: [
            { key: 'env', operator: 'In', values: ['prod', 'canary'] },
            { key: 'zone', operator: 'NotIn', values: ['b'] },
            { key: 'legacy', operator: 'DoesNotExist' },
            { key: 'beta', operator: 'Exists' },
          ],
        },
      },
    };
    expect(cells('Deployment', d)[7]).toBe('app=web,beta,env in (canary,prod),!legacy,tier=front,zone notin (b)');
    expect(cells('Deployment', { ...deploy, spec: { ...deploy.spec!, selector: {} } })[7]).toBe('');
  });
});

describe('ReplicaSet table', () => {
  it('prints desired, current, ready', () => {
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: meta('web-5d78c9b8f6'),
      spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d78c9b8f6' } }, template },
      status: { replicas: 3, readyReplicas: 2 },
    };
    expect(header('ReplicaSet').map((c) => c[0])).toEqual(['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector']);
    expect(cells('ReplicaSet', rs)).toEqual(['web-5d78c9b8f6', 3, 3, 2, '10m', 'nginx,sidecar', 'nginx:1.27,busybox:1.36', 'app=web,pod-template-hash=5d78c9b8f6']);
  });
});

describe('DaemonSet table', () => {
  it('prints the scheduling counts and node selector', () => {
    const ds: DaemonSet = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta('agent'),
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { ...template, spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2, numberMisscheduled: 0 },
    };
    expect(header('DaemonSet').map((c) => c[0])).toEqual([
      'Name',
      'Desired',
      'Current',
      'Ready',
      'Up-to-date',
      'Available',
      'Node Selector',
      'Age',
      'Containers',
      'Images',
      'Selector',
    ]);
    expect(cells('DaemonSet', ds)).toEqual(['agent', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '10m', 'nginx,sidecar', 'nginx:1.27,busybox:1.36', 'app=agent']);
    const noSelector = { ...ds, spec: { ...ds.spec, template } };
    expect(cells('DaemonSet', noSelector)[6]).toBe('<none>');
  });
});

describe('Job table', () => {
  const job = (spec: Partial<Job['spec']>, status: Job['status'], extra: Partial<Job['metadata']> = {}): Job => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { ...meta('pi'), ...extra },
    spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl:5.34' }], restartPolicy: 'Never' } }, ...spec },
    status,
  });

  it('has Name, Status, Completions, Duration, Age | Containers, Images, Selector', () => {
    expect(header('Job').map((c) => c[0])).toEqual(['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector']);
  });

  it('prints a finished job as Complete with its run time', () => {
    const done = job(
      { completions: 1, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc' } } },
      { succeeded: 1, startTime: ago(10 * MIN), completionTime: ago(10 * MIN - 42_000), conditions: [{ type: 'Complete', status: 'True' }] },
    );
    expect(cells('Job', done)).toEqual(['pi', 'Complete', '1/1', '42s', '10m', 'pi', 'perl:5.34', 'batch.kubernetes.io/controller-uid=abc']);
  });

  it('prints a running job with its duration so far', () => {
    expect(cells('Job', job({ completions: 5 }, { succeeded: 2, startTime: ago(3 * MIN) })).slice(1, 4)).toEqual(['Running', '2/5', '3m']);
    expect(cells('Job', job({}, {}))[3]).toBe('');
    expect(cells('Job', job({ parallelism: 3 }, { succeeded: 1 }))[2]).toBe('1/1 of 3');
    expect(cells('Job', job({ parallelism: 1 }, {}))[2]).toBe('0/1');
    expect(cells('Job', job({}, {}))[7]).toBe('<none>');
  });

  it('derives the status from conditions and deletion', () => {
    const status = (conditions: JobCondition[], extra = {}) => cells('Job', job({ completions: 1 }, { conditions }, extra))[1];
    expect(status([{ type: 'Failed', status: 'True' }])).toBe('Failed');
    expect(status([{ type: 'Suspended', status: 'True' }])).toBe('Suspended');
    expect(status([{ type: 'FailureTarget', status: 'True' }])).toBe('FailureTarget');
    expect(status([{ type: 'Complete', status: 'False' }])).toBe('Running');
    expect(status([], { deletionTimestamp: ago(1000) })).toBe('Terminating');
    expect(status([{ type: 'Complete', status: 'True' }], { deletionTimestamp: ago(1000) })).toBe('Complete');
  });
});

describe('CronJob table', () => {
  const cj: CronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta('backup'),
    spec: {
      schedule: '*/5 * * * *',
      suspend: false,
      jobTemplate: { spec: { template: { spec: { containers: [{ name: 'backup', image: 'alpine:3.20' }], restartPolicy: 'OnFailure' } } } },
    },
    status: { active: [{ kind: 'Job', name: 'backup-1', namespace: 'default' }], lastScheduleTime: ago(2 * MIN + 3_000) },
  };

  it('has Name, Schedule, Timezone, Suspend, Active, Last Schedule, Age | Containers, Images, Selector', () => {
    expect(header('CronJob')).toEqual([
      ['Name', 'string', 0],
      ['Schedule', 'string', 0],
      ['Timezone', 'string', 0],
      ['Suspend', 'boolean', 0],
      ['Active', 'integer', 0],
      ['Last Schedule', 'string', 0],
      ['Age', 'string', 0],
      ['Containers', 'string', 1],
      ['Images', 'string', 1],
      ['Selector', 'string', 1],
    ]);
  });

  it('prints schedule, time zone, suspension and activity', () => {
    expect(cells('CronJob', cj)).toEqual(['backup', '*/5 * * * *', '<none>', 'False', 1, '2m3s', '10m', 'backup', 'alpine:3.20', '<none>']);
    const suspended: CronJob = { ...cj, spec: { ...cj.spec!, suspend: true, timeZone: 'Europe/Berlin' }, status: {} };
    expect(cells('CronJob', suspended).slice(2, 6)).toEqual(['Europe/Berlin', 'True', 0, '<none>']);
  });
});

// What get and describe print, without a cluster: Go tabwriter alignment,
// server Tables (wide columns, NAMESPACE, kind/name prefixes, labels), objects
// as kubectl's List, and the describe layouts of pods, deployments, services
// and the generic one.
import { describe, expect, it } from 'vitest';
import type { Deployment, Endpoints, Event, Pod, ReplicaSet, Service } from '../../../../src/api/generated/index.js';
import { describeGeneric, describeService, formatEndpoints, formatQuantity, parseQuantity } from '../../../../src/cli/kube/describe/core.js';
import { eventInterval } from '../../../../src/cli/kube/describe/events.js';
import { describePod, describeProbe, formatToleration, qosClass } from '../../../../src/cli/kube/describe/pod.js';
import { describeDeployment, splitReplicaSets } from '../../../../src/cli/kube/describe/workloads.js';
import { formatTime, smartLabel } from '../../../../src/cli/kube/describe/writer.js';
import { formatObjects, objectName, sortKeys } from '../../../../src/cli/kube/objects.js';
import { asTable, formatCell, labelColumnHeader, printServerTable, type ServerTable } from '../../../../src/cli/kube/server-table.js';
import { tabwrite } from '../../../../src/cli/kube/tabwriter.js';
import { RowPrinter } from '../../../../src/cli/kube/watch.js';

const now = Date.parse('2026-01-02T12:00:00Z');

describe('tabwriter', () => {
  it('aligns each block of lines that share a column, with two spaces of padding', () => {
    expect(tabwrite('Name:\tweb\nLabels:\tapp=web\n\ttier=x\nPlain\nA:\tb\n')).toBe('Name:    web\nLabels:  app=web\n         tier=x\nPlain\nA:  b\n');
  });

  it('aligns nested columns within their block', () => {
    expect(tabwrite('  Type\tStatus\tReason\n  Available\tTrue\tOK\n')).toBe('  Type       Status  Reason\n  Available  True    OK\n');
  });
});

const table: ServerTable = {
  kind: 'Table',
  metadata: { resourceVersion: '7' },
  columnDefinitions: [
    { name: 'Name', type: 'string', format: 'name', priority: 0 },
    { name: 'Ready', type: 'string', format: '', priority: 0 },
    { name: 'Restarts', type: 'integer', format: '', priority: 0 },
    { name: 'IP', type: 'string', format: '', priority: 1 },
  ],
  rows: [
    { cells: ['web-1', '1/1', 0, '10.0.0.1'], object: { metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web', tier: 'fe' } } } },
    { cells: ['db-1', '0/1', 3, null], object: { metadata: { name: 'db-1', namespace: 'data' } } },
  ],
};

describe('server tables', () => {
  it('prints priority-0 columns, upper-cased', () => {
    expect(printServerTable(table).split('\n')).toEqual(['NAME    READY   RESTARTS', 'web-1   1/1     0', 'db-1    0/1     3']);
  });

  it('-o wide adds the other columns; -A a NAMESPACE column from row metadata', () => {
    const lines = printServerTable(table, { wide: true, withNamespace: true }).split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+RESTARTS\s+IP$/);
    expect(lines[1]).toMatch(/^shop\s+web-1\s+1\/1\s+0\s+10\.0\.0\.1$/);
    expect(lines[2]).toMatch(/^data\s+db-1\s+0\/1\s+3\s+<none>$/);
  });

  it('prefixes names with the kind for several types; --show-labels and -L add columns', () => {
    const lines = printServerTable(table, { kindPrefix: 'pod', showLabels: true, labelColumns: ['app.kubernetes.io/tier', 'app'] }).split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+RESTARTS\s+TIER\s+APP\s+LABELS$/);
    expect(lines[1]).toMatch(/^pod\/web-1\s+1\/1\s+0\s+web\s+app=web,tier=fe$/);
    expect(lines[2]).toMatch(/^pod\/db-1\s+0\/1\s+3\s+<none>$/);
    expect(labelColumnHeader('app.kubernetes.io/name')).toBe('NAME');
  });

  it('prints nothing for no rows, and can leave out the header', () => {
    expect(printServerTable({ kind: 'Table', columnDefinitions: table.columnDefinitions!, rows: [] })).toBe('');
    expect(printServerTable(table, {}, true).split('\n')).toHaveLength(2);
  });

  it('cells: text to the first line break, numbers and booleans as text, null as <none>', () => {
    expect(formatCell('a\nb')).toBe('a...');
    expect(formatCell(3)).toBe('3');
    expect(formatCell(false)).toBe('false');
    expect(formatCell(null)).toBe('<none>');
  });

  it('a plain list (no Table support) becomes NAME and AGE', () => {
    const t = asTable({ kind: 'PodList', metadata: { resourceVersion: '9' }, items: [{ metadata: { name: 'x', creationTimestamp: '2026-01-02T11:58:00Z' } }] }, now);
    expect(t.metadata?.resourceVersion).toBe('9');
    expect(printServerTable(t)).toBe('NAME   AGE\nx      120s'.replace('120s', '2m'));
  });

  it('watch rows stay aligned with what was printed before', () => {
    const out: string[] = [];
    const rows = new RowPrinter((t) => out.push(t));
    rows.measure([['NAME', 'STATUS'], ['web-1', 'Running']]);
    rows.print(['NAME', 'STATUS']);
    rows.print(['a', 'Pending']);
    expect(out).toEqual(['NAME    STATUS', 'a       Pending']);
  });
});

describe('objects', () => {
  const obj = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', managedFields: [{ manager: 'x' }], annotations: { b: '1', a: '2' } }, spec: { replicas: 1 } };

  it('one object alone, several as a v1 List; managedFields hidden; keys sorted as kubectl prints them', () => {
    const single = JSON.parse(formatObjects([obj as never], 'json', { single: true }));
    expect(single.metadata.managedFields).toBeUndefined();
    expect(Object.keys(single)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(Object.keys(single.metadata.annotations)).toEqual(['a', 'b']);
    const list = JSON.parse(formatObjects([obj as never, obj as never], 'json'));
    expect(list).toMatchObject({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' } });
    expect(list.items).toHaveLength(2);
    expect(formatObjects([obj as never], 'yaml', { single: true, showManagedFields: true })).toContain('managedFields');
    expect(sortKeys({ b: [{ d: 1, c: 2 }], a: 1 })).toEqual({ a: 1, b: [{ c: 2, d: 1 }] });
  });

  it('-o name is kind.group/name', () => {
    expect(objectName(obj)).toBe('deployment.apps/web');
    expect(objectName({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } })).toBe('pod/p');
  });
});

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-1',
    namespace: 'default',
    labels: { app: 'web', 'pod-template-hash': 'abc' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', note: 'hi' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'u1', controller: true }],
  },
  spec: {
    nodeName: 'node-1',
    serviceAccountName: 'default',
    containers: [
      {
        name: 'c',
        image: 'nginx:1.25',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        env: [{ name: 'MODE', value: 'prod' }, { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'pw' } } }],
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
        resources: { requests: { cpu: '100m' } },
        volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
      },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
    tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
  },
  status: {
    phase: 'Running',
    hostIP: '192.168.1.10',
    podIP: '10.244.0.5',
    podIPs: [{ ip: '10.244.0.5' }],
    startTime: '2026-01-02T11:00:00Z',
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [
      {
        name: 'c',
        ready: true,
        restartCount: 2,
        image: 'nginx:1.25',
        imageID: 'nginx@sha256:1',
        containerID: 'process://1',
        state: { running: { startedAt: '2026-01-02T11:50:00Z' } },
        lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: '2026-01-02T11:40:00Z', finishedAt: '2026-01-02T11:49:00Z' } },
      },
    ],
  },
};

const events: Event[] = [
  {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'e1', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web-1' },
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: '2026-01-02T11:50:00Z',
    lastTimestamp: '2026-01-02T11:58:00Z',
    count: 4,
  },
];

describe('describe', () => {
  it('pods: node, status, IPs, owner, containers with state, restarts, probes, env, mounts, conditions, events', () => {
    const text = describePod(pod, events, now);
    expect(text).toMatch(/^Name:\s+web-1$/m);
    expect(text).toMatch(/^Node:\s+node-1\/192\.168\.1\.10$/m);
    expect(text).toMatch(/^Start Time:\s+Fri, 02 Jan 2026 11:00:00 \+0000$/m);
    expect(text).toMatch(/^Labels:\s+app=web\n\s+pod-template-hash=abc$/m);
    expect(text).toMatch(/^Annotations:\s+note: hi$/m);
    expect(text).not.toContain('last-applied');
    expect(text).toMatch(/^Controlled By:\s+ReplicaSet\/web-abc$/m);
    expect(text).toMatch(/^Containers:\n {2}c:\n {4}Container ID:\s+process:\/\/1\n {4}Image:\s+nginx:1\.25$/m);
    expect(text).toMatch(/^ {4}State:\s+Running\n {6}Started:\s+Fri, 02 Jan 2026 11:50:00 \+0000$/m);
    expect(text).toMatch(/^ {4}Last State:\s+Terminated\n {6}Reason:\s+OOMKilled\n {6}Exit Code:\s+137$/m);
    expect(text).toMatch(/^ {4}Restart Count:\s+2$/m);
    expect(text).toMatch(/^ {4}Liveness:\s+http-get http:\/\/:8080\/healthz delay=0s timeout=1s period=5s #success=1 #failure=3$/m);
    expect(text).toMatch(/^ {6}PASSWORD:\s+<set to the key 'pw' in secret 'creds'>/m);
    expect(text).toMatch(/^ {6}\/data from data \(ro\)$/m);
    expect(text).toMatch(/^Conditions:\n {2}Type\s+Status\n {2}Ready\s+True$/m);
    expect(text).toMatch(/^QoS Class:\s+Burstable$/m);
    expect(text).toMatch(/^Tolerations:\s+node\.kubernetes\.io\/not-ready:NoExecute op=Exists for 300s$/m);
    expect(text).toMatch(/^Events:\n {2}Type\s+Reason\s+Age\s+From\s+Message\n {2}----/m);
    expect(text).toMatch(/Warning\s+BackOff\s+2m \(x4 over 10m\)\s+kubelet, node-1\s+Back-off restarting failed container$/m);
  });

  it('pods without status: Node <none>, no container state, Events <none>', () => {
    const text = describePod({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'ns' }, spec: { containers: [{ name: 'p1', image: 'busybox:1.36' }] } }, [], now);
    expect(text).toMatch(/^Node:\s+<none>$/m);
    expect(text).toMatch(/^Containers:\n\s+p1:\n\s+Image:\s+busybox:1\.36$/m);
    expect(text).toMatch(/^Events:\s+<none>$/m);
    expect(text).not.toContain('Restart Count');
  });

  it('probes, tolerations, QoS and event ages in kubectl words', () => {
    expect(describeProbe({ exec: { command: ['cat', '/ready'] } })).toBe('exec [cat /ready] delay=0s timeout=1s period=10s #success=1 #failure=3');
    expect(describeProbe({ tcpSocket: { port: 5432 }, initialDelaySeconds: 3 })).toBe('tcp-socket :5432 delay=3s timeout=1s period=10s #success=1 #failure=3');
    expect(formatToleration({ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' })).toBe('k=v:NoSchedule');
    expect(formatToleration({ operator: 'Exists' })).toBe('op=Exists');
    expect(qosClass({ ...pod, spec: { containers: [{ name: 'c', image: 'i' }] } })).toBe('BestEffort');
    expect(qosClass({ ...pod, spec: { containers: [{ name: 'c', image: 'i', resources: { limits: { cpu: '1', memory: '1Gi' } } }] } })).toBe('Guaranteed');
    expect(eventInterval({ ...events[0]!, count: 1 }, now)).toBe('10m');
    expect(formatTime('2026-01-02T03:04:05Z')).toBe('Fri, 02 Jan 2026 03:04:05 +0000');
    expect(smartLabel('apiVersion')).toBe('API Version');
    expect(smartLabel('lastTransitionTime')).toBe('Last Transition Time');
    expect(smartLabel('podIPs')).toBe('Pod IPs');
  });

  it('deployments: replicas line, strategy, pod template, conditions, old and new ReplicaSets', () => {
    const d: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', uid: 'd1', creationTimestamp: '2026-01-02T11:00:00Z', annotations: { 'deployment.kubernetes.io/revision': '2' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.26', ports: [{ containerPort: 80 }] }] } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      },
      status: { replicas: 4, updatedReplicas: 1, availableReplicas: 3, unavailableReplicas: 1, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }] },
    };
    const rs = (name: string, revision: string, replicas: number): ReplicaSet => ({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name, namespace: 'default', annotations: { 'deployment.kubernetes.io/revision': revision }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true }] },
      spec: { replicas, selector: { matchLabels: { app: 'web' } } },
      status: { replicas },
    });
    const rss = [rs('web-old', '1', 3), rs('web-new', '2', 1), rs('web-ancient', '0', 0)];
    expect(splitReplicaSets(d, rss).newRS?.metadata.name).toBe('web-new');
    const text = describeDeployment(d, rss, [], now);
    expect(text).toMatch(/^Selector:\s+app=web$/m);
    expect(text).toMatch(/^Replicas:\s+3 desired \| 1 updated \| 4 total \| 3 available \| 1 unavailable$/m);
    expect(text).toMatch(/^StrategyType:\s+RollingUpdate$/m);
    expect(text).toMatch(/^RollingUpdateStrategy:\s+0 max unavailable, 1 max surge$/m);
    expect(text).toMatch(/^Pod Template:\n {2}Labels:\s+app=web\n {2}Containers:\n {3}c:\n {4}Image:\s+nginx:1\.26$/m);
    expect(text).toMatch(/^ {2}Progressing\s+True\s+ReplicaSetUpdated$/m);
    expect(text).toMatch(/^OldReplicaSets:\s+web-old \(3\/3 replicas created\)$/m);
    expect(text).toMatch(/^NewReplicaSet:\s+web-new \(1\/1 replicas created\)$/m);
  });

  it('services: selector, type, IPs, ports, endpoints', () => {
    const svc: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { app: 'web' }, type: 'NodePort', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }] },
    };
    const ep: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web' },
      subsets: [{ addresses: [{ ip: '10.244.0.5' }, { ip: '10.244.0.6' }], ports: [{ name: 'http', port: 8080 }] }],
    };
    const text = describeService(svc, ep, [], now);
    expect(text).toMatch(/^Type:\s+NodePort$/m);
    expect(text).toMatch(/^IP:\s+10\.96\.0\.10$/m);
    expect(text).toMatch(/^Port:\s+http\s+80\/TCP$/m);
    expect(text).toMatch(/^TargetPort:\s+8080\/TCP$/m);
    expect(text).toMatch(/^NodePort:\s+http\s+30080\/TCP$/m);
    expect(text).toMatch(/^Endpoints:\s+10\.244\.0\.5:8080,10\.244\.0\.6:8080$/m);
    expect(formatEndpoints(undefined, 'http')).toBe('<none>');
    const many = { ...ep, subsets: [{ addresses: ['1', '2', '3', '4', '5'].map((i) => ({ ip: `10.0.0.${i}` })), ports: [{ port: 80 }] }] };
    expect(formatEndpoints(many, undefined)).toBe('10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...');
  });

  it('other kinds: every field with readable names', () => {
    const text = describeGeneric({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default', uid: 'u', managedFields: [] }, data: { color: 'blue' } } as never, [], now);
    expect(text).toMatch(/^Name:\s+cfg$/m);
    expect(text).toMatch(/^API Version:\s+v1$/m);
    expect(text).toMatch(/^Data:\n {2}Color:\s+blue$/m);
    expect(text).toMatch(/^Metadata:\n {2}UID:\s+u$/m);
    expect(text).not.toContain('Managed Fields');
  });

  it('resource quantities', () => {
    expect(parseQuantity('250m')).toBeCloseTo(0.25);
    expect(parseQuantity('128Mi')).toBe(128 * 2 ** 20);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('bogus')).toBeUndefined();
    expect(formatQuantity(0.25, 'cpu')).toBe('250m');
    expect(formatQuantity(2, 'cpu')).toBe('2');
    expect(formatQuantity(128 * 2 ** 20, 'memory')).toBe('128Mi');
  });
});

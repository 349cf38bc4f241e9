import { describe, expect, it } from 'vitest';
import type { Application, ConfigMap, Endpoints, Event, Lease, Namespace, Node, Secret, Service } from '../../../../src/api/generated/index.js';
import { tableFor } from '../../../../src/apiserver/table/index.js';

const now = Date.parse('2025-01-01T12:00:00Z');
const ago = (ms: number): string => new Date(now - ms).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const meta = (name: string, namespace: string | undefined = 'default') => ({ name, namespace, uid: `uid-${name}`, creationTimestamp: ago(5 * DAY) });

function names(kind: string): string[] {
  return tableFor(kind, [], { now }).columnDefinitions!.map((c) => (c.priority > 0 ? `${c.name}*` : c.name));
}

function cells(kind: string, obj: object): unknown[] {
  return tableFor(kind, [obj], { now }).rows[0].cells;
}

describe('Service table', () => {
  const svc = (spec: Service['spec'], status?: Service['status']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: meta('web'), spec, status });

  it('has Name, Type, Cluster-IP, External-IP, Port(s), Age | Selector', () => {
    expect(names('Service')).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector*']);
  });

  it('prints a ClusterIP service', () => {
    const s = svc({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { app: 'web', tier: 'fe' } });
    expect(cells('Service', s)).toEqual(['web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP', '5d', 'app=web,tier=fe']);
  });

  it('prints node ports, several ports and external IPs', () => {
    const s = svc({
      type: 'NodePort',
      clusterIP: '10.96.1.2',
      externalIPs: ['192.0.2.1', '192.0.2.2'],
      ports: [
        { name: 'http', port: 80, nodePort: 30080, protocol: 'TCP' },
        { name: 'dns', port: 53, nodePort: 30053, protocol: 'UDP' },
      ],
    });
    expect(cells('Service', s)).toEqual(['web', 'NodePort', '10.96.1.2', '192.0.2.1,192.0.2.2', '80:30080/TCP,53:30053/UDP', '5d', '<none>']);
  });

  it('prints <pending> for a load balancer without ingress, then its addresses', () => {
    const spec: Service['spec'] = { type: 'LoadBalancer', clusterIPs: ['10.96.3.4'], ports: [{ port: 443, nodePort: 31443 }] };
    expect(cells('Service', svc(spec)).slice(1, 5)).toEqual(['LoadBalancer', '10.96.3.4', '<pending>', '443:31443/TCP']);
    const ready = svc(spec, { loadBalancer: { ingress: [{ ip: '203.0.113.9' }, { hostname: 'lb.example.com' }, { ip: '203.0.113.1' }] } });
    expect(cells('Service', ready)[3]).toBe('203.0.113.1,203.0.113.9,lb.example.com');
    const withExternal = svc({ ...spec, externalIPs: ['192.0.2.7'] }, { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } });
    expect(cells('Service', withExternal)[3]).toBe('203.0.113.9,192.0.2.7');
  });

  it('prints headless and ExternalName services', () => {
    expect(cells('Service', svc({ clusterIP: 'None', clusterIPs: ['None'], ports: [] })).slice(1, 5)).toEqual(['ClusterIP', 'None', '<none>', '<none>']);
    expect(cells('Service', svc({ type: 'ExternalName', externalName: 'db.example.com' })).slice(1, 5)).toEqual([
      'ExternalName',
      '<none>',
      'db.example.com',
      '<none>',
    ]);
  });
});

describe('Endpoints table', () => {
  const ep = (subsets: Endpoints['subsets']): Endpoints => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: meta('web'), subsets });

  it('lists up to three endpoints, then counts the rest', () => {
    expect(names('Endpoints')).toEqual(['Name', 'Endpoints', 'Age']);
    expect(cells('Endpoints', ep([]))).toEqual(['web', '<none>', '5d']);
    expect(cells('Endpoints', ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }] }]))[1]).toBe('10.0.0.1:80,10.0.0.2:80');
    const many = ep([
      { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] },
      { addresses: [{ ip: '10.0.0.3' }], ports: [{ port: 8080 }] },
    ]);
    expect(cells('Endpoints', many)[1]).toBe('10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 2 more...');
    expect(cells('Endpoints', ep([{ addresses: [{ ip: '10.0.0.5' }] }]))[1]).toBe('10.0.0.5');
    expect(cells('Endpoints', ep([{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }]))[1]).toBe('[fd00::1]:80');
    expect(cells('Endpoints', ep([{ notReadyAddresses: [{ ip: '10.0.0.9' }], ports: [{ port: 80 }] }]))[1]).toBe('');
  });
});

describe('Namespace, ConfigMap, Secret, Lease tables', () => {
  it('prints namespace phases', () => {
    const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: meta('team-a', undefined), status: { phase: 'Active' } };
    expect(names('Namespace')).toEqual(['Name', 'Status', 'Age']);
    expect(cells('Namespace', ns)).toEqual(['team-a', 'Active', '5d']);
    expect(cells('Namespace', { ...ns, status: { phase: 'Terminating' } })[1]).toBe('Terminating');
  });

  it('counts ConfigMap data and binaryData', () => {
    const cm: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('cfg'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } };
    expect(names('ConfigMap')).toEqual(['Name', 'Data', 'Age']);
    expect(cells('ConfigMap', cm)).toEqual(['cfg', 3, '5d']);
    expect(cells('ConfigMap', { ...cm, data: undefined, binaryData: undefined })[1]).toBe(0);
  });

  it('prints Secret type and key count', () => {
    const secret: Secret = { apiVersion: 'v1', kind: 'Secret', metadata: meta('creds'), type: 'kubernetes.io/basic-auth', data: { username: 'YQ==', password: 'Yg==' } };
    expect(names('Secret')).toEqual(['Name', 'Type', 'Data', 'Age']);
    expect(cells('Secret', secret)).toEqual(['creds', 'kubernetes.io/basic-auth', 2, '5d']);
    expect(cells('Secret', { ...secret, type: undefined, data: undefined }).slice(1, 3)).toEqual(['Opaque', 0]);
  });

  it('prints the Lease holder', () => {
    const lease: Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta('kube-scheduler'), spec: { holderIdentity: 'gitplane-1_abc' } };
    expect(names('Lease')).toEqual(['Name', 'Holder', 'Age']);
    expect(cells('Lease', lease)).toEqual(['kube-scheduler', 'gitplane-1_abc', '5d']);
    expect(cells('Lease', { ...lease, spec: {} })[1]).toBe('');
  });
});

describe('Node table', () => {
  const node = (labels: Record<string, string>, ready: 'True' | 'False' | undefined, unschedulable = false): Node => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { ...meta('node-1', undefined), labels },
    spec: { unschedulable },
    status: {
      conditions: ready === undefined ? [] : [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: ready }],
      addresses: [
        { type: 'Hostname', address: 'node-1' },
        { type: 'InternalIP', address: '192.168.1.10' },
      ],
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '6.1.0-18-amd64',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'gitplane://0.1.0',
        kubeletVersion: 'v1.31.4',
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  });

  it('has Name, Status, Roles, Age, Version | Internal-IP, External-IP, OS-Image, Kernel-Version, Container-Runtime', () => {
    expect(names('Node')).toEqual(['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP*', 'External-IP*', 'OS-Image*', 'Kernel-Version*', 'Container-Runtime*']);
  });

  it('prints a ready worker', () => {
    expect(cells('Node', node({ 'kubernetes.io/hostname': 'node-1' }, 'True'))).toEqual([
      'node-1',
      'Ready',
      '<none>',
      '5d',
      'v1.31.4',
      '192.168.1.10',
      '<none>',
      'Debian GNU/Linux 12 (bookworm)',
      '6.1.0-18-amd64',
      'gitplane://0.1.0',
    ]);
  });

  it('derives roles from node-role labels and kubernetes.io/role', () => {
    const labels = { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/worker': 'true', 'node-role.kubernetes.io/': 'x', 'kubernetes.io/role': 'edge' };
    expect(cells('Node', node(labels, 'True'))[2]).toBe('control-plane,edge,worker');
    expect(cells('Node', node({ 'kubernetes.io/role': '' }, 'True'))[2]).toBe('<none>');
  });

  it('prints NotReady, Unknown and SchedulingDisabled', () => {
    expect(cells('Node', node({}, 'False'))[1]).toBe('NotReady');
    expect(cells('Node', node({}, undefined))[1]).toBe('Unknown');
    expect(cells('Node', node({}, 'True', true))[1]).toBe('Ready,SchedulingDisabled');
    expect(cells('Node', node({}, undefined, true))[1]).toBe('Unknown,SchedulingDisabled');
  });

  it('prints <unknown> for missing node info', () => {
    const bare: Node = { apiVersion: 'v1', kind: 'Node', metadata: meta('bare', undefined) };
    expect(cells('Node', bare)).toEqual(['bare', 'Unknown', '<none>', '5d', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  });
});

describe('Event table', () => {
  const event: Event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: meta('web-1.17a2b3c4d5e6f7a8'),
    involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', fieldPath: 'spec.containers{nginx}' },
    reason: 'Pulled',
    message: 'Container image "nginx:1.27" already present on machine\n',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: ago(10 * MIN),
    lastTimestamp: ago(2 * MIN),
    count: 4,
    type: 'Normal',
  };

  it('has Last Seen, Type, Reason, Object, Message and wide Subobject, Source, First Seen, Count, Name', () => {
    expect(names('Event')).toEqual(['Last Seen', 'Type', 'Reason', 'Object', 'Subobject*', 'Source*', 'Message', 'First Seen*', 'Count*', 'Name*']);
    expect(tableFor('Event', [], { now }).columnDefinitions!.find((c) => c.name === 'Name')?.format).toBe('name');
  });

  it('prints the event', () => {
    expect(cells('Event', event)).toEqual([
      '2m',
      'Normal',
      'Pulled',
      'pod/web-1',
      'spec.containers{nginx}',
      'kubelet, node-1',
      'Container image "nginx:1.27" already present on machine',
      '10m',
      4,
      'web-1.17a2b3c4d5e6f7a8',
    ]);
  });

  it('falls back to eventTime, series and reporting fields', () => {
    const modern: Event = {
      ...event,
      firstTimestamp: undefined,
      lastTimestamp: undefined,
      count: undefined,
      source: undefined,
      eventTime: ago(3 * MIN),
      reportingComponent: 'gitplane-scheduler',
      reportingInstance: '',
      involvedObject: { kind: 'Node' },
    };
    expect(cells('Event', modern).slice(0, 9)).toEqual(['3m', 'Normal', 'Pulled', 'node', '', 'gitplane-scheduler', expect.any(String), '3m', 1]);
    const series: Event = { ...modern, series: { count: 7, lastObservedTime: ago(30_000) } };
    expect([cells('Event', series)[0], cells('Event', series)[8]]).toEqual(['30s', 7]);
  });
});

describe('Application table', () => {
  const app: Application = {
    apiVersion: 'gitplane.io/v1alpha1',
    kind: 'Application',
    metadata: meta('shop', 'gitplane'),
    spec: { source: { repoURL: 'https://git.example.com/shop.git', path: 'deploy', targetRevision: 'main' }, destination: { namespace: 'shop' } },
    status: { sync: { status: 'Synced', revision: '0123456789abcdef0123456789abcdef01234567' }, health: { status: 'Healthy' } },
  };

  it('prints sync, health and revision, with the source as wide columns', () => {
    expect(names('Application')).toEqual(['Name', 'Sync Status', 'Health Status', 'Revision', 'Age', 'Repo*', 'Path*', 'Target*']);
    expect(cells('Application', app)).toEqual(['shop', 'Synced', 'Healthy', '0123456', '5d', 'https://git.example.com/shop.git', 'deploy', 'main']);
  });

  it('prints Unknown before the first reconcile and the source defaults', () => {
    const fresh: Application = { ...app, spec: { source: { repoURL: '/srv/repo' }, destination: {} }, status: undefined };
    expect(cells('Application', fresh)).toEqual(['shop', 'Unknown', 'Unknown', '<none>', '5d', '/srv/repo', '.', 'HEAD']);
    expect(cells('Application', { ...app, status: { sync: { status: 'OutOfSync', revision: 'v1.2.0' } } }).slice(1, 4)).toEqual(['OutOfSync', 'Unknown', 'v1.2.0']);
  });
});

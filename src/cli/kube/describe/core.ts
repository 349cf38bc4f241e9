// describe for Services (type, IPs, ports, endpoints), Nodes (conditions,
// addresses, capacity, system info, the pods on it and what they request),
// Namespaces — and the generic describer every other kind gets: metadata,
// then every field of the object, as kubectl prints custom resources.

import type { Endpoints, Event, Lease, Namespace, Node, Pod, Service } from '../../../api/generated/index.js';
import type { KubeObject } from '../../../client/index.js';
import { writeEvents } from './events.js';
import { formatTime, PrefixWriter, since, smartLabel, writeAnnotations, writeLabels, writeList } from './writer.js';

// ---------------------------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------------------------

/** "10.244.0.5:8080,10.244.0.6:8080" for one service port (by name), at most 3 then "+ N more...". */
export function formatEndpoints(endpoints: Endpoints | undefined, portName: string | undefined): string {
  if (!endpoints?.subsets?.length) return '<none>';
  const list: string[] = [];
  for (const subset of endpoints.subsets) {
    const ports = (subset.ports ?? []).filter((p) => (p.name ?? '') === (portName ?? '') || (subset.ports ?? []).length === 1);
    for (const port of ports) for (const a of subset.addresses ?? []) list.push(`${a.ip}:${port.port}`);
    if ((subset.ports ?? []).length === 0) for (const a of subset.addresses ?? []) list.push(a.ip);
  }
  if (list.length === 0) return '<none>';
  return list.length > 3 ? `${list.slice(0, 3).join(',')} + ${list.length - 3} more...` : list.join(',');
}

export function describeService(svc: Service, endpoints: Endpoints | undefined, events: Event[], now: number): string {
  const w = new PrefixWriter();
  const spec = svc.spec ?? {};
  w.line(0, 'Name:', svc.metadata.name ?? '');
  w.line(0, 'Namespace:', svc.metadata.namespace ?? '');
  writeLabels(w, 0, 'Labels', svc.metadata.labels);
  writeAnnotations(w, 0, 'Annotations', svc.metadata.annotations);
  const selector = Object.keys(spec.selector ?? {}).sort().map((k) => `${k}=${spec.selector![k]}`);
  w.line(0, 'Selector:', selector.length > 0 ? selector.join(',') : '<none>');
  const type = spec.type ?? 'ClusterIP';
  w.line(0, 'Type:', type);
  if (spec.ipFamilyPolicy) w.line(0, 'IP Family Policy:', spec.ipFamilyPolicy);
  w.line(0, 'IP Families:', (spec.ipFamilies ?? []).length > 0 ? spec.ipFamilies!.join(',') : '<none>');
  if (type === 'ExternalName') w.line(0, 'External Name:', spec.externalName ?? '');
  else {
    w.line(0, 'IP:', spec.clusterIP ?? '');
    w.line(0, 'IPs:', (spec.clusterIPs ?? []).length > 0 ? spec.clusterIPs!.join(',') : spec.clusterIP && spec.clusterIP !== 'None' ? spec.clusterIP : '<none>');
  }
  if ((spec.externalIPs ?? []).length > 0) w.line(0, 'External IPs:', spec.externalIPs!.join(','));
  const ingress = svc.status?.loadBalancer?.ingress ?? [];
  if (ingress.length > 0) w.line(0, 'LoadBalancer Ingress:', ingress.map((i) => i.ip ?? i.hostname ?? '').join(', '));
  for (const p of spec.ports ?? []) {
    const name = p.name || '<unset>';
    w.line(0, 'Port:', name, `${p.port}/${p.protocol ?? 'TCP'}`);
    const target = p.targetPort ?? p.port;
    w.line(0, 'TargetPort:', `${target}/${p.protocol ?? 'TCP'}`);
    if (p.nodePort) w.line(0, 'NodePort:', name, `${p.nodePort}/${p.protocol ?? 'TCP'}`);
    if (type !== 'ExternalName') w.line(0, 'Endpoints:', formatEndpoints(endpoints, p.name));
  }
  w.line(0, 'Session Affinity:', spec.sessionAffinity ?? 'None');
  if (type === 'NodePort' || type === 'LoadBalancer') w.line(0, 'External Traffic Policy:', spec.externalTrafficPolicy ?? 'Cluster');
  if (spec.internalTrafficPolicy) w.line(0, 'Internal Traffic Policy:', spec.internalTrafficPolicy);
  writeEvents(w, events, now);
  return w.toString();
}

// ---------------------------------------------------------------------------------------------
// Node
// ---------------------------------------------------------------------------------------------

const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A resource quantity ("250m", "128Mi", "1e3", 2) as a number of base units; undefined when malformed. */
export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === 'number') return q;
  const m = /^([+-]?\d*\.?\d+)(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2]) return n * 10 ** Number(m[2].slice(1));
  return n * SUFFIXES[m[3] ?? '']!;
}

/** A quantity to print: CPU as cores or millicores, memory (and other) in the largest binary unit that divides it. */
export function formatQuantity(value: number, resource: string): string {
  if (resource === 'cpu') {
    const milli = Math.round(value * 1000);
    return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
  }
  for (const [suffix, size] of [
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const) {
    if (value >= size && value % size === 0) return `${value / size}${suffix}`;
  }
  return String(Math.round(value));
}

function podResources(pod: Pod, kind: 'requests' | 'limits', resource: string): number {
  return (pod.spec?.containers ?? []).reduce((sum, c) => sum + (parseQuantity(c.resources?.[kind]?.[resource]) ?? 0), 0);
}

function percent(value: number, total: number | undefined): number {
  return total ? Math.floor((value / total) * 100) : 0;
}

export function describeNode(node: Node, pods: Pod[], lease: Lease | undefined, events: Event[], now: number): string {
  const w = new PrefixWriter();
  const meta = node.metadata;
  const status = node.status ?? {};
  const roles = Object.keys(meta.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean);
  w.line(0, 'Name:', meta.name ?? '');
  w.line(0, 'Roles:', roles.length > 0 ? roles.sort().join(',') : '<none>');
  writeLabels(w, 0, 'Labels', meta.labels);
  writeAnnotations(w, 0, 'Annotations', meta.annotations);
  w.line(0, 'CreationTimestamp:', formatTime(meta.creationTimestamp));
  writeList(w, 0, 'Taints', (node.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`));
  w.line(0, 'Unschedulable:', node.spec?.unschedulable ? 'true' : 'false');
  if (lease) {
    w.line(0, 'Lease:');
    w.line(1, 'HolderIdentity:', lease.spec?.holderIdentity ?? '<unset>');
    w.line(1, 'AcquireTime:', lease.spec?.acquireTime ? formatTime(lease.spec.acquireTime) : '<unset>');
    w.line(1, 'RenewTime:', lease.spec?.renewTime ? formatTime(lease.spec.renewTime) : '<unset>');
  }
  const conditions = status.conditions ?? [];
  if (conditions.length > 0) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type', 'Status', 'LastHeartbeatTime', 'LastTransitionTime', 'Reason', 'Message');
    w.line(1, '----', '------', '-----------------', '------------------', '------', '-------');
    for (const c of conditions) w.line(1, `${c.type} `, `${c.status} `, `${formatTime(c.lastHeartbeatTime)} `, `${formatTime(c.lastTransitionTime)} `, `${c.reason ?? ''} `, c.message ?? '');
  }
  if ((status.addresses ?? []).length > 0) {
    w.line(0, 'Addresses:');
    for (const a of status.addresses!) w.line(1, `${a.type}:`, a.address);
  }
  const writeResourceList = (title: string, list: Record<string, string | number> | undefined) => {
    if (!list || Object.keys(list).length === 0) return;
    w.line(0, `${title}:`);
    for (const k of Object.keys(list).sort()) w.line(1, `${k}:`, String(list[k]));
  };
  writeResourceList('Capacity', status.capacity);
  writeResourceList('Allocatable', status.allocatable);
  const info = status.nodeInfo;
  if (info) {
    w.line(0, 'System Info:');
    w.line(1, 'Machine ID:', info.machineID);
    w.line(1, 'System UUID:', info.systemUUID);
    w.line(1, 'Boot ID:', info.bootID);
    w.line(1, 'Kernel Version:', info.kernelVersion);
    w.line(1, 'OS Image:', info.osImage);
    w.line(1, 'Operating System:', info.operatingSystem);
    w.line(1, 'Architecture:', info.architecture);
    w.line(1, 'Container Runtime Version:', info.containerRuntimeVersion);
    w.line(1, 'Kubelet Version:', info.kubeletVersion);
    w.line(1, 'Kube-Proxy Version:', info.kubeProxyVersion);
  }
  if (node.spec?.podCIDR) w.line(0, 'PodCIDR:', node.spec.podCIDR);
  if ((node.spec?.podCIDRs ?? []).length > 0) w.line(0, 'PodCIDRs:', node.spec!.podCIDRs!.join(','));
  if (node.spec?.providerID) w.line(0, 'ProviderID:', node.spec.providerID);

  const active = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  const alloc = status.allocatable ?? status.capacity ?? {};
  const allocCpu = parseQuantity(alloc.cpu);
  const allocMem = parseQuantity(alloc.memory);
  const cell = (v: number, total: number | undefined, r: string) => `${formatQuantity(v, r)} (${percent(v, total)}%)`;
  w.line(0, 'Non-terminated Pods:', `(${active.length} in total)`);
  if (active.length > 0) {
    w.line(1, 'Namespace', 'Name', '', 'CPU Requests', 'CPU Limits', 'Memory Requests', 'Memory Limits', 'Age');
    w.line(1, '---------', '----', '', '------------', '----------', '---------------', '-------------', '---');
    for (const p of active) {
      w.line(
        1,
        p.metadata.namespace ?? '',
        p.metadata.name ?? '',
        '',
        cell(podResources(p, 'requests', 'cpu'), allocCpu, 'cpu'),
        cell(podResources(p, 'limits', 'cpu'), allocCpu, 'cpu'),
        cell(podResources(p, 'requests', 'memory'), allocMem, 'memory'),
        cell(podResources(p, 'limits', 'memory'), allocMem, 'memory'),
        since(p.metadata.creationTimestamp, now),
      );
    }
  }
  w.line(0, 'Allocated resources:');
  w.line(1, '(Total limits may be over 100 percent, i.e., overcommitted.)');
  w.line(1, 'Resource', 'Requests', 'Limits');
  w.line(1, '--------', '--------', '------');
  for (const [r, total] of [
    ['cpu', allocCpu],
    ['memory', allocMem],
  ] as const) {
    const req = active.reduce((s, p) => s + podResources(p, 'requests', r), 0);
    const lim = active.reduce((s, p) => s + podResources(p, 'limits', r), 0);
    w.line(1, `${r}`, cell(req, total, r), cell(lim, total, r));
  }
  writeEvents(w, events, now);
  return w.toString();
}

// ---------------------------------------------------------------------------------------------
// Namespace
// ---------------------------------------------------------------------------------------------

export function describeNamespace(ns: Namespace, events: Event[], now: number): string {
  const w = new PrefixWriter();
  w.line(0, 'Name:', ns.metadata.name ?? '');
  writeLabels(w, 0, 'Labels', ns.metadata.labels);
  writeAnnotations(w, 0, 'Annotations', ns.metadata.annotations);
  w.line(0, 'Status:', ns.status?.phase ?? 'Active');
  for (const c of ns.status?.conditions ?? []) w.line(0, `${c.type}:`, `${c.status}${c.message ? ` (${c.message})` : ''}`);
  writeEvents(w, events, now);
  return w.toString();
}

// ---------------------------------------------------------------------------------------------
// Generic
// ---------------------------------------------------------------------------------------------

const GENERIC_SKIP = new Set(['.metadata.managedFields', '.metadata.name', '.metadata.namespace', '.metadata.labels', '.metadata.annotations']);

/** kubectl's describer for kinds without one of their own: every field, sorted, with readable names. */
export function describeGeneric(obj: KubeObject, events: Event[], now: number): string {
  const w = new PrefixWriter();
  w.line(0, 'Name:', obj.metadata?.name ?? '');
  if (obj.metadata?.namespace) w.line(0, 'Namespace:', obj.metadata.namespace);
  writeLabels(w, 0, 'Labels', obj.metadata?.labels);
  writeAnnotations(w, 0, 'Annotations', obj.metadata?.annotations);
  writeContent(w, 0, obj as unknown as Record<string, unknown>, '');
  writeEvents(w, events, now);
  return w.toString();
}

function writeContent(w: PrefixWriter, level: number, content: Record<string, unknown>, path: string): void {
  for (const field of Object.keys(content).sort()) {
    const here = `${path}.${field}`;
    if (GENERIC_SKIP.has(here)) continue;
    const value = content[field];
    if (value === null || value === undefined) continue;
    if ((Array.isArray(value) && value.length === 0) || (isRecord(value) && Object.keys(value).length === 0)) continue;
    if (Array.isArray(value)) {
      w.line(level, `${smartLabel(field)}:`);
      for (const item of value) {
        if (isRecord(item)) writeContent(w, level + 1, item, here);
        else w.raw(level + 1, String(item));
      }
    } else if (isRecord(value)) {
      if (path === '' && field === 'metadata' && Object.keys(value).every((k) => GENERIC_SKIP.has(`.metadata.${k}`))) continue;
      w.line(level, `${smartLabel(field)}:`);
      writeContent(w, level + 1, value, here);
    } else {
      w.line(level, `${smartLabel(field)}:`, String(value).replace(/\s*\n\s*/g, ' '));
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

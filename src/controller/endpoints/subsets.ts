// What a Service's Endpoints should hold, computed from the Service and the
// pods its selector matches, after kube's endpoints controller
// (podToEndpointAddressForService, addEndpointSubset, ShouldPodBeInEndpoints,
// FindPort) and endpoints.RepackSubsets: one subset per distinct set of
// ports, ready pods in `addresses`, the rest in `notReadyAddresses`, all in a
// canonical order so two computations of the same state compare equal.

import type { EndpointAddress, EndpointPort, EndpointSubset, Pod, Service, ServicePort } from '../../api/generated/index.js';

/** A pod is ready when its Ready condition is True (podutil.IsPodReady). */
export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * Whether a pod belongs in a Service's endpoints at all (ShouldPodBeInEndpoints): it has an
 * IP, it is not terminating (unless terminating pods are included), and it will not run
 * again by its restart policy.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  switch (pod.spec?.restartPolicy) {
    case 'Never':
      return phase !== 'Failed' && phase !== 'Succeeded';
    case 'OnFailure':
      return phase !== 'Succeeded';
    default:
      return true;
  }
}

/**
 * The pod's port a ServicePort targets (FindPort): a named targetPort is looked up among the
 * containers' ports with the same protocol; a number is taken as it is; none means `port`.
 */
export function findPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort;
  if (target === undefined || target === '') return servicePort.port;
  if (typeof target === 'number') return target;
  const protocol = servicePort.protocol ?? 'TCP';
  for (const container of pod.spec?.containers ?? []) {
    for (const p of container.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

function addressFor(service: Service, pod: Pod): EndpointAddress {
  const meta = pod.metadata ?? {};
  const address: EndpointAddress = {
    ip: pod.status!.podIP!,
    targetRef: {
      kind: 'Pod',
      namespace: meta.namespace,
      name: meta.name,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
    },
  };
  if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
  // A pod named by hostname under the Service as its subdomain gets a DNS name there.
  if (pod.spec?.hostname && pod.spec.subdomain === service.metadata?.name && meta.namespace === service.metadata?.namespace) {
    address.hostname = pod.spec.hostname;
  }
  return address;
}

function portKey(p: EndpointPort): string {
  return `${p.name ?? ''}\u0000${p.port}\u0000${p.protocol ?? 'TCP'}\u0000${p.appProtocol ?? ''}`;
}

function addressKey(a: EndpointAddress): string {
  return `${a.ip}\u0000${a.targetRef?.uid ?? ''}`;
}

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  return compareIp(a.ip, b.ip) || (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '') || (a.hostname ?? '').localeCompare(b.hostname ?? '');
}

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  return (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port || (a.protocol ?? 'TCP').localeCompare(b.protocol ?? 'TCP');
}

/** IPv4 numerically, anything else as text. */
function compareIp(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  if (pa.length === 4 && pb.length === 4 && [...pa, ...pb].every((x) => /^\d{1,3}$/.test(x))) {
    for (let i = 0; i < 4; i++) {
      const d = Number(pa[i]) - Number(pb[i]);
      if (d !== 0) return d;
    }
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Entry {
  address: EndpointAddress;
  ready: boolean;
  ports: Map<string, EndpointPort>;
}

/**
 * Group (address, ports) into subsets: addresses offering the same set of ports share one
 * subset (RepackSubsets), and everything is sorted, so the result is canonical.
 */
export function repackSubsets(entries: Iterable<{ address: EndpointAddress; ready: boolean; ports: EndpointPort[] }>): EndpointSubset[] {
  const byAddress = new Map<string, Entry>();
  for (const e of entries) {
    const key = `${addressKey(e.address)}\u0000${e.ready}`;
    let entry = byAddress.get(key);
    if (!entry) byAddress.set(key, (entry = { address: e.address, ready: e.ready, ports: new Map() }));
    for (const p of e.ports) entry.ports.set(portKey(p), p);
  }
  const byPortSet = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const entry of byAddress.values()) {
    const ports = [...entry.ports.values()].sort(comparePorts);
    const key = ports.map(portKey).join('\u0001');
    let group = byPortSet.get(key);
    if (!group) byPortSet.set(key, (group = { ports, ready: [], notReady: [] }));
    (entry.ready ? group.ready : group.notReady).push(entry.address);
  }
  const subsets: EndpointSubset[] = [];
  for (const group of byPortSet.values()) {
    const subset: EndpointSubset = {};
    if (group.ready.length > 0) subset.addresses = group.ready.sort(compareAddresses);
    if (group.notReady.length > 0) subset.notReadyAddresses = group.notReady.sort(compareAddresses);
    if (group.ports.length > 0) subset.ports = group.ports;
    subsets.push(subset);
  }
  const first = (s: EndpointSubset): EndpointAddress | undefined => s.addresses?.[0] ?? s.notReadyAddresses?.[0];
  return subsets.sort((a, b) => {
    const fa = first(a);
    const fb = first(b);
    const byAddr = fa && fb ? compareAddresses(fa, fb) : 0;
    return byAddr || (a.ports ?? []).map(portKey).join().localeCompare((b.ports ?? []).map(portKey).join());
  });
}

/** The subsets a Service with a selector should have for these (already selected) pods. */
export function computeSubsets(service: Service, pods: readonly Pod[]): EndpointSubset[] {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const servicePorts = service.spec?.ports ?? [];
  const headless = service.spec?.clusterIP === 'None';
  const entries: Array<{ address: EndpointAddress; ready: boolean; ports: EndpointPort[] }> = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const address = addressFor(service, pod);
    const ready = publishNotReady || isPodReady(pod);
    if (servicePorts.length === 0) {
      // A headless Service without ports still lists its pods' addresses.
      if (headless) entries.push({ address, ready, ports: [] });
      continue;
    }
    for (const sp of servicePorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue; // the pod does not offer this named port
      const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) ep.name = sp.name;
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      entries.push({ address, ready, ports: [ep] });
    }
  }
  return repackSubsets(entries);
}

/** Subsets with every targetRef's resourceVersion dropped (endpointSubsetsEqualIgnoreResourceVersion). */
export function withoutResourceVersions(subsets: readonly EndpointSubset[] | undefined): EndpointSubset[] {
  const strip = (list: EndpointAddress[] | undefined): EndpointAddress[] | undefined =>
    list?.map((a) => {
      if (!a.targetRef) return a;
      const { resourceVersion: _rv, ...ref } = a.targetRef;
      return { ...a, targetRef: ref };
    });
  return (subsets ?? []).map((s) => {
    const out: EndpointSubset = {};
    const addresses = strip(s.addresses);
    const notReady = strip(s.notReadyAddresses);
    if (addresses?.length) out.addresses = addresses;
    if (notReady?.length) out.notReadyAddresses = notReady;
    if (s.ports?.length) out.ports = s.ports.map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' }));
    return out;
  });
}

/**
 * Existing subsets in canonical form (as the API returned them, perhaps written by someone
 * else), for comparing with computed ones.
 */
export function canonicalSubsets(subsets: readonly EndpointSubset[] | undefined): EndpointSubset[] {
  const entries: Array<{ address: EndpointAddress; ready: boolean; ports: EndpointPort[] }> = [];
  for (const s of subsets ?? []) {
    const ports = (s.ports ?? []).map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' }));
    for (const a of s.addresses ?? []) entries.push({ address: a, ready: true, ports });
    for (const a of s.notReadyAddresses ?? []) entries.push({ address: a, ready: false, ports });
  }
  return repackSubsets(entries);
}

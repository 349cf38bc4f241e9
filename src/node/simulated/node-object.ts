// What a simulated node looks like in the API: the Node a kubelet registers
// (labels, capacity, conditions, addresses, nodeInfo) and its heartbeat
// Lease in kube-node-lease. Pure functions of the node's spec and the time.

import { createHash } from 'node:crypto';
import type { Lease, Node, NodeCondition, NodeStatus, ResourceList, Taint } from '../../api/generated/index.js';
import { apiTime } from '../../util/time.js';

export const RUNTIME_VERSION = 'simulated://0.1.0';
export const KUBELET_VERSION = 'v1.31.4-gitplane';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** One simulated node as the caller describes it. */
export interface SimulatedNodeSpec {
  name: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** cpu, memory, pods and any extended resources (e.g. "nvidia.com/gpu"); defaults 8 / 32Gi / 110. */
  capacity?: { cpu?: string; memory?: string; pods?: string; [extended: string]: string | undefined };
}

export const DEFAULT_CAPACITY: Readonly<Record<string, string>> = { cpu: '8', memory: '32Gi', pods: '110', 'ephemeral-storage': '100Gi' };

export { apiTime };

/** API MicroTime: RFC 3339 with six fractional digits. */
export function apiMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** A stable address per node index: 127.0.x.y, skipping .0, .1 and .255. */
export function nodeAddress(index: number): string {
  const perBlock = 253; // last octets 2..254
  const block = Math.floor(index / perBlock);
  const last = (index % perBlock) + 2;
  return `127.${1 + Math.floor(block / 256)}.${block % 256}.${last}`;
}

function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function capacityOf(spec: SimulatedNodeSpec): ResourceList {
  const capacity: ResourceList = { ...DEFAULT_CAPACITY };
  for (const [name, value] of Object.entries(spec.capacity ?? {})) if (value !== undefined) capacity[name] = value;
  return capacity;
}

/** The node conditions a healthy kubelet posts, heartbeat now, Ready since `readySince`. */
export function nodeConditions(now: number, readySince: number): NodeCondition[] {
  const heartbeat = apiTime(now);
  const since = apiTime(readySince);
  const condition = (type: string, status: 'True' | 'False', reason: string, message: string): NodeCondition => ({
    type,
    status,
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: since,
    reason,
    message,
  });
  return [
    condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

export function nodeStatus(spec: SimulatedNodeSpec, address: string, now: number, readySince: number, bootSeed: string): NodeStatus {
  const capacity = capacityOf(spec);
  return {
    capacity,
    allocatable: { ...capacity },
    conditions: nodeConditions(now, readySince),
    addresses: [
      { type: 'InternalIP', address },
      { type: 'Hostname', address: spec.name },
    ],
    nodeInfo: {
      machineID: uuidFrom(`machine/${spec.name}`).replace(/-/g, ''),
      systemUUID: uuidFrom(`system/${spec.name}`),
      bootID: uuidFrom(`boot/${spec.name}/${bootSeed}`),
      kernelVersion: '6.1.0-simulated',
      osImage: 'gitplane simulated node',
      containerRuntimeVersion: RUNTIME_VERSION,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

export function nodeObject(spec: SimulatedNodeSpec, address: string, now: number, bootSeed: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': spec.name,
        'kubernetes.io/os': 'linux',
        type: 'simulated',
        ...spec.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'gitplane.io/simulated': 'true' },
    },
    spec: {
      providerID: `simulated://${spec.name}`,
      ...(spec.taints?.length ? { taints: spec.taints.map((t) => ({ ...t })) } : {}),
    },
    status: nodeStatus(spec, address, now, now, bootSeed),
  };
}

/** The node's heartbeat lease, owned by the Node so it goes when the Node does. */
export function nodeLease(name: string, nodeUid: string | undefined, durationSeconds: number, now: number): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: NODE_LEASE_NAMESPACE,
      ...(nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: nodeUid }] } : {}),
    },
    spec: { holderIdentity: name, leaseDurationSeconds: durationSeconds, renewTime: apiMicroTime(now) },
  };
}

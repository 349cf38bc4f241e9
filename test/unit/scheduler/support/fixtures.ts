// Builders for pods, nodes and NodeInfos in scheduler unit tests.

import type { Node, Pod, PodSpec, Taint } from '../../../../src/api/generated/index.js';
import { CycleState, NodeInfo, PodInfo, Snapshot, Status, type Plugin, type PreFilterPlugin, type FilterPlugin, PreFilterResult } from '../../../../src/scheduler/framework/index.js';

export interface NodeOpts {
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  allocatable?: Record<string, string>;
}

export function makeNode(name: string, opts: NodeOpts = {}): Node {
  const allocatable = opts.allocatable ?? { cpu: '4', memory: '8Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } },
    spec: { ...(opts.taints ? { taints: opts.taints } : {}), ...(opts.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable, capacity: allocatable },
  };
}

export interface PodOpts {
  namespace?: string;
  labels?: Record<string, string>;
  requests?: Record<string, string>;
  spec?: Partial<PodSpec>;
  uid?: string;
}

let uidSeq = 0;

export function makePod(name: string, opts: PodOpts = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: opts.namespace ?? 'default', uid: opts.uid ?? `uid-${name}-${++uidSeq}`, labels: opts.labels ?? {} },
    spec: {
      containers: [{ name: 'c', image: 'i', ...(opts.requests ? { resources: { requests: opts.requests } } : {}) }],
      ...(opts.spec ?? {}),
    },
  };
}

export function podInfo(name: string, opts: PodOpts = {}): PodInfo {
  return new PodInfo(makePod(name, opts));
}

/** A NodeInfo for a node with pods already on it. */
export function nodeInfo(node: Node, ...pods: Pod[]): NodeInfo {
  const ni = new NodeInfo(node.metadata.name!, node);
  for (const p of pods) ni.addPod(new PodInfo({ ...p, spec: { ...p.spec!, nodeName: node.metadata.name } }));
  return ni;
}

/** Run PreFilter (if any) and Filter of one plugin for a pod on every node: node name → status (Skip → Success). */
export function runFilter(plugin: Plugin, pod: PodInfo, nodes: NodeInfo[]): Record<string, Status> {
  const snapshot = Snapshot.of(nodes);
  const state = new CycleState();
  const out: Record<string, Status> = {};
  const pre = (plugin as PreFilterPlugin).preFilter?.(state, pod, snapshot);
  if (pre instanceof Status && pre.isSkip()) {
    for (const n of nodes) out[n.name] = Status.SUCCESS;
    return out;
  }
  if (pre instanceof Status && !pre.isSuccess()) {
    for (const n of nodes) out[n.name] = pre;
    return out;
  }
  for (const n of nodes) {
    if (pre instanceof PreFilterResult && !pre.nodeNames.has(n.name)) {
      out[n.name] = pre.absentStatus ?? Status.unschedulableAndUnresolvable('absent');
      continue;
    }
    out[n.name] = (plugin as FilterPlugin).filter(state, pod, n);
  }
  return out;
}

/** Summarize statuses as node → code (and reasons) for compact expectations. */
export function codes(statuses: Record<string, Status>): Record<string, string> {
  return Object.fromEntries(Object.entries(statuses).map(([k, s]) => [k, s.reasons.length ? `${s.code}: ${s.message()}` : s.code]));
}

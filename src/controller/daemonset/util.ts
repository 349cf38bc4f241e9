// Pure DaemonSet helpers, after kube's pkg/controller/daemon/util: which nodes
// should run a daemon pod (node name, nodeSelector, required node affinity,
// NoSchedule/NoExecute taints against the pod's tolerations plus the ones
// every daemon pod gets), the node a daemon pod targets, the pod template's
// hash, and pod readiness/availability.

import type { DaemonSet, Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, PodSpec, PodTemplateSpec, Taint, Toleration } from '../../api/generated/index.js';

/** The pod label carrying the hash of the template a pod was created from. */
export const DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY = 'controller-revision-hash';

// The taints kube's node lifecycle controller and kubelet put on nodes.
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** The node a pod's required node affinity names through `matchFields metadata.name`. */
const NODE_FIELD_SELECTOR_KEY_NODE_NAME = 'metadata.name';

/** Does the toleration tolerate the taint (kube's Toleration.ToleratesTaint)? */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? '') {
    case '':
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** The first taint passing `filter` that no toleration tolerates. */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[], filter: (t: Taint) => boolean): Taint | undefined {
  return taints.find((taint) => filter(taint) && !tolerations.some((tol) => toleratesTaint(tol, taint)));
}

/**
 * The tolerations every daemon pod gets on top of its template's
 * (kube's AddOrUpdateDaemonPodTolerations), so daemons keep running on nodes
 * that are not ready, unreachable, under pressure or cordoned.
 */
export function addDaemonPodTolerations(spec: PodSpec): Toleration[] {
  const tolerations = [...(spec.tolerations ?? [])];
  const add = (key: string, effect: 'NoSchedule' | 'NoExecute'): void => {
    const exists = tolerations.some((t) => t.key === key && t.effect === effect && (t.operator === 'Exists' || t.operator === undefined));
    if (!exists) tolerations.push({ key, operator: 'Exists', effect });
  };
  add(TAINT_NODE_NOT_READY, 'NoExecute');
  add(TAINT_NODE_UNREACHABLE, 'NoExecute');
  add(TAINT_NODE_DISK_PRESSURE, 'NoSchedule');
  add(TAINT_NODE_MEMORY_PRESSURE, 'NoSchedule');
  add(TAINT_NODE_PID_PRESSURE, 'NoSchedule');
  add(TAINT_NODE_UNSCHEDULABLE, 'NoSchedule');
  if (spec.hostNetwork) add(TAINT_NODE_NETWORK_UNAVAILABLE, 'NoSchedule');
  return tolerations;
}

function matchRequirement(req: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      const have = Number.parseInt(value, 10);
      const want = Number.parseInt(values[0], 10);
      if (Number.isNaN(have) || Number.isNaN(want)) return false;
      return req.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** A node selector term matches when all its requirements do; an empty term matches nothing. */
export function nodeMatchesTerm(node: Node, term: NodeSelectorTerm): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  for (const req of exprs) if (!matchRequirement(req, labels[req.key])) return false;
  for (const req of fields) {
    if (req.key !== NODE_FIELD_SELECTOR_KEY_NODE_NAME) return false;
    if (!matchRequirement(req, node.metadata?.name)) return false;
  }
  return true;
}

/** nodeSelector and required node affinity (terms ORed). */
export function nodeMatchesPodAffinity(node: Node, spec: PodSpec): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) return required.nodeSelectorTerms.some((term) => nodeMatchesTerm(node, term));
  return true;
}

export interface ShouldRun {
  /** A daemon pod should be created on the node. */
  shouldRun: boolean;
  /** A daemon pod already on the node may stay (it tolerates the node's NoExecute taints). */
  shouldContinueRunning: boolean;
}

/** kube's NodeShouldRunDaemonPod. */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): ShouldRun {
  const spec = ds.spec?.template.spec ?? { containers: [] };
  const nodeName = node.metadata?.name ?? '';
  if (spec.nodeName && spec.nodeName !== nodeName) return { shouldRun: false, shouldContinueRunning: false };
  if (!nodeMatchesPodAffinity(node, spec)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints ?? [];
  const tolerations = addDaemonPodTolerations(spec);
  const untolerated = findUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  if (untolerated) {
    const noExecute = findUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoExecute');
    return { shouldRun: false, shouldContinueRunning: noExecute === undefined };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/**
 * The node a daemon pod is for: spec.nodeName once bound, else the node its
 * required affinity pins through matchFields metadata.name (kube's GetTargetNodeName).
 */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const req of term.matchFields ?? []) {
      if (req.key === NODE_FIELD_SELECTOR_KEY_NODE_NAME && req.operator === 'In' && req.values?.length === 1) return req.values[0];
    }
  }
  return undefined;
}

/**
 * Pin a pod to a node through required node affinity, replacing any
 * metadata.name field requirement (kube's ReplaceDaemonSetPodNodeNameNodeAffinity):
 * the scheduler then binds it there, honouring the node's resources.
 */
export function replaceNodeNameAffinity(spec: PodSpec, nodeName: string): void {
  const req: NodeSelectorRequirement = { key: NODE_FIELD_SELECTOR_KEY_NODE_NAME, operator: 'In', values: [nodeName] };
  spec.affinity ??= {};
  spec.affinity.nodeAffinity ??= {};
  const required = spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required || required.nodeSelectorTerms.length === 0) {
    spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [{ matchFields: [req] }] };
    return;
  }
  // Each term keeps its label expressions; the node name replaces its field requirements.
  required.nodeSelectorTerms = required.nodeSelectorTerms.map((term) => ({ ...term, matchFields: [req] }));
}

/** JSON with object keys sorted, so equal templates hash equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

// k8s.io/apimachinery/pkg/util/rand.SafeEncodeString's alphabet: no vowels, no 0/1/3.
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The template hash pods are labelled with (kube's ComputeHash: fnv32a over
 * the template plus collisionCount, its decimal form safe-encoded). gitplane
 * keeps no ControllerRevision objects: the hash label alone tells new pods
 * from old.
 */
export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  const input = Buffer.from(canonicalJson(template ?? {}) + (collisionCount ? `#${collisionCount}` : ''), 'utf8');
  let h = 0x811c9dc5;
  for (const byte of input) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return [...String(h)].map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Ready for at least minReadySeconds (kube's podutil.IsPodAvailable). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const since = ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  if (Number.isNaN(since)) return false;
  return since + minReadySeconds * 1000 <= now;
}

/** When a ready pod becomes available (ms), for requeueing. */
export function availableAt(pod: Pod, minReadySeconds: number): number | undefined {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  if (!ready?.lastTransitionTime) return undefined;
  const since = Date.parse(ready.lastTransitionTime);
  return Number.isNaN(since) ? undefined : since + minReadySeconds * 1000;
}

/** An int-or-percent against a total, percentages rounded up (intstr.GetScaledValueFromIntOrPercent). */
export function scaledValue(value: number | string | undefined, total: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (m) return Math.ceil((Number(m[1]) * total) / 100);
  const n = Number.parseInt(value, 10);
  if (Number.isNaN(n)) throw new Error(`invalid value for IntOrString: ${JSON.stringify(value)}`);
  return n;
}

/** Bound pods first, then oldest first, then by name (kube's podByCreationTimestampAndPhase). */
export function compareDaemonPods(a: Pod, b: Pod): number {
  const aBound = a.spec?.nodeName ? 1 : 0;
  const bBound = b.spec?.nodeName ? 1 : 0;
  if (aBound !== bBound) return bBound - aBound;
  const at = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const bt = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (at !== bt) return at - bt;
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
}
